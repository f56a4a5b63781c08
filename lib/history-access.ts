/**
 * Table access for topic history (lambdas/adapters/dynamodb/history-store.ts), granted only
 * when the config turns history on, and only on history items: the `h#` partition-key
 * prefix, as `socket.kv` is confined to `kv#`.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { HISTORY_PREFIX } from '../lambdas/adapters/dynamodb/table-schema.js';
import type { TopicastConfigInput } from '../lambdas/core/config.js';
import type { FunctionName } from './realtime-api-defaults.js';

/** Append: UpdateItem (the counter) and PutItem (the message); replay and reads: GetItem (the counter) and Query. */
export const HISTORY_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] as const;

/**
 * Every function that may publish (a push, a channel module's broadcast from join, handleIn
 * or leave, which reaping runs in the fan-out worker too; the HTTP publish function) or
 * replay (join, `$default` for Phoenix joins). `$connect` and ping never touch history.
 */
export const HISTORY_FUNCTIONS: readonly FunctionName[] = ['$disconnect', 'join', 'leave', 'push', '$default', 'fanout-worker', 'publish', 'presence'];

export function historyEnabled(config: Pick<TopicastConfigInput, 'history'>): boolean {
  return config.history !== undefined && Object.keys(config.history).length > 0;
}

export function historyStatement(tableArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [...HISTORY_TABLE_ACTIONS],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${HISTORY_PREFIX}*`] } },
  });
}

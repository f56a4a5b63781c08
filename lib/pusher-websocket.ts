/**
 * The WebSocket side of the Pusher protocol on a deployed RealtimeApi: what `$connect` and
 * `$default` need beyond their Phoenix roles, and nothing more (the construct's `pusher`
 * prop calls this; it also maps `app/{key}` on the custom domain and creates the secret).
 *
 * - `$connect` recognises a Pusher client and hands its `connection_established` to the
 *   fan-out worker (API Gateway lets nobody post during `$connect`): the worker's name and
 *   `lambda:InvokeFunction` on the worker alone. It never reads the secret (the app key is
 *   checked by the domain mapping before `$connect` runs).
 * - `$default` verifies channel auth: the app id and key, and `secretsmanager:GetSecretValue`
 *   on the app secret alone.
 * - Joins (`$default` and the `join` route) keep the index of occupied channels Pusher's
 *   `GET /channels` reads: UpdateItem on `x#` items alone (lambdas/adapters/dynamodb/channel-index.ts).
 * - Whatever announces presence (joins, and the presence stream readers) claims each Pusher
 *   user's `member_added` (lambdas/adapters/dynamodb/member-claims.ts): UpdateItem and GetItem
 *   on `pm#` items, and GetItem on `t#` (whether the previous announcer's row is still there).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KEY_PREFIXES } from '../lambdas/adapters/dynamodb/table-schema.js';
import { PUSHER_ENVIRONMENT } from '../lambdas/core/pusher/app.js';
import { ENV } from './realtime-api-defaults.js';
import { keyConfinedStatement } from './table-grants.js';

export interface PusherWebSocketApp {
  readonly appId: string;
  readonly key: string;
  /** Holds the app secret as plain text. */
  readonly secret: secretsmanager.ISecret;
}

/** The parts of a RealtimeApi the Pusher WebSocket side changes. */
export interface PusherWebSocketFunctions {
  readonly functions: { readonly $connect: lambda.Function; readonly $default: lambda.Function; readonly join: lambda.Function };
  readonly fanoutWorker: lambda.IFunction;
  readonly table: { readonly tableArn: string };
}

export function wirePusherWebSocket(api: PusherWebSocketFunctions, app: PusherWebSocketApp): void {
  const { $connect: connect, $default: frames, join } = api.functions;
  for (const fn of [connect, frames]) {
    fn.addEnvironment(PUSHER_ENVIRONMENT.appId, app.appId);
    fn.addEnvironment(PUSHER_ENVIRONMENT.key, app.key);
  }
  // The app id tells a joining function to keep the channel index (messaging-parts.ts); the join route needs nothing else of Pusher's.
  join.addEnvironment(PUSHER_ENVIRONMENT.appId, app.appId);
  for (const fn of [frames, join]) fn.addToRolePolicy(keyConfinedStatement(api.table.tableArn, ['UpdateItem'], [KEY_PREFIXES.channelIndex]));
  wirePusherMemberClaims([frames, join], api.table.tableArn, app.appId);
  connect.addEnvironment(ENV.fanoutFunction, api.fanoutWorker.functionName);
  connect.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [api.fanoutWorker.functionArn] }));
  frames.addEnvironment(PUSHER_ENVIRONMENT.secretArn, app.secret.secretArn);
  frames.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      // An imported partial ARN lacks the 6-character suffix Secrets Manager appends.
      resources: [app.secret.secretFullArn ?? `${app.secret.secretArn}-??????`],
    }),
  );
  app.secret.encryptionKey?.grantDecrypt(frames);
}

/** The member claims of whatever announces Pusher presence: the joining routes, and the presence stream readers. */
export function wirePusherMemberClaims(functions: readonly lambda.Function[], tableArn: string, appId: string): void {
  for (const fn of functions) {
    // The app id tells the function the Pusher protocol is on (messaging-parts.ts).
    fn.addEnvironment(PUSHER_ENVIRONMENT.appId, appId);
    fn.addToRolePolicy(keyConfinedStatement(tableArn, ['UpdateItem', 'GetItem'], [KEY_PREFIXES.memberClaim]));
    fn.addToRolePolicy(keyConfinedStatement(tableArn, ['GetItem'], [KEY_PREFIXES.topic]));
  }
}

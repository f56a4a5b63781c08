/**
 * Table statements confined to kinds of items: actions on the table ARN, allowed only on
 * items whose partition key starts with one of the given prefixes
 * (`ForAllValues:StringLike dynamodb:LeadingKeys`). DynamoDB authorizes a batch once, with
 * the partition keys of all its items, so a statement must list every prefix one batch mixes.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { KeyPrefix } from '../lambdas/adapters/dynamodb/table-schema.js';
import { tableStatements, type TableAccess } from './realtime-api-defaults.js';

/** `actions` (with or without the `dynamodb:` prefix) on items under `prefixes` only. */
export function keyConfinedStatement(tableArn: string, actions: readonly string[], prefixes: readonly KeyPrefix[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: actions.map((action) => (action.startsWith('dynamodb:') ? action : `dynamodb:${action}`)),
    resources: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } },
  });
}

/** The statements of a {@link TableAccess}: one per distinct set of prefixes. */
export function tableAccessStatements(tableArn: string, access: TableAccess): iam.PolicyStatement[] {
  return tableStatements(access).map(({ actions, prefixes }) => keyConfinedStatement(tableArn, actions, prefixes));
}

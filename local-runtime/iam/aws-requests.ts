/**
 * What IAM authorizes for the AWS calls a function makes: the action, the resource ARN and
 * the request context keys, derived from the call as the service would derive them.
 */
import type { IamRequest } from './policy-evaluator.js';

export interface DynamoDbTables {
  /** The ARN of a table named in a request (the request may also name it by ARN). */
  readonly arnOf: (tableName: string) => string;
  /** The partition key attribute of a table (`dynamodb:LeadingKeys` holds its values). */
  readonly partitionKeyOf: (tableName: string) => string;
}

/** An item-level call: DynamoDB sets `dynamodb:LeadingKeys` to the partition keys it touches. */
const ITEM_ACTIONS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']);

/**
 * The authorizations of one DynamoDB call, given its operation (`PutItem`, or the SDK's
 * `PutItemCommand`) and its input, marshalled (`{ S: 'x' }`) or as a document client
 * takes it. Batch operations are authorized once per table, with the partition keys of all
 * their items in one multi-valued `dynamodb:LeadingKeys` (which is why policies use
 * `ForAllValues:`); a transaction once per item, as its own action.
 */
export function dynamoDbRequests(operation: string, input: Readonly<Record<string, unknown>>, tables: DynamoDbTables): IamRequest[] {
  const action = operation.replace(/Command$/, '');
  const table = (name: unknown) => String(name);
  const arn = (name: string) => (name.startsWith('arn:') ? name : tables.arnOf(name));
  const leadingKeys = (leading: string | undefined): Record<string, string[]> => (leading === undefined ? {} : { 'dynamodb:LeadingKeys': [leading] });
  if (ITEM_ACTIONS.has(action)) {
    const tableName = table(input.TableName);
    const pk = tables.partitionKeyOf(tableName);
    const leading = action === 'Query' ? queriedPartition(input, pk) : scalar(((input.Key ?? input.Item) as Record<string, unknown> | undefined)?.[pk]);
    return [{ action: `dynamodb:${action}`, resource: arn(tableName), context: leadingKeys(leading) }];
  }
  if (action === 'BatchWriteItem' || action === 'BatchGetItem') {
    const requestItems = (input.RequestItems ?? {}) as Record<string, unknown>;
    return Object.entries(requestItems).map(([tableName, entries]) => {
      const pk = tables.partitionKeyOf(tableName);
      const keysOf = (entry: Record<string, any>): Record<string, unknown>[] =>
        action === 'BatchGetItem' ? (entry.Keys ?? []) : [entry.PutRequest?.Item ?? entry.DeleteRequest?.Key ?? {}];
      const list = action === 'BatchGetItem' ? [entries as Record<string, any>] : (entries as Record<string, any>[]);
      const leading = [...new Set(list.flatMap(keysOf).map((key) => scalar(key[pk])).filter((value): value is string => value !== undefined))];
      return { action: `dynamodb:${action}`, resource: arn(tableName), context: { 'dynamodb:LeadingKeys': leading } };
    });
  }
  if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
    const actionOf: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
    return ((input.TransactItems ?? []) as Record<string, Record<string, unknown>>[]).flatMap((item) =>
      Object.entries(item).map(([kind, part]): IamRequest => {
        const tableName = table(part.TableName);
        const pk = tables.partitionKeyOf(tableName);
        const leading = scalar(((part.Key ?? part.Item) as Record<string, unknown> | undefined)?.[pk]);
        return { action: `dynamodb:${actionOf[kind] ?? kind}`, resource: arn(tableName), context: leadingKeys(leading) };
      }),
    );
  }
  // Table-level operations (Scan, DescribeTable, ...): no leading keys.
  return [{ action: `dynamodb:${action}`, resource: arn(table(input.TableName)), context: {} }];
}

/** The partition key value of a Query's key condition (`pk = :pk`, names and values by placeholder). */
function queriedPartition(input: Readonly<Record<string, unknown>>, partitionKey: string): string | undefined {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const clause of String(input.KeyConditionExpression ?? '').split(/\s+AND\s+/i)) {
    const match = /^\s*\(?\s*([#\w.-]+)\s*=\s*(:[\w-]+)\s*\)?\s*$/.exec(clause);
    if (!match) continue;
    const name = match[1]!.startsWith('#') ? names[match[1]!] : match[1];
    if (name === partitionKey) return scalar(values[match[2]!]);
  }
  const legacy = (input.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined)?.[partitionKey];
  return scalar(legacy?.AttributeValueList?.[0]);
}

/** A key value as a string, from a document value or a marshalled one (`{ S }`, `{ N }`, `{ B }`). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value !== null && typeof value === 'object') {
    const attribute = value as { S?: unknown; N?: unknown; B?: unknown };
    const inner = attribute.S ?? attribute.N ?? attribute.B;
    if (inner !== undefined) return typeof inner === 'string' ? inner : Buffer.from(inner as Uint8Array).toString('base64');
  }
  return undefined;
}

export interface ExecuteApiStage {
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
  readonly apiId: string;
  readonly stage: string;
}

/** A Management API call (`POST`/`GET`/`DELETE /@connections/{id}`): `execute-api:ManageConnections` on that method and path. */
export function manageConnectionsRequest(stage: ExecuteApiStage, method: string, connectionId: string): IamRequest {
  const partition = stage.partition ?? 'aws';
  return {
    action: 'execute-api:ManageConnections',
    resource: `arn:${partition}:execute-api:${stage.region}:${stage.account}:${stage.apiId}/${stage.stage}/${method.toUpperCase()}/@connections/${connectionId}`,
  };
}

/** Lambda's Invoke (synchronous or `Event`) of a function. */
export function invokeFunctionRequest(functionArn: string): IamRequest {
  return { action: 'lambda:InvokeFunction', resource: functionArn };
}

/** EventBridge PutEvents: authorized per bus named in the entries. */
export function putEventsRequest(eventBusArn: string): IamRequest {
  return { action: 'events:PutEvents', resource: eventBusArn };
}

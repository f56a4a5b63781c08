/**
 * DynamoDB behind the local AWS endpoint: what a request asks IAM for (the operation on
 * each table or index it names, with `dynamodb:LeadingKeys` when the role's policies test
 * it) and the forward of an allowed request to dynalite (or DYNAMODB_ENDPOINT), byte for
 * byte. A denial answers as DynamoDB does: 400 AccessDeniedException.
 */
import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LOCAL_ACCOUNT, LOCAL_REGION, type TableModel } from '../assembly/local-app.js';
import type { AuthorizationRequest } from '../iam/policy-evaluator.js';

type Body = Record<string, unknown>;
type Attribute = Record<string, unknown>;

export interface DynamoDbAccess {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string[]>;
}

export class DynamoDbService {
  private readonly tables: ReadonlyMap<string, TableModel>;

  public constructor(
    tables: readonly TableModel[],
    private readonly endpoint: string,
  ) {
    this.tables = new Map(tables.map((table) => [table.tableName, table]));
  }

  /** Every permission the request needs: one per table and operation it touches. */
  public accessOf(target: string, body: Body, withLeadingKeys: boolean): DynamoDbAccess[] {
    const operation = target.replace(/^DynamoDB_\d+\./, '');
    const action = `dynamodb:${operation}`;
    const tableArn = (name: unknown, index?: unknown) => {
      const table = String(name ?? '');
      // A TableName may already be an ARN.
      const base = table.startsWith('arn:') ? table : `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${table}`;
      return typeof index === 'string' ? `${base}/index/${index}` : base;
    };
    const leading = (table: unknown, keys: (Attribute | undefined)[]): Record<string, string[]> | undefined => {
      if (!withLeadingKeys) return undefined;
      const hashKey = this.hashKeyOf(String(table));
      if (!hashKey) return undefined;
      const values = keys.map((key) => attributeText(key?.[hashKey])).filter((value): value is string => value !== undefined);
      return values.length > 0 ? { 'dynamodb:LeadingKeys': [...new Set(values)] } : undefined;
    };
    const withContext = (access: DynamoDbAccess, context: Record<string, string[]> | undefined): DynamoDbAccess => (context ? { ...access, context } : access);

    switch (operation) {
      case 'BatchGetItem':
        return Object.entries((body.RequestItems ?? {}) as Record<string, { Keys?: Attribute[] }>).map(([table, request]) =>
          withContext({ action, resource: tableArn(table) }, leading(table, request.Keys ?? [])),
        );
      case 'BatchWriteItem':
        return Object.entries((body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Attribute }; DeleteRequest?: { Key: Attribute } }[]>).map(([table, requests]) =>
          withContext({ action, resource: tableArn(table) }, leading(table, requests.map((request) => request.PutRequest?.Item ?? request.DeleteRequest?.Key))),
        );
      case 'TransactWriteItems':
      case 'TransactGetItems': {
        const items = (body.TransactItems ?? []) as Record<string, { TableName?: string; Key?: Attribute; Item?: Attribute }>[];
        const itemAction: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
        return items.flatMap((item) =>
          Object.entries(item).map(([kind, request]) => withContext({ action: `dynamodb:${itemAction[kind] ?? kind}`, resource: tableArn(request.TableName) }, leading(request.TableName, [request.Key ?? request.Item]))),
        );
      }
      case 'GetItem':
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return [withContext({ action, resource: tableArn(body.TableName) }, leading(body.TableName, [(body.Key ?? body.Item) as Attribute | undefined]))];
      case 'Query':
        return [withContext({ action, resource: tableArn(body.TableName, body.IndexName) }, leading(body.TableName, [this.queriedKey(body)]))];
      case 'Scan':
        return [{ action, resource: tableArn(body.TableName, body.IndexName) }];
      case 'ListTables':
        return [{ action, resource: '*' }];
      default:
        return [{ action, resource: tableArn(body.TableName ?? body.TableArn ?? body.ResourceArn) }];
    }
  }

  /** Hands the request to the DynamoDB behind the runtime and streams its answer back; resolves to its status. */
  public forward(method: string, headers: IncomingHttpHeaders, body: Buffer, response: ServerResponse): Promise<number> {
    const target = new URL(this.endpoint);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(target, { method, headers: { ...headers, host: target.host } }, (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
        answer.once('end', () => resolve(answer.statusCode ?? 500));
        answer.once('error', reject);
      });
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }

  private hashKeyOf(table: string): string | undefined {
    const name = table.startsWith('arn:') ? table.slice(table.lastIndexOf('/') + 1) : table;
    const schema = this.tables.get(name)?.createTable.KeySchema as { AttributeName: string; KeyType: string }[] | undefined;
    return schema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  }

  /** The partition key value of a Query's key condition (`#pk = :v` or `pk = :v`). */
  private queriedKey(body: Body): Attribute | undefined {
    const hashKey = this.hashKeyOf(String(body.TableName ?? ''));
    const condition = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : undefined;
    if (!hashKey || !condition) return undefined;
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    for (const match of condition.matchAll(/([#\w.]+)\s*=\s*(:\w+)/g)) {
      const name = match[1] as string;
      if ((names[name] ?? name) === hashKey) return { [hashKey]: values[match[2] as string] };
    }
    return undefined;
  }
}

/** The scalar text of an AttributeValue (`{"S": "a"}`, `{"N": "1"}`). */
function attributeText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const scalar = (value as Record<string, unknown>).S ?? (value as Record<string, unknown>).N ?? (value as Record<string, unknown>).B;
  return typeof scalar === 'string' ? scalar : undefined;
}

/** DynamoDB's answer to a request its caller's policies do not allow. */
export function dynamoDbDenial(response: ServerResponse, request: AuthorizationRequest): void {
  const message = `User: ${request.principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`;
  response
    .writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'AccessDeniedException' })
    .end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }));
}

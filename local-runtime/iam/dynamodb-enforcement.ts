/**
 * IAM enforced on a DynamoDB client: every command is authorized against a role before it
 * is sent, and one the role does not allow fails as DynamoDB fails it
 * (`AccessDeniedException`, HTTP 400), so the calling code sees what it would see on AWS.
 * A client middleware, so the real adapters and a real DynamoDB (dynalite) run around it.
 */
import { dynamoDbRequests, type DynamoDbTables } from './aws-requests.js';
import type { IamRequest, RolePolicyEvaluator } from './policy-evaluator.js';

/** The part of an AWS SDK v3 client this needs (a DynamoDBClient or a DynamoDBDocumentClient). */
export interface MiddlewareClient {
  readonly middlewareStack: {
    add(middleware: (next: (args: any) => Promise<any>, context: any) => (args: any) => Promise<any>, options: { step: 'initialize'; name: string }): void;
  };
}

export interface AccessDenial {
  readonly request: IamRequest;
  readonly principal: string;
}

/** DynamoDB's error for a call the caller's policies do not allow. */
export function accessDeniedError(denial: AccessDenial): Error {
  const { request, principal } = denial;
  const message = `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`;
  return Object.assign(new Error(message), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/**
 * Authorizes each command `client` sends as `principal`; `onDenied` hears every refusal
 * before the error is thrown. Returns nothing: the middleware stays for the client's life.
 */
export function enforceRoleOnDynamoDb(
  client: MiddlewareClient,
  evaluator: RolePolicyEvaluator,
  principal: string,
  tables: DynamoDbTables,
  onDenied: (denial: AccessDenial) => void = () => undefined,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String((context as { commandName?: string }).commandName);
      for (const request of dynamoDbRequests(operation, args.input as Record<string, unknown>, tables)) {
        if ((await evaluator.evaluate(request)).allowed) continue;
        const denial = { request, principal };
        onDenied(denial);
        throw accessDeniedError(denial);
      }
      return next(args);
    },
    // initialize: once per command, before the SDK's retries (AccessDenied is not retried either).
    { step: 'initialize', name: 'enforceRoleOnDynamoDb' },
  );
}

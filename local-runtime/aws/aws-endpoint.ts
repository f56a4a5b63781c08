/**
 * The one local AWS endpoint (AWS_ENDPOINT_URL of every function, and the Management API
 * at `https://{domainName}/{stage}`). Every request goes through the same steps, in the
 * order AWS takes them: a SigV4 signature is required and verified; its access key names
 * the calling function's role; the role's policies from the template must allow each
 * action on each resource the request touches; only then does the request reach the local
 * service (dynalite, the Management API, Lambda Invoke, EventBridge PutEvents, SQS). A denial
 * answers in the service's own shape and is printed, whatever --quiet says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT, LOCAL_REGION, type RoleModel } from '../assembly/local-app.js';
import type { HttpRoute } from '../../local-gateway/http-routes.js';
import type { LocalEventBus } from '../../local-gateway/event-bus.js';
import { MAX_MESSAGE_BYTES, managementConnectionId, readBody, serveManagementRequest, type ManagementApiHooks } from '../../local-gateway/management-api.js';
import type { ConnectionPool } from '../../local-gateway/connection-pool.js';
import { dynamoDbDenial, type DynamoDbService } from './dynamodb-service.js';
import { LambdaService } from './lambda-service.js';
import type { SecretsManagerService } from './secrets-manager-service.js';
import type { AuthorizationRequest, PolicyEvaluator } from '../iam/policy-evaluator.js';
import type { Caller, RoleCredentials } from './role-credentials.js';
import { signatureScope, verifySignature } from './sigv4.js';
import type { StreamCapture } from '../streams/stream-capture.js';
import type { SqsService } from '../queues/sqs-service.js';

export interface LocalAwsEndpointOptions {
  readonly credentials: RoleCredentials;
  readonly roles: readonly RoleModel[];
  readonly evaluator: PolicyEvaluator;
  readonly dynamodb: DynamoDbService;
  readonly lambda: LambdaService;
  readonly eventBus: LocalEventBus;
  readonly secrets: SecretsManagerService;
  readonly sqs: SqsService;
  /** Records what DynamoDB writes change, for the tables with a stream. */
  readonly streamCapture: StreamCapture;
  /** Lines that are always printed (denials). */
  readonly log: (line: string) => void;
}

/** The WebSocket API whose port a request arrived on: its Management API is served there. */
export interface ServedApi {
  readonly apiId: string;
  readonly stageNames: readonly string[];
  readonly pool: ConnectionPool;
  readonly hooks: ManagementApiHooks;
}

// DynamoDB takes 16 MB requests, Lambda 6 MB payloads; the rest is far smaller.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Service = 'dynamodb' | 'execute-api' | 'lambda' | 'events' | 'secretsmanager' | 'sqs';

export class LocalAwsEndpoint {
  private readonly roles: ReadonlyMap<string, RoleModel>;
  private readonly leadingKeyRoles = new Map<string, boolean>();

  public constructor(private readonly options: LocalAwsEndpointOptions) {
    this.roles = new Map(options.roles.map((role) => [role.arn, role]));
  }

  public route(api: ServedApi | undefined): HttpRoute {
    return {
      name: 'aws endpoint',
      matches: (request) => signatureScope(request.headers) !== undefined || managementConnectionId(request.url) !== undefined,
      handle: (request, response) => this.handle(request, response, api),
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse, api: ServedApi | undefined): Promise<void> {
    const body = await readBody(request, MAX_BODY_BYTES);
    const scope = signatureScope(request.headers);
    const service = (scope?.service ?? (managementConnectionId(request.url) !== undefined ? 'execute-api' : '')) as Service;
    if (!scope) return refuse(response, service, 403, 'ForbiddenException', 'Forbidden');
    const caller = this.options.credentials.callerOf(scope.accessKeyId);
    if (!caller || request.headers['x-amz-security-token'] !== caller.sessionToken) {
      return refuse(response, service, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const method = request.method ?? 'GET';
    if (!verifySignature({ method, url: request.url ?? '/', headers: request.headers, body: body.data }, scope, caller.secretAccessKey)) {
      return refuse(response, service, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }

    switch (service) {
      case 'dynamodb': {
        const target = String(request.headers['x-amz-target'] ?? '');
        const parsed = parseJson(body.data);
        const testsLeadingKeys = this.testsLeadingKeys(caller.roleArn);
        for (const access of this.options.dynamodb.accessOf(target, parsed, testsLeadingKeys)) {
          const denied = await this.denied(caller, access);
          if (denied) return dynamoDbDenial(response, denied);
        }
        return this.options.streamCapture.around(target, parsed, () => this.options.dynamodb.forward(method, request.headers, body.data, response));
      }
      case 'execute-api': {
        const connectionId = managementConnectionId(request.url);
        if (!api || connectionId === undefined) return refuse(response, service, 404, 'NotFoundException', 'Not Found');
        const [first] = new URL(request.url ?? '/', 'http://local').pathname.split('/').filter(Boolean);
        const stage = first && first !== '@connections' ? decodeURIComponent(first) : (api.stageNames[0] ?? '$default');
        const resource = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${api.apiId}/${stage}/${method}/@connections/${connectionId}`;
        const denied = await this.denied(caller, { action: 'execute-api:ManageConnections', resource });
        if (denied) return refuse(response, service, 403, 'ForbiddenException', notAuthorized(denied), 'Message');
        return serveManagementRequest(method, request.url, { data: body.data, tooLarge: body.data.length > MAX_MESSAGE_BYTES }, response, api.pool, api.hooks);
      }
      case 'lambda': {
        const arn = LambdaService.functionOf(request.url);
        if (!arn) return refuse(response, service, 400, 'UnknownOperationException', `the local runtime serves Lambda Invoke only, not ${method} ${String(request.url)}`);
        const denied = await this.denied(caller, { action: 'lambda:InvokeFunction', resource: arn });
        if (denied) return refuse(response, service, 403, 'AccessDeniedException', notAuthorized(denied), 'Message');
        return this.options.lambda.invoke(arn, String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse'), body.data, response);
      }
      case 'events': {
        const parsed = parseJson(body.data) as { Entries?: { EventBusName?: string }[] };
        for (const entry of Array.isArray(parsed.Entries) ? parsed.Entries : []) {
          const bus = entry.EventBusName ?? 'default';
          const resource = bus.startsWith('arn:') ? bus : `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${bus}`;
          const denied = await this.denied(caller, { action: 'events:PutEvents', resource });
          if (denied) return refuse(response, service, 400, 'AccessDeniedException', notAuthorized(denied));
        }
        if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
          return refuse(response, service, 400, 'UnknownOperationException', `the local event bus serves PutEvents only, not ${String(request.headers['x-amz-target'])}`);
        }
        const answer = this.options.eventBus.putEvents(body.data.toString('utf8'));
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer.body));
        return;
      }
      case 'secretsmanager': {
        if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
          return refuse(response, service, 400, 'UnknownOperationException', `the local runtime serves GetSecretValue only, not ${String(request.headers['x-amz-target'])}`);
        }
        const secretId = String((parseJson(body.data) as { SecretId?: unknown }).SecretId ?? '');
        const secret = this.options.secrets.find(secretId);
        // IAM first, on the ARN the request names (a name is resolved as Secrets Manager resolves it).
        const resource = secret?.ARN ?? (secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${secretId}`);
        const denied = await this.denied(caller, { action: 'secretsmanager:GetSecretValue', resource });
        if (denied) return refuse(response, service, 400, 'AccessDeniedException', notAuthorized(denied));
        if (!secret) return refuse(response, service, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(secret));
        return;
      }
      case 'sqs': {
        const target = String(request.headers['x-amz-target'] ?? '');
        if (!target.startsWith('AmazonSQS.')) {
          // SDKs before v3.447 (and the CLI before 2.15) speak SQS's query protocol.
          return refuse(response, service, 400, 'UnknownOperationException', 'the local runtime serves the SQS JSON protocol (x-amz-target: AmazonSQS.<Operation>), as the AWS SDK v3 speaks it since 3.447');
        }
        const parsed = parseJson(body.data);
        const access = this.options.sqs.accessOf(target, parsed);
        if (access) {
          const denied = await this.denied(caller, access);
          // SQS names the action in lower case in its denial.
          if (denied) return refuse(response, service, 403, 'com.amazon.coral.service#AccessDeniedException', notAuthorized({ ...denied, action: denied.action.toLowerCase() }), 'message', 'AccessDenied;Sender');
        }
        const answer = await this.options.sqs.handle(target, parsed, caller.principalArn);
        response
          .writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...(answer.queryError ? { 'x-amzn-query-error': answer.queryError } : {}) })
          .end(JSON.stringify(answer.body));
        return;
      }
      default:
        return refuse(response, service, 400, 'UnknownOperationException', `the local runtime does not emulate the ${String(scope.service)} service`);
    }
  }

  /** Whether any of the role's policies has a `dynamodb:LeadingKeys` condition (only then is the context worth computing). */
  private testsLeadingKeys(roleArn: string): boolean {
    let tests = this.leadingKeyRoles.get(roleArn);
    if (tests === undefined) {
      const role = this.roles.get(roleArn);
      tests = role !== undefined && JSON.stringify(role.policies).includes('dynamodb:LeadingKeys');
      this.leadingKeyRoles.set(roleArn, tests);
    }
    return tests;
  }

  /** Whether the caller's role allows `action` on `resource` (a denial is printed, as every denial is). */
  public async authorize(caller: Caller, action: string, resource: string): Promise<boolean> {
    return (await this.denied(caller, { action, resource })) === undefined;
  }

  /** The request AWS would refuse, or undefined when the caller's role allows it. */
  private async denied(caller: Caller, access: { action: string; resource: string; context?: Record<string, string[]> }): Promise<AuthorizationRequest | undefined> {
    const role = this.roles.get(caller.roleArn);
    const request: AuthorizationRequest = { principalArn: caller.principalArn, ...access };
    const decision = await this.options.evaluator.decide(role?.policies.map((policy) => policy.document) ?? [], request);
    if (decision.allowed) return undefined;
    const why = decision.reason === 'EvaluationError' ? ` (the policy could not be evaluated: ${decision.detail ?? ''})` : decision.reason === 'ExplicitlyDenied' ? ' (explicit deny)' : '';
    this.options.log(`AccessDenied: ${notAuthorized(request)}${why}${role ? '' : ` (role ${caller.roleArn} is not in the template)`}`);
    return request;
  }
}

function notAuthorized(request: AuthorizationRequest): string {
  return `User: ${request.principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
}

function parseJson(data: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** AWS's error answer in the service's protocol (JSON 1.0/1.1 `__type`, REST `x-amzn-errortype`). */
function refuse(response: ServerResponse, service: string, status: number, type: string, message: string, messageKey = 'message', queryError?: string): void {
  response
    .writeHead(status, {
      'content-type': service === 'dynamodb' || service === 'sqs' ? 'application/x-amz-json-1.0' : 'application/json',
      'x-amzn-errortype': type,
      ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
    })
    .end(JSON.stringify(service === 'dynamodb' || service === 'events' || service === 'secretsmanager' || service === 'sqs' ? { __type: type, message } : { [messageKey]: message }));
}

/**
 * A Lambda Function URL as Lambda serves it: every request on the URL's port becomes a
 * payload-format-2.0 event for the function, and its result the HTTP response (a result
 * with a `statusCode` is the response; anything else is a 200 with the result as JSON).
 *
 * Auth type NONE invokes for anyone. AWS_IAM needs a SigV4-signed request (service
 * `lambda`) from credentials AWS knows, allowed `lambda:InvokeFunctionUrl` on the
 * function: locally, the credentials the runtime gave a function, checked against that
 * function's role. Any other request is refused with 403, as AWS refuses credentials it
 * does not know; a machine's own AWS credentials mean nothing to the local runtime.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT, type FunctionUrlModel } from '../assembly/local-app.js';
import type { FunctionRunner } from '../runner/function-runner.js';
import { readBody } from '../../local-gateway/management-api.js';
import type { Caller, RoleCredentials } from './role-credentials.js';
import { signatureScope, verifySignature } from './sigv4.js';

// Lambda's request payload limit (synchronous invocation).
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface FunctionUrlOptions {
  readonly url: FunctionUrlModel;
  readonly runner: FunctionRunner;
  readonly domainName: string;
  readonly credentials: RoleCredentials;
  /** IAM's decision for a function's call (the runtime's AWS endpoint decides it and prints a denial). */
  readonly allowed: (caller: Caller, action: string, resource: string) => Promise<boolean>;
}

export async function serveFunctionUrl(request: IncomingMessage, response: ServerResponse, options: FunctionUrlOptions): Promise<void> {
  const body = await readBody(request, MAX_BODY_BYTES);
  const method = request.method ?? 'GET';
  const target = new URL(request.url ?? '/', 'http://local');
  let caller: Caller | undefined;
  if (options.url.authType === 'AWS_IAM') {
    const scope = signatureScope(request.headers);
    caller = scope ? options.credentials.callerOf(scope.accessKeyId) : undefined;
    const valid = scope !== undefined && caller !== undefined && request.headers['x-amz-security-token'] === caller.sessionToken && verifySignature({ method, url: request.url ?? '/', headers: request.headers, body: body.data }, scope, caller.secretAccessKey);
    if (!valid || !caller || !(await options.allowed(caller, 'lambda:InvokeFunctionUrl', options.url.functionArn))) {
      response.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }).end(JSON.stringify({ Message: 'Forbidden' }));
      return;
    }
  }
  const text = body.data.toString('utf8');
  const binary = body.data.length > 0 && Buffer.from(text, 'utf8').length !== body.data.length;
  const now = new Date();
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([, value]) => value !== undefined).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]));
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: target.pathname,
    rawQueryString: target.search.slice(1),
    headers,
    ...(target.search ? { queryStringParameters: Object.fromEntries(target.searchParams) } : {}),
    requestContext: {
      accountId: caller ? LOCAL_ACCOUNT : 'anonymous',
      apiId: options.url.urlId,
      ...(caller ? { authorizer: { iam: { accessKey: caller.accessKeyId, accountId: LOCAL_ACCOUNT, callerId: caller.principalArn, userArn: caller.principalArn, userId: caller.principalArn } } } : {}),
      domainName: options.domainName,
      domainPrefix: options.url.urlId,
      http: { method, path: target.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.data.length > 0 ? { body: binary ? body.data.toString('base64') : text, isBase64Encoded: binary } : { isBase64Encoded: false }),
  };
  const invocation = await options.runner.invoke(event);
  if (invocation.status === 'failed') {
    response.writeHead(502, { 'content-type': 'application/json', 'x-amzn-errortype': 'Runtime.Error' }).end(JSON.stringify({ Message: 'Internal Server Error' }));
    return;
  }
  const result = invocation.result as { statusCode?: unknown; headers?: Record<string, string>; body?: unknown; isBase64Encoded?: boolean; cookies?: string[] } | null;
  if (result !== null && typeof result === 'object' && typeof result.statusCode === 'number') {
    const payload = typeof result.body === 'string' ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
    const out: Record<string, string | string[]> = { 'content-type': 'application/json', ...result.headers };
    if (result.cookies?.length) out['set-cookie'] = result.cookies;
    response.writeHead(result.statusCode, out).end(payload);
    return;
  }
  // Lambda infers the response: the returned value, as JSON.
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
}

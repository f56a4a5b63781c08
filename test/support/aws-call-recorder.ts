/**
 * Records the AWS calls functions make while tests drive them, with the function each came
 * from (local-gateway/invocation-context.ts): DynamoDB commands (a middleware on the given
 * document clients, before the SDK's retries: one record per call), outgoing HTTP requests
 * (the Management API, EventBridge, Lambda's Invoke API, seen on Node's
 * `http.client.request.start` diagnostics channel and on the lean transport's own, in the
 * caller's async context), and the
 * local gateway's in-process stand-in for Lambda Invoke.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { leanPostChannel, type LeanPostMessage } from '../../lambdas/adapters/management-api/post-transport.js';
import { currentInvocation, lambdaInvokeChannel, type LambdaInvokeMessage } from '../../local-gateway/invocation-context.js';

export type RecordedCall =
  | { readonly kind: 'dynamodb'; readonly caller: string | undefined; readonly operation: string; readonly input: Record<string, unknown> }
  | { readonly kind: 'http'; readonly caller: string | undefined; readonly method: string; /** `host:port` */
      readonly host: string;
      readonly path: string; readonly target: string | undefined }
  | { readonly kind: 'lambda-invoke'; readonly caller: string | undefined; readonly functionName: string };

export interface AwsCallRecorder {
  readonly calls: RecordedCall[];
  /** Records the calls of another document client too. */
  watch(client: DynamoDBDocumentClient): void;
  stop(): void;
}

export function recordAwsCalls(clients: readonly DynamoDBDocumentClient[]): AwsCallRecorder {
  const calls: RecordedCall[] = [];
  let recording = true;
  const watch = (client: DynamoDBDocumentClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (recording) {
          const operation = String((context as { commandName?: string }).commandName).replace(/Command$/, '');
          // A copy: the SDK's later steps marshal the input in place.
          calls.push({ kind: 'dynamodb', caller: currentInvocation()?.functionName, operation, input: structuredClone(args.input as Record<string, unknown>) });
        }
        return next(args);
      },
      { step: 'initialize', name: 'awsCallRecorder' },
    );
  };
  clients.forEach(watch);
  const onRequest = (message: unknown) => {
    if (!recording) return;
    const request = (message as { request: ClientRequest }).request;
    // A WebSocket handshake is a test's client connecting, not an AWS call.
    if (String(request.getHeader('upgrade') ?? '').toLowerCase() === 'websocket') return;
    const target = request.getHeader('x-amz-target');
    // The Host header carries the port, which tells local services apart.
    const host = String(request.getHeader('host') ?? request.host);
    calls.push({ kind: 'http', caller: currentInvocation()?.functionName, method: request.method, host, path: request.path, target: typeof target === 'string' ? target : undefined });
  };
  const onLeanPost = (message: unknown) => {
    if (!recording) return;
    const { host, path, headers } = message as LeanPostMessage;
    const target = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
    calls.push({ kind: 'http', caller: currentInvocation()?.functionName, method: 'POST', host, path, target });
  };
  const onInvoke = (message: unknown) => {
    if (!recording) return;
    const { caller, functionName } = message as LambdaInvokeMessage;
    calls.push({ kind: 'lambda-invoke', caller, functionName });
  };
  subscribe('http.client.request.start', onRequest);
  lambdaInvokeChannel.subscribe(onInvoke);
  leanPostChannel.subscribe(onLeanPost);
  return {
    calls,
    watch,
    stop() {
      recording = false;
      unsubscribe('http.client.request.start', onRequest);
      lambdaInvokeChannel.unsubscribe(onInvoke);
      leanPostChannel.unsubscribe(onLeanPost);
    },
  };
}

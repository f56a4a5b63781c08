/**
 * A store gate (store-gate.ts) for functions that run in processes of their own (the template
 * runtime's): an HTTP proxy in front of an embedded dynalite that sees every DynamoDB request
 * the functions make, as the DynamoDB endpoint receives it, and can hold or fail it. Calls are
 * shown in the document client's shapes (plain values), so matchers written for the
 * in-process gate work unchanged.
 *
 * What differs from the in-process gate: a request is seen once per attempt (the functions'
 * SDK retries a 5xx or a throttle after the gate), and an interceptor cannot change the input.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import dynalite from 'dynalite';
import type { Interceptor, StoreCall, StoreGate } from './store-gate.js';
import { gateFromInterceptors } from './store-gate.js';
import { forward, readBody, reply, type Forwarded } from './http-forward.js';

export interface GatedDynamo {
  /** The proxy's endpoint: give it to the runtime as its DynamoDB endpoint. */
  readonly endpoint: string;
  readonly gate: StoreGate;
  stop(): Promise<void>;
}

type AttributeMap = Parameters<typeof unmarshall>[0];

/** The request's input in document-client shapes, for matchers. */
function documentInput(input: Record<string, unknown>): Record<string, unknown> {
  const plain = (map: unknown) => (map && typeof map === 'object' ? unmarshall(map as AttributeMap) : map);
  const shown: Record<string, unknown> = { ...input };
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey']) if (field in input) shown[field] = plain(input[field]);
  if (input.RequestItems && typeof input.RequestItems === 'object') {
    shown.RequestItems = Object.fromEntries(
      Object.entries(input.RequestItems as Record<string, unknown>).map(([table, items]) => {
        if (Array.isArray(items)) {
          // BatchWriteItem
          return [table, items.map((item: { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }) => ({
            ...(item.PutRequest ? { PutRequest: { Item: plain(item.PutRequest.Item) } } : {}),
            ...(item.DeleteRequest ? { DeleteRequest: { Key: plain(item.DeleteRequest.Key) } } : {}),
          }))];
        }
        // BatchGetItem
        const read = items as { Keys?: unknown[] };
        return [table, { ...read, Keys: (read.Keys ?? []).map(plain) }];
      }),
    );
  }
  return shown;
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

export async function startGatedDynamo(): Promise<GatedDynamo> {
  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const storePort = await listen(store);
  const interceptors: Interceptor[] = [];
  const gate = gateFromInterceptors(interceptors);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    const call: StoreCall = { name: `${operation}Command`, input: documentInput(input), ...(accessKeyId ? { accessKeyId } : {}) };
    let answer: Forwarded | undefined;
    const chain = [...interceptors];
    const run = async (index: number): Promise<{ output: Record<string, unknown> }> => {
      const interceptor = chain[index];
      if (interceptor) {
        return interceptor(call, (changed) => {
          if (changed !== undefined && changed !== call.input) throw new Error('the HTTP store gate cannot change a request');
          return run(index + 1);
        });
      }
      answer = await forward('127.0.0.1', storePort, request, body);
      return { output: answer.body.length > 0 ? (JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>) : {} };
    };
    try {
      await run(0);
      reply(response, answer as Forwarded);
    } catch (error) {
      // As DynamoDB answers an error: its type in `__type`, 5xx for the server's faults.
      const failure = error as Error & { $fault?: string };
      const status = failure.$fault === 'server' ? 500 : 400;
      response
        .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': failure.name })
        .end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${failure.name}`, message: failure.message }));
    }
  };
  const proxy = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
    });
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    gate,
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => store.close(() => resolve()));
    },
  };
}

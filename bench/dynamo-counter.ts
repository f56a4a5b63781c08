/**
 * DynamoDB requests and capacity units, counted by a proxy in front of dynalite: it adds
 * `ReturnConsumedCapacity: TOTAL` to every request that accepts it (dynalite computes the
 * units from item sizes as DynamoDB does) and adds up requests per operation and units.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DynamoCounters {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

export const emptyDynamoCounters = (): DynamoCounters => ({ requests: {}, readUnits: 0, writeUnits: 0 });

const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function units(consumed: unknown): number {
  if (Array.isArray(consumed)) return consumed.reduce((sum: number, entry) => sum + units(entry), 0);
  const value = (consumed as { CapacityUnits?: number } | undefined)?.CapacityUnits;
  return typeof value === 'number' ? value : 0;
}

export async function startCountingProxy(target: number, counters: () => DynamoCounters): Promise<{ server: Server; port: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((request, response) => {
    void (async () => {
      const op = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      let body = await readAll(request);
      if (READ_OPS.has(op) || WRITE_OPS.has(op)) {
        const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        body = Buffer.from(JSON.stringify(input));
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: target, method: request.method, path: request.url, agent, headers: { ...request.headers, 'content-length': String(body.length) } }, (reply) => {
        void readAll(reply).then((payload) => {
          const c = counters();
          c.requests[op] = (c.requests[op] ?? 0) + 1;
          if (reply.statusCode === 200 && (READ_OPS.has(op) || WRITE_OPS.has(op))) {
            const consumed = units((JSON.parse(payload.toString('utf8')) as { ConsumedCapacity?: unknown }).ConsumedCapacity);
            if (READ_OPS.has(op)) c.readUnits += consumed;
            else c.writeUnits += consumed;
          }
          response.writeHead(reply.statusCode ?? 500, reply.headers).end(payload);
        });
      });
      upstream.on('error', () => response.writeHead(502).end());
      upstream.end(body);
    })();
  });
  server.keepAliveTimeout = 60_000;
  return { server, port: await listen(server) };
}


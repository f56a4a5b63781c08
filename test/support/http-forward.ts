/**
 * The two halves of a test's HTTP proxy in front of a local service (a DynamoDB that the
 * functions of a runtime or a test's clients call): reading a whole message, and passing a
 * request on to the service and answering with what it said.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

export interface Forwarded {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Sends `request` (whose body was read already) to the service on `port` and resolves to its answer. */
export function forward(host: string, port: number, request: IncomingMessage, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host, port, method: request.method, path: request.url, headers: request.headers }, (response) => {
      readBody(response).then((answer) => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: answer }), reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

/** Answers the client with what the service said. */
export function reply(response: ServerResponse, forwarded: Forwarded): void {
  response.writeHead(forwarded.status, forwarded.headers).end(forwarded.body);
}

/**
 * The conventional transport, node:http / node:https over keep-alive agents: the reference
 * the lean pool is measured against in `npm run bench`. No Lambda imports it.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { TransportError, type PostTarget, type PostTransport } from '../../lambdas/adapters/management-api/post-transport.js';

export class NodeHttpTransport implements PostTransport {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  public constructor(options: { maxSockets?: number } = {}) {
    const maxSockets = options.maxSockets ?? 64;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  }

  public post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const request = (target.secure ? httpsRequest : httpRequest)(
        {
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: target.secure ? this.httpsAgent : this.httpAgent,
          signal,
        },
        (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          response.on('end', () => resolve(status));
          response.on('close', () => (response.complete ? resolve(status) : reject(new TransportError('response cut short', 'network'))));
          response.on('error', (error) => reject(new TransportError(error.message, 'network')));
          response.resume();
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        const kind = signal.aborted ? 'timeout' : request.reusedSocket && error.code === 'ECONNRESET' ? 'stale' : 'network';
        reject(new TransportError(error.message, kind));
      });
      request.end(body);
    });
  }

  public destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

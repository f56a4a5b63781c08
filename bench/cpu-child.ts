/**
 * Measures the CPU one delivery costs on the fan-out path, in a process of its own so
 * nothing else is counted: the real deliverToSubscribers (encoding, bounded concurrency)
 * over one sender kind, posting to an HTTP server (in the parent) that answers 200.
 *   tsx bench/cpu-child.ts <tuned|smithy-signer|signed-node-http|sdk-default|sdk-keepalive> <endpoint> <deliveries> <warmup>
 * Prints one JSON line: { mode, deliveries, cpu_us_per_delivery, wall_ms, outcomes }.
 */
import { Agent } from 'node:http';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { cachedCredentials } from '../lambdas/adapters/management-api/credentials.js';
import { SdkMessageSender } from '../lambdas/adapters/management-api/sdk-message-sender.js';
import { NodeHttpTransport } from './reference/node-http-transport.js';
import { smithySigner } from './reference/smithy-signer.js';
import { SignedHttpMessageSender } from '../lambdas/adapters/management-api/signed-http-sender.js';
import { DEFAULT_FANOUT } from '../lambdas/core/config.js';
import type { MessageSender, Subscriber } from '../lambdas/core/ports.js';
import { deliverToSubscribers } from '../lambdas/core/use-cases/deliver.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type SenderMode = 'tuned' | 'smithy-signer' | 'signed-node-http' | 'sdk-default' | 'sdk-keepalive';

const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret', sessionToken: 'bench-session-token' };
const REGION = 'us-east-1';

export function senderFor(mode: SenderMode): MessageSender {
  const { postTimeoutMs, maxAttempts, concurrency } = DEFAULT_FANOUT;
  switch (mode) {
    case 'tuned':
      return new SignedHttpMessageSender({ credentials: cachedCredentials(async () => CREDENTIALS), region: REGION, timeoutMs: postTimeoutMs, maxAttempts, maxSockets: concurrency });
    case 'smithy-signer':
      // The lean transport with the SDK's SigV4 signer, to show what the lean signer saves.
      return new SignedHttpMessageSender({ credentials: cachedCredentials(async () => CREDENTIALS), region: REGION, timeoutMs: postTimeoutMs, maxAttempts, maxSockets: concurrency, signer: smithySigner });
    case 'signed-node-http':
      // The SDK's signer over node:http with a keep-alive agent: the conventional hand-rolled path.
      return new SignedHttpMessageSender({ credentials: cachedCredentials(async () => CREDENTIALS), region: REGION, timeoutMs: postTimeoutMs, maxAttempts, signer: smithySigner, transport: new NodeHttpTransport({ maxSockets: concurrency }) });
    case 'sdk-default':
      // What most code does: a client per endpoint with every default.
      return new SdkMessageSender((endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: REGION, credentials: CREDENTIALS }), postTimeoutMs);
    case 'sdk-keepalive': {
      // The SDK client with a tuned keep-alive handler, as the composition had it before.
      const requestHandler = new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }), connectionTimeout: 1000 });
      return new SdkMessageSender((endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: REGION, credentials: CREDENTIALS, requestHandler }), postTimeoutMs);
    }
  }
}

function subscribers(endpoint: string, count: number): Subscriber[] {
  // API Gateway connection ids are 16 characters of base64, `=` included.
  return Array.from({ length: count }, (_, i) => ({ connectionId: `Bench${String(i).padStart(10, '0')}=`, endpoint, format: 'native' as const, joinRef: null }));
}

async function main(): Promise<void> {
  const [mode, endpoint, deliveriesArg, warmupArg] = process.argv.slice(2) as [SenderMode, string, string, string];
  const sender = senderFor(mode);
  const message = { topic: 'bench:cpu', event: 'shout', payload: { body: 'x'.repeat(100) }, ref: null, joinRef: null };
  await deliverToSubscribers(sender, DEFAULT_FANOUT, subscribers(endpoint, Number(warmupArg)), message);
  const list = subscribers(endpoint, Number(deliveriesArg));
  const start = process.cpuUsage();
  const t0 = performance.now();
  const report = await deliverToSubscribers(sender, DEFAULT_FANOUT, list, message);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(start);
  process.stdout.write(
    `${JSON.stringify({ mode, deliveries: list.length, cpu_us_per_delivery: (cpu.user + cpu.system) / list.length, wall_ms: wall, outcomes: { delivered: report.delivered, failed: report.failed, gone: report.gone.length } })}\n`,
  );
  process.exit(0);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) await main();

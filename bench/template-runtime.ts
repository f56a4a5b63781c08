/**
 * The benches' gateway: this repository's app run from its synthesized template, started as
 * `npm start` starts it (cli/npm-start.ts's options, cli/local-command.ts's startLocal): each
 * function in execution environments of its own (child processes), IAM enforced. Differs
 * from `npm start` only where a bench must: port 0, no code watching, the bench's settings
 * as the `config` context (TOPICAST_CONFIG's way in), a DynamoDB of the bench's choosing
 * (the counting proxy), and the runtime's own options a bench needs (a compressed clock).
 */
import { startLocal } from '../cli/local-command.js';
import { NPM_START_MOUNTS, npmStartOptions } from '../cli/npm-start.js';
import type { TopicastConfigInput } from '../lambdas/core/config.js';
import type { LocalRuntime, LocalRuntimeOptions } from '../local-runtime/runtime.js';

export interface BenchRuntimeOptions {
  /** The settings `npm start` would read from TOPICAST_CONFIG. */
  readonly config?: TopicastConfigInput;
  /** DynamoDB to use (DYNAMODB_ENDPOINT); an embedded one when omitted. */
  readonly dynamoEndpoint?: string;
  /** Per-request lines and the functions' output go to `write`. @default true */
  readonly quiet?: boolean;
  /** @default nothing is written */
  readonly write?: (line: string) => void;
  /** More of `npm start`'s environment (the Pusher app's settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** The runtime's own options a bench needs: invocations counted, a compressed clock. */
  readonly runtime?: Pick<LocalRuntimeOptions, 'onInvocation' | 'idleTimeoutMs' | 'maxConnectionMs'>;
}

export async function startBenchRuntime(options: BenchRuntimeOptions = {}): Promise<LocalRuntime> {
  const env = { ...options.env, ...(options.config ? { TOPICAST_CONFIG: JSON.stringify(options.config) } : {}) };
  const npmStart = npmStartOptions({ port: '0', quiet: options.quiet ?? true }, env);
  // A kept assembly (the app's files and context unchanged) starts in a second; the first run synthesizes.
  return startLocal(
    { ...npmStart, watch: false, cache: true },
    { ...(options.dynamoEndpoint ? { DYNAMODB_ENDPOINT: options.dynamoEndpoint } : {}) },
    options.write ?? (() => undefined),
    // No TTL sweep during a run: its Scans would be counted as the bench's DynamoDB requests.
    { mounts: NPM_START_MOUNTS, ttlSweepIntervalMs: 3_600_000, ...options.runtime },
  );
}

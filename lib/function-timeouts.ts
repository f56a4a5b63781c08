/**
 * Default timeouts of the deployed functions, as plain seconds with no CDK import, so the
 * construct (realtime-api-defaults.ts turns them into Durations) and the local gateway
 * (which enforces them per invocation) read one source and cannot drift.
 */
export const DEFAULT_TIMEOUT_SECONDS = {
  /**
   * Every route function ($connect, $disconnect, join, leave, push, ping, $default).
   * Message routes answer the client synchronously, and API Gateway gives up on a
   * WebSocket integration after 29 s. 10 s covers an inline fan-out up to
   * `fanout.workerThreshold` subscribers (250 at 64 posts in flight, at 256 MB) with retries;
   * larger fan-outs are handed to the worker.
   */
  route: 10,
  /** The worker posts up to `fanout.workerBatchSize` messages with retries on 429. */
  fanoutWorker: 60,
  /** A presence stream batch: per topic one diff, each a fan-out like a broadcast's. */
  presence: 60,
} as const;

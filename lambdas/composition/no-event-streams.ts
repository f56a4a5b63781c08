/**
 * Stands in for `@smithy/core/event-streams` inside the Lambda bundles (an esbuild alias:
 * BUNDLE_ALIASES in lib/realtime-api-defaults.ts). The SDK loads event-stream support with
 * a lazy `import()` only for operations that stream events; no DynamoDB, Management API or
 * Secrets Manager call topicast makes does, yet esbuild inlines the lazy import (14 KB).
 * Were an event-stream operation ever called, it fails with this error instead of loading it.
 */
function unavailable(): never {
  throw new Error('event streams are not bundled into topicast functions (lambdas/composition/no-event-streams.ts)');
}

export class EventStreamSerde {
  public constructor() {
    unavailable();
  }
}

export const eventStreamSerdeProvider = (): never => unavailable();

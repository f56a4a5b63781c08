/**
 * API Gateway WebSocket quotas that shape the protocol (none can be raised):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 */
export const API_GATEWAY_LIMITS = {
  /** A client frame over this closes the connection with 1009. */
  frameBytes: 32 * 1024,
  /** A message (fragmented over several frames) or a Management API post over this is refused. */
  messageBytes: 128 * 1024,
  /** API Gateway closes every connection after 2 hours. */
  maxConnectionSeconds: 2 * 60 * 60,
  /** ... and a connection with no message in either direction for 10 minutes. */
  idleSeconds: 10 * 60,
  /** API Gateway gives up on an integration (the route's Lambda) after 29 seconds. */
  integrationTimeoutSeconds: 29,
} as const;

/**
 * Bytes reserved for everything around a push's payload in one frame: the longest topic
 * (255 characters), event (64) and refs (255 each, escaped) of either wire format come to
 * about 4,000 bytes of JSON (test/unit/protocol/frame-budget.test.ts measures it).
 */
export const ENVELOPE_RESERVE_BYTES = 4096;

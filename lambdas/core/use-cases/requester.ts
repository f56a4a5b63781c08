/** The connection a frame came from, as the gateway reports it. */
export interface Requester {
  readonly connectionId: string;
  /** Management API endpoint that reaches this connection. */
  readonly endpoint: string;
  /** Epoch milliseconds at which this invocation ends (Lambda's remaining time), when known. */
  readonly deadlineMs?: number;
}

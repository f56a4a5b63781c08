/**
 * What topicast counts, as a port: the use cases record, an adapter decides where it goes
 * (CloudWatch EMF through Powertools in Lambda, the live dashboard locally). Names and units
 * are defined once here so the runtime, the construct's `metricX()` methods and the local
 * dashboard cannot disagree.
 *
 * Dimensions stay bounded: a topic pattern from the configuration (never the topic, which
 * clients choose) and a stable reason code.
 */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Bytes';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly description: string;
  /** Recorded per topic pattern as well as in total. */
  readonly byTopicPattern?: true;
  /** Recorded per reason as well as in total. */
  readonly byReason?: true;
}

export const METRICS = {
  connectionsOpened: { name: 'ConnectionsOpened', unit: 'Count', description: 'Connections accepted by $connect' },
  connectionsClosed: { name: 'ConnectionsClosed', unit: 'Count', description: 'Connections cleaned up by $disconnect' },
  joins: { name: 'Joins', unit: 'Count', description: 'Successful topic joins', byTopicPattern: true },
  leaves: { name: 'Leaves', unit: 'Count', description: 'Successful topic leaves', byTopicPattern: true },
  refusals: { name: 'Refusals', unit: 'Count', description: 'Requests answered with an error reason (connects refused, frames refused)', byReason: true },
  pushes: { name: 'Pushes', unit: 'Count', description: 'Client events broadcast to a topic', byTopicPattern: true },
  deliveries: { name: 'Deliveries', unit: 'Count', description: 'Messages posted to a connection (2xx from the Management API)', byTopicPattern: true },
  failedDeliveries: { name: 'FailedDeliveries', unit: 'Count', description: 'Posts refused for good or lost after they were written (logged, never resent)', byTopicPattern: true },
  droppedDeliveries: { name: 'DroppedDeliveries', unit: 'Count', description: 'Deliveries neither made nor handed to a worker (a refused worker invoke, a deadline without workers)', byTopicPattern: true },
  goneConnections: { name: 'GoneConnections', unit: 'Count', description: 'Posts answered 410: the socket was already closed', byTopicPattern: true },
  connectionsReaped: { name: 'ConnectionsReaped', unit: 'Count', description: 'Stale connections removed after a 410' },
  retriedPosts: { name: 'RetriedPosts', unit: 'Count', description: 'Post attempts after the first (429 throttling, transient 5xx, refused connections)', byTopicPattern: true },
  fanoutDuration: { name: 'FanoutDuration', unit: 'Milliseconds', description: 'Time to deliver one broadcast inline (or one worker batch)', byTopicPattern: true },
  presenceFrameBytes: { name: 'PresenceFrameBytes', unit: 'Bytes', description: 'Size of presence_state and presence_diff frames', byTopicPattern: true },
  workerBatches: { name: 'WorkerBatches', unit: 'Count', description: 'Fan-out batches handed to the fan-out worker', byTopicPattern: true },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

export interface MetricDimensions {
  /** A configured topic pattern, or `*` (see `topicPatternOf`). */
  readonly topicPattern?: string;
  /** A stable reason code (REASONS, or `connect_unauthorized` / `connect_forbidden`). */
  readonly reason?: string;
}

export interface Metrics {
  /** Adds `value` to a metric (counts add up; durations and sizes are kept as samples). */
  record(metric: MetricKey, value: number, dimensions?: MetricDimensions): void;
}

export const noMetrics: Metrics = { record: () => undefined };

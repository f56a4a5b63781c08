/**
 * Where topicast's metrics land in CloudWatch. Shared by the runtime (which writes them) and
 * the construct (whose `metricX()` methods, dashboard and alarms read them), so they agree.
 */
export const METRICS_NAMESPACE = 'Topicast';
/** Powertools' `service` dimension and log field. */
export const SERVICE_NAME = 'topicast';
/** The default dimension that keeps two APIs in one account apart. */
export const API_ID_DIMENSION = 'ApiId';
/** Environment variable holding the WebSocket API id, set by the construct. */
export const API_ID_VARIABLE = 'TOPICAST_API_ID';
/** Dimension names of the per-pattern and per-reason sets. */
export const DIMENSION_NAMES = { topicPattern: 'TopicPattern', reason: 'Reason' } as const;

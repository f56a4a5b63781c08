/**
 * What the local pages show, kept in memory by the gateway: its metrics (LiveMetrics), its
 * topics (TopicView, fed by its own store writes), the last lines of its request log and
 * the lifecycle events its event bus received.
 */
import type { ConnectionPool } from '../connection-pool.js';
import type { LocalBusEvent, LocalEventBus } from '../event-bus.js';
import type { LogEntry } from '../request-log.js';
import { LiveMetrics, type LiveMetricsSnapshot } from './live-metrics.js';
import { TopicView, type TopicState } from './topic-view.js';

/** `GET /_topicast/api/state`, as DESIGN.md fixes it. */
export interface GatewayState {
  readonly connections: number;
  readonly topics: readonly TopicState[];
}

export interface GatewayActivity extends LiveMetricsSnapshot {
  readonly errors: readonly LogEntry[];
  /** Newest first. */
  readonly log: readonly LogEntry[];
  /** Lifecycle events the gateway's event bus received, newest first (config `lifecycleEvents`). */
  readonly events: readonly LocalBusEvent[];
}

const MAX_LOG = 200;
const MAX_ERRORS = 50;

export class LiveConsole {
  public readonly metrics = new LiveMetrics();
  public readonly topics = new TopicView();
  private readonly log: LogEntry[] = [];
  private readonly errors: LogEntry[] = [];

  public constructor(
    private readonly pool: ConnectionPool,
    private readonly eventBus: LocalEventBus,
  ) {}

  public readonly onLogEntry = (entry: LogEntry): void => {
    const list = entry.level === 'route' ? this.log : this.errors;
    list.unshift(entry);
    list.length = Math.min(list.length, entry.level === 'route' ? MAX_LOG : MAX_ERRORS);
  };

  public state(): GatewayState {
    return { connections: this.pool.size, topics: this.topics.list() };
  }

  public activity(): GatewayActivity {
    return { ...this.metrics.snapshot(), errors: [...this.errors], log: [...this.log], events: this.eventBus.events() };
  }
}

/**
 * What the local pages show, kept in memory by the gateway: its metrics (LiveMetrics), its
 * topics (TopicView, fed by its own store writes), the last lines of its request log and
 * the lifecycle events its event bus received.
 */
import type { ConnectionPool } from '../connection-pool.js';
import type { LocalBusEvent, LocalEventBus } from '../event-bus.js';
import type { LogEntry } from '../request-log.js';
import { LiveMetrics, type LiveMetricsSnapshot } from './live-metrics.js';
import { LiveSeries, type Series } from './live-series.js';
import type { GatewayCount, TableStateReader } from './table-state.js';
import { TopicView, type TopicState } from './topic-view.js';

/**
 * `GET /_topicast/api/state`: `connections` and `topics` as DESIGN.md fixes them. A gateway
 * that shares its DynamoDB counts the whole table (`scope: "table"`, with `gateways`); one
 * with its own embedded DynamoDB counts its own sockets and writes (`scope: "gateway"`).
 */
export type GatewayState =
  | { readonly connections: number; readonly topics: readonly TopicState[]; readonly scope: 'gateway' }
  | { readonly connections: number; readonly topics: readonly TopicState[]; readonly scope: 'table'; readonly gateways: readonly GatewayCount[]; readonly truncated: boolean };

export interface GatewayActivity extends LiveMetricsSnapshot {
  readonly errors: readonly LogEntry[];
  /** Newest first. */
  readonly log: readonly LogEntry[];
  /** Lifecycle events the gateway's event bus received, newest first (config `lifecycleEvents`). */
  readonly events: readonly LocalBusEvent[];
  /** Deliveries per second and this gateway's open connections, over the last minutes. */
  readonly series: Series;
}

const MAX_LOG = 200;
const MAX_ERRORS = 50;

export class LiveConsole {
  public readonly series = new LiveSeries();
  public readonly metrics = new LiveMetrics(Date.now, (count) => this.series.delivered(count));
  public readonly topics = new TopicView();
  private readonly log: LogEntry[] = [];
  private readonly errors: LogEntry[] = [];

  private tableState: TableStateReader | undefined;

  private pool: ConnectionPool | undefined;

  public constructor(private readonly eventBus: LocalEventBus) {}

  /** The pool whose size `state()` reports and the connections chart follows. */
  public watch(pool: ConnectionPool): void {
    this.pool = pool;
    pool.onSizeChange((size) => this.series.connectionsChanged(size));
    this.series.connectionsChanged(pool.size);
  }

  /** From now on the state is the shared table's. */
  public readFromTable(reader: TableStateReader): void {
    this.tableState = reader;
  }

  public readonly onLogEntry = (entry: LogEntry): void => {
    const list = entry.level === 'route' ? this.log : this.errors;
    list.unshift(entry);
    list.length = Math.min(list.length, entry.level === 'route' ? MAX_LOG : MAX_ERRORS);
  };

  public async state(): Promise<GatewayState> {
    if (this.tableState) return { ...(await this.tableState.read()), scope: 'table' };
    return { connections: this.pool?.size ?? 0, topics: this.topics.list(), scope: 'gateway' };
  }

  public activity(): GatewayActivity {
    return { ...this.metrics.snapshot(), errors: [...this.errors], log: [...this.log], events: this.eventBus.events(), series: this.series.snapshot() };
  }
}

/**
 * The dashboard's view of a DynamoDB table that several gateways share (DYNAMODB_ENDPOINT,
 * e.g. `topicast dynamodb`): every connection and subscription in the table, whichever
 * gateway owns its socket. A gateway's own writes (topic-view.ts) cannot show the others'.
 *
 * There is no index to list connections, so this is a Scan, paginated and projected on
 * the few attributes counted. It serves the dashboard only, never a route: at most one
 * Scan per second however many pages poll (the answer is cached), and it stops after
 * MAX_ITEMS items (then `truncated`) so a dashboard pointed at a large table stays cheap.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TopicState } from './topic-view.js';

export interface GatewayCount {
  /** The Management API endpoint the gateway records with its connections. */
  readonly endpoint: string;
  readonly connections: number;
  /** Whether it is the gateway answering. */
  readonly self: boolean;
}

export interface TableState {
  readonly connections: number;
  readonly topics: readonly TopicState[];
  /** Open connections per gateway sharing the table, this one first. */
  readonly gateways: readonly GatewayCount[];
  /** The Scan stopped at MAX_ITEMS: the counts are a lower bound. */
  readonly truncated: boolean;
}

const MAX_ITEMS = 20_000;
const CACHE_MS = 1000;

export class TableStateReader {
  private cached: { readonly at: number; readonly state: Promise<TableState> } | undefined;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly selfEndpoint: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  public read(): Promise<TableState> {
    const at = this.now();
    if (this.cached && at - this.cached.at < CACHE_MS) return this.cached.state;
    const state = this.scan(Math.floor(at / 1000));
    this.cached = { at, state };
    // A failed Scan is not cached: the next poll tries again.
    state.catch(() => {
      if (this.cached?.state === state) this.cached = undefined;
    });
    return state;
  }

  private async scan(nowSeconds: number): Promise<TableState> {
    const connections = new Map<string, string>();
    const topics = new Map<string, { subscribers: Set<string>; presence: Set<string> }>();
    let seen = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'pk, sk, endpoint, presenceKey, expiresAt',
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) {
        seen += 1;
        // dynalite has no TTL: an expired item not swept yet is gone already for DynamoDB.
        if (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds) continue;
        const pk = String(item.pk);
        if (pk.startsWith('c#') && item.sk === 'c') connections.set(pk.slice(2), String(item.endpoint ?? ''));
        const topic = /^t#(.*)#\d+$/.exec(pk)?.[1];
        if (topic !== undefined) {
          const members = topics.get(topic) ?? { subscribers: new Set<string>(), presence: new Set<string>() };
          members.subscribers.add(String(item.sk));
          if (typeof item.presenceKey === 'string') members.presence.add(item.presenceKey);
          topics.set(topic, members);
        }
      }
    } while (startKey && seen < MAX_ITEMS);
    const self = this.selfEndpoint();
    const perGateway = new Map<string, number>([[self, 0]]);
    for (const endpoint of connections.values()) perGateway.set(endpoint, (perGateway.get(endpoint) ?? 0) + 1);
    return {
      connections: connections.size,
      topics: [...topics]
        .map(([topic, members]) => ({ topic, subscribers: members.subscribers.size, presence: members.presence.size }))
        .sort((a, b) => b.subscribers - a.subscribers || a.topic.localeCompare(b.topic)),
      gateways: [...perGateway].map(([endpoint, count]) => ({ endpoint, connections: count, self: endpoint === self })).sort((a, b) => Number(b.self) - Number(a.self) || a.endpoint.localeCompare(b.endpoint)),
      truncated: startKey !== undefined,
    };
  }
}

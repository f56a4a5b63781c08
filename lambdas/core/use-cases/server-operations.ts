/**
 * What a backend may do to topicast: publish, read presence and occupancy, close
 * connections. One implementation behind the SDK (`topicast/server`), the HTTP publish
 * route and the CLI, so they validate and behave alike. Every argument is checked before
 * anything is sent: a refused batch delivers nothing.
 */
import { occupancyOf } from '../presence-cap.js';
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { stateOf, type PresenceState } from '../presence.js';
import { PUBLISH_REASONS } from '../protocol/constants.js';
import { validateBroadcast, validateBroadcasts } from '../publish-request.js';
import type { ChannelIndex, RealtimeStore, SubscriptionRecord } from '../ports.js';
import type { ConnectionCloser, UserConnectionIndex } from '../server-ports.js';
import { shardCountFor } from '../topic-settings.js';
import { assertValidTopic } from '../topics.js';
import type { Broadcaster } from './broadcaster.js';
import { listOccupiedChannels, type ListedChannel } from './list-channels.js';
import { presenceEntryOf } from './join-topic.js';
import { publish, publishAll, type Broadcast, type PublishResult } from './publish.js';
import type { HistoryRead, TopicHistory } from './topic-history.js';

export interface ServerOperationDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly closer: ConnectionCloser;
  readonly users: UserConnectionIndex;
  readonly history: TopicHistory;
  /** The index of occupied channels joins keep when the Pusher protocol is on (list-channels.ts). */
  readonly channelIndex?: ChannelIndex | undefined;
}

export interface HistoryOptions {
  /** Only messages with a greater seq. @default 0 (every retained message) */
  readonly since?: number;
  /** At most this many, oldest first. @default the topic's maxMessages */
  readonly limit?: number;
}

export interface DeliveryOptions {
  /**
   * When the caller's invocation ends (epoch ms), e.g. `Date.now() + context.getRemainingTimeInMillis()`:
   * what cannot be posted in time is handed to the fan-out workers instead of being cut off.
   */
  readonly deadlineMs?: number;
}

export interface DisconnectResult {
  /** Connections asked to close; API Gateway then runs `$disconnect` for each. */
  readonly closed: number;
  /** Connections that were already gone; their items have been removed. */
  readonly gone: number;
}

export interface Occupancy {
  readonly topic: string;
  /** Connections joined to the topic. */
  readonly subscribers: number;
  /** Distinct presence keys (users, or connections without a token). */
  readonly presence: number;
}

// API Gateway connection ids are short base64 strings; anything with a slash would change the Management API path.
const MAX_ID_LENGTH = 128;
const MAX_SUB_LENGTH = 255;

export class ServerOperations {
  public constructor(private readonly deps: ServerOperationDependencies) {}

  /** Sends `event` with `payload` to every subscriber of `topic`. */
  public async publish(topic: string, event: string, payload: unknown = {}, options: DeliveryOptions = {}): Promise<PublishResult> {
    return publish(this.deps, validateBroadcast({ topic, event, payload }), options);
  }

  /** Up to 25 messages, all validated before any is sent; results in the order given. */
  public async publishBatch(messages: readonly unknown[], options: DeliveryOptions = {}): Promise<PublishResult[]> {
    if (!Array.isArray(messages)) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'messages must be an array');
    return publishAll(this.deps, validateBroadcasts(messages), options);
  }

  /**
   * Broadcasts already checked by their caller (the Pusher HTTP API, whose rules are
   * Pusher's: longer event names, 100 channels), leaving out `excludeConnectionId`.
   */
  public async publishChecked(broadcasts: readonly Broadcast[], options: DeliveryOptions & { readonly excludeConnectionId?: string | null } = {}): Promise<PublishResult[]> {
    return publishAll(this.deps, broadcasts, options);
  }

  /** Closes one connection (API Gateway runs its `$disconnect`, which announces its leaves). */
  public async disconnect(connectionId: string): Promise<DisconnectResult> {
    assertIdentifier(connectionId, 'connectionId', MAX_ID_LENGTH);
    if (connectionId.includes('/')) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'connectionId must not contain "/"');
    const { connection } = await this.deps.store.getConnectionState(connectionId);
    if (!connection) return { closed: 0, gone: 1 };
    const outcome = await this.deps.closer.close(connection.endpoint, connectionId);
    if (outcome === 'closed') return { closed: 1, gone: 0 };
    await this.deps.broadcaster.reap([connectionId]);
    return { closed: 0, gone: 1 };
  }

  /** Closes every connection opened with a token whose `sub` is `sub`. */
  public async disconnectUser(sub: string): Promise<DisconnectResult> {
    assertIdentifier(sub, 'sub', MAX_SUB_LENGTH);
    const connections = await this.deps.users.list(sub);
    const outcomes = await Promise.all(connections.map(({ endpoint, connectionId }) => this.deps.closer.close(endpoint, connectionId)));
    const gone = connections.filter((_, index) => outcomes[index] === 'gone').map(({ connectionId }) => connectionId);
    if (gone.length > 0) {
      // Reaping removes each connection with its lookup item; a lookup item that outlived
      // its connection item is removed directly.
      await this.deps.broadcaster.reap(gone);
      await this.deps.users.remove(sub, gone);
    }
    return { closed: connections.length - gone.length, gone: gone.length };
  }

  /** The topic's presence, in Phoenix's `presence_state` shape. */
  public async presence(topic: string): Promise<PresenceState> {
    assertValidTopic(topic);
    return stateOf((await this.subscriptions(topic)).flatMap(presenceEntryOf));
  }

  public async occupancy(topic: string): Promise<Occupancy> {
    assertValidTopic(topic);
    return { topic, ...occupancyOf(await this.subscriptions(topic)) };
  }

  /**
   * The topic's retained messages after `since`, oldest first, with the topic's current
   * seq and whether retention dropped some after `since`. Page forward with `since` set
   * to the last seq returned.
   */
  public async history(topic: string, options: HistoryOptions = {}): Promise<HistoryRead> {
    assertValidTopic(topic);
    const { since, limit } = options;
    if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
      throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'since must be an integer of at least 0');
    }
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)) {
      throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'limit must be an integer of at least 1');
    }
    const read = await this.deps.history.read(topic, { ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit } : {}) });
    if (read === null) throw new ProtocolError(PUBLISH_REASONS.historyOff, `${topic} keeps no history: add a matching pattern to the config's "history"`);
    return read;
  }

  /**
   * The occupied channels whose names start with `prefix` (Pusher's `GET /channels`), with
   * their distinct presence users when `withUserCount`; null when no channel index is kept.
   */
  public async occupiedChannels(prefix: string, withUserCount: boolean): Promise<Map<string, ListedChannel> | null> {
    const index = this.deps.channelIndex;
    if (!index) return null;
    return listOccupiedChannels({ index, shardsOf: (topic) => shardCountFor(topic, this.deps.config), occupancy: (topic) => this.occupancy(topic) }, prefix, withUserCount);
  }

  /** The connections joined to `topic` under the presence key `key` (a Pusher presence channel's user id). */
  public async connectionsOfMember(topic: string, key: string): Promise<string[]> {
    assertValidTopic(topic);
    return (await this.subscriptions(topic)).filter((subscription) => subscription.presenceKey === key).map(({ connectionId }) => connectionId);
  }

  private async subscriptions(topic: string): Promise<SubscriptionRecord[]> {
    const found: SubscriptionRecord[] = [];
    for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'presence')) found.push(...page);
    return found;
  }
}

function assertIdentifier(value: unknown, name: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new ProtocolError(PUBLISH_REASONS.invalidRequest, `${name} must be a string of 1 to ${maxLength} characters`);
  }
}

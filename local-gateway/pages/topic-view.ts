/**
 * An in-memory view of this gateway's topics, fed by its own store writes: a decorator on
 * the RealtimeStore records each subscription put and each one removed (leave, disconnect,
 * reaping). The dashboard reads it instead of the table, so a refresh costs no
 * DynamoDB request at all (and never a Scan).
 *
 * Several gateways sharing one DynamoDB each see the subscriptions their own handlers wrote.
 */
import type { RealtimeStore, SubscriptionRecord } from '../../lambdas/core/ports.js';

export interface TopicState {
  readonly topic: string;
  /** Connections joined. */
  readonly subscribers: number;
  /** Distinct presence keys. */
  readonly presence: number;
}

export class TopicView {
  /** topic -> connection id -> presence key (null when presence is off). */
  private readonly topics = new Map<string, Map<string, string | null>>();

  public added(subscription: SubscriptionRecord): void {
    const members = this.topics.get(subscription.topic) ?? new Map<string, string | null>();
    members.set(subscription.connectionId, subscription.presenceKey);
    this.topics.set(subscription.topic, members);
  }

  public removed(subscriptions: readonly Pick<SubscriptionRecord, 'topic' | 'connectionId'>[]): void {
    for (const { topic, connectionId } of subscriptions) {
      const members = this.topics.get(topic);
      if (!members) continue;
      members.delete(connectionId);
      if (members.size === 0) this.topics.delete(topic);
    }
  }

  /** Topics by subscriber count, largest first. */
  public list(): TopicState[] {
    return [...this.topics]
      .map(([topic, members]) => ({
        topic,
        subscribers: members.size,
        presence: new Set([...members.values()].filter((key) => key !== null)).size,
      }))
      .sort((a, b) => b.subscribers - a.subscribers || a.topic.localeCompare(b.topic));
  }
}

/**
 * The store, with its subscription writes reported to `view`. Every other method (and any
 * added later) is the store's own, called on the store itself.
 */
export function observedStore(store: RealtimeStore, view: TopicView): RealtimeStore {
  const overrides: Partial<RealtimeStore> = {
    async putSubscription(subscription, shards, version) {
      const write = await store.putSubscription(subscription, shards, version);
      // `replaced` is this connection's earlier join of the topic: `added` overwrites it.
      if (write.written) view.added(subscription);
      return write;
    },
    async deleteSubscription(connectionId, topic, shards, bound) {
      const removed = await store.deleteSubscription(connectionId, topic, shards, bound);
      if (removed) view.removed([removed.subscription]);
      return removed;
    },
    async removeConnections(targets, shardsOf, oneByOne, hold) {
      const report = await store.removeConnections(targets, shardsOf, oneByOne, hold);
      // A held presence's connection is gone too (its row waits for the member's reconnect).
      view.removed([...report.removed, ...(report.held ?? [])]);
      return report;
    },
  };
  return new Proxy(store, {
    get(target, property) {
      const override = overrides[property as keyof RealtimeStore];
      if (override) return override;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * `topicast/server`: publish to topics, read presence and close connections from your
 * own backend (a Lambda, a container, a script), with the same delivery as client pushes:
 * each subscriber in its own wire format, big topics through the fan-out workers, gone
 * connections reaped.
 *
 *   import { publish } from 'topicast/server';
 *   await publish('user:alice', 'order_shipped', { orderId: 42 });
 *
 * Settings come from the environment `RealtimeApi.grantPublish(fn)` hands to a Lambda
 * (TOPICAST_TABLE_NAME, TOPICAST_CONFIG, TOPICAST_FANOUT_FUNCTION; AWS_REGION), or from
 * `new TopicastServer({ tableName, region, ... })`. Refusals throw `ProtocolError` with the
 * stable `reason` the HTTP route answers (`invalid_topic`, `payload_too_large`, ...).
 */
import { serverOperations, serverSettingsFromEnvironment, type ServerSettings } from '../lambdas/composition/environment/server.js';
import type { ServerOperations } from '../lambdas/core/use-cases/server-operations.js';

export { ProtocolError } from '../lambdas/core/errors.js';
export { MAX_BROADCAST_BYTES, MAX_PUBLISH_BATCH } from '../lambdas/core/publish-request.js';
export { PUBLISH_ENV, type ServerSettings } from '../lambdas/composition/environment/server.js';
export type { Broadcast, PublishResult } from '../lambdas/core/use-cases/publish.js';
export type { DeliveryOptions, DisconnectResult, HistoryOptions, Occupancy } from '../lambdas/core/use-cases/server-operations.js';
export type { HistoryRead } from '../lambdas/core/use-cases/topic-history.js';
export type { HistoryEntry } from '../lambdas/core/ports.js';
export type { PresenceState, PresenceMeta } from '../lambdas/core/presence.js';

import type { Broadcast, PublishResult } from '../lambdas/core/use-cases/publish.js';
import type { DeliveryOptions, DisconnectResult, HistoryOptions, Occupancy } from '../lambdas/core/use-cases/server-operations.js';
import type { HistoryRead } from '../lambdas/core/use-cases/topic-history.js';
import type { PresenceState } from '../lambdas/core/presence.js';

/** A publisher bound to one deployment. Create one per process and reuse it (it keeps its connections). */
export class TopicastServer {
  private readonly operations: ServerOperations;

  /** @param settings explicit settings; by default read from the environment `grantPublish` sets */
  public constructor(settings: ServerSettings = serverSettingsFromEnvironment()) {
    this.operations = serverOperations(settings);
  }

  /** Sends `event` with `payload` to every subscriber of `topic` (`user:<sub>` reaches every tab of that user). */
  public publish(topic: string, event: string, payload: unknown = {}, options: DeliveryOptions = {}): Promise<PublishResult> {
    return this.operations.publish(topic, event, payload, options);
  }

  /** Up to 25 messages, all validated before any is sent; one topic's messages arrive in order. */
  public publishBatch(messages: readonly Broadcast[], options: DeliveryOptions = {}): Promise<PublishResult[]> {
    return this.operations.publishBatch(messages, options);
  }

  /** Closes one connection; its `$disconnect` then announces the presence leaves. */
  public disconnect(connectionId: string): Promise<DisconnectResult> {
    return this.operations.disconnect(connectionId);
  }

  /** Closes every connection opened with a token whose `sub` is `sub`. */
  public disconnectUser(sub: string): Promise<DisconnectResult> {
    return this.operations.disconnectUser(sub);
  }

  /** The topic's presence in Phoenix's `presence_state` shape. */
  public presence(topic: string): Promise<PresenceState> {
    return this.operations.presence(topic);
  }

  /** How many connections and presence keys the topic has. */
  public occupancy(topic: string): Promise<Occupancy> {
    return this.operations.occupancy(topic);
  }

  /** The topic's retained messages after `since` (oldest first, at most `limit`); the topic needs a `history` pattern. */
  public history(topic: string, options: HistoryOptions = {}): Promise<HistoryRead> {
    return this.operations.history(topic, options);
  }
}

let shared: TopicastServer | undefined;
/** The process-wide publisher configured from the environment, built on first use. */
function server(): TopicastServer {
  return (shared ??= new TopicastServer());
}

export const publish = (topic: string, event: string, payload: unknown = {}, options: DeliveryOptions = {}): Promise<PublishResult> =>
  server().publish(topic, event, payload, options);
export const publishBatch = (messages: readonly Broadcast[], options: DeliveryOptions = {}): Promise<PublishResult[]> => server().publishBatch(messages, options);
export const disconnect = (connectionId: string): Promise<DisconnectResult> => server().disconnect(connectionId);
export const disconnectUser = (sub: string): Promise<DisconnectResult> => server().disconnectUser(sub);
export const presence = (topic: string): Promise<PresenceState> => server().presence(topic);
export const occupancy = (topic: string): Promise<Occupancy> => server().occupancy(topic);
export const history = (topic: string, options: HistoryOptions = {}): Promise<HistoryRead> => server().history(topic, options);

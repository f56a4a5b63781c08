/**
 * What the handlers are built from. The Lambda composition (environment.ts) and the local
 * gateway each produce these; handlers never read process.env themselves.
 */
import { ChannelRuntime } from '../core/channels/channel-runtime.js';
import type { ChannelKv } from '../core/channels/definition.js';
import { ChannelRegistry, type InstalledChannel } from '../core/channels/registry.js';
import type { TopicastConfig } from '../core/config.js';
import type { Metrics } from '../core/metrics.js';
import type { ChannelIndex, Clock, MemberClaims, FanoutDispatcher, GraceTimer, HistoryStore, IdGenerator, Logger, MessageSender, RealtimeStore, TokenVerifier } from '../core/ports.js';
import type { ConnectionGreeter } from '../core/pusher/greeting.js';
import type { PusherAppSource } from '../core/pusher/prepare-command.js';
import { Broadcaster } from '../core/use-cases/broadcaster.js';
import { publish } from '../core/use-cases/publish.js';
import { PushRateLimiter } from '../core/use-cases/push-rate-limiter.js';
import { TopicHistory } from '../core/use-cases/topic-history.js';
import type { GatewayRequestContext } from '../handlers/api-gateway-event.js';

export interface BaseDependencies {
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ConnectDependencies extends BaseDependencies {
  readonly store: RealtimeStore;
  readonly clock: Clock;
  readonly verifier?: TokenVerifier | undefined;
  /** The Management API endpoint that reaches a connection of this request's gateway. */
  readonly endpointFor: (context: GatewayRequestContext) => string;
  /** Posts a Pusher client's `connection_established` once `$connect` is over; set only when the Pusher protocol is on. */
  readonly pusherGreeter?: ConnectionGreeter | undefined;
}

export interface MessagingDependencies extends ConnectDependencies {
  readonly sender: MessageSender;
  readonly broadcaster: Broadcaster;
  readonly ids: IdGenerator;
  /** The installed channel modules, with the key-value store they get as `socket.kv`. */
  readonly channels: ChannelRuntime;
  /** The channel modules' topic patterns: metrics are counted per pattern, never per topic. */
  readonly topicPatterns: readonly string[];
  /** Seqs and retained messages of topics with history on (config `history`). */
  readonly history: TopicHistory;
  /** Pushes per connection and window, counted in memory for this execution environment. */
  readonly pushLimiter: PushRateLimiter;
  /** The Pusher app (protocol 7 clients, core/pusher); absent when the Pusher protocol is off. */
  readonly pusherApp?: PusherAppSource | undefined;
  /** The index of occupied channels joins keep for Pusher's `GET /channels`; set only when the Pusher protocol is on. */
  readonly channelIndex?: ChannelIndex | undefined;
  /** Claims of Pusher presence users' `member_added`, so each is announced once; set only when the Pusher protocol is on. */
  readonly memberClaims?: MemberClaims | undefined;
  /** Releases presences `$disconnect` held for a reconnect (presence-grace.ts): SQS on AWS, emulated locally. */
  readonly graceTimer?: GraceTimer | undefined;
}

export interface MessagingParts extends Omit<MessagingDependencies, 'broadcaster' | 'channels' | 'topicPatterns' | 'history' | 'pushLimiter'> {
  readonly dispatcher?: FanoutDispatcher | undefined;
  /** Channel modules: `--channel` files locally, the construct's `channels` deployed. @default [] */
  readonly channelModules?: readonly InstalledChannel[];
  readonly kv: ChannelKv;
  readonly historyStore: HistoryStore;
}

export function assembleMessaging({ channelModules, kv, dispatcher, historyStore, ...parts }: MessagingParts): MessagingDependencies {
  const topicPatterns = (channelModules ?? []).map(({ definition }) => definition.topic);
  const history = new TopicHistory(historyStore, parts.config, parts.clock);
  // The broadcaster runs the modules' `leave`, and the modules broadcast through it.
  const broadcaster: Broadcaster = new Broadcaster({
    store: parts.store,
    sender: parts.sender,
    config: parts.config,
    logger: parts.logger,
    dispatcher,
    onLeave: (subscriptions, reason) => channels.leave(subscriptions, reason),
    hasLeave: (topic) => channels.hasLeave(topic),
    metrics: parts.metrics,
    clock: parts.clock,
    topicPatterns,
    memberClaims: parts.memberClaims,
  });
  const channels = channelRuntimeFor({ channelModules: channelModules ?? [], kv, config: parts.config, logger: parts.logger, broadcaster, history });
  return { ...parts, broadcaster, channels, topicPatterns, history, pushLimiter: new PushRateLimiter(parts.store, parts.config.limits) };
}

/**
 * The channel modules' runtime. Every function that can end a subscription builds one (the
 * routes, the workers and presence readers that reap, and the server-side publish), so the
 * modules' `leave` runs on every removal path.
 */
export function channelRuntimeFor(parts: {
  readonly channelModules: readonly InstalledChannel[];
  readonly kv: ChannelKv;
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly broadcaster: Broadcaster;
  readonly history: TopicHistory;
}): ChannelRuntime {
  const { broadcaster, history } = parts;
  return new ChannelRuntime({
    registry: new ChannelRegistry(parts.channelModules),
    kv: parts.kv,
    logger: parts.logger,
    // A push's built-in broadcast and every module broadcast take the one publish() path.
    broadcast: async (topic, { event, payload, userId }, exclude, deadlineMs) => {
      await publish({ broadcaster, history }, { topic, event, payload, ...(userId === undefined ? {} : { userId }) }, { excludeConnectionId: exclude, ...(deadlineMs === undefined ? {} : { deadlineMs }) });
    },
    timeoutMs: parts.config.limits.channelTimeoutMs,
    maxAssignsBytes: parts.config.limits.maxAssignsBytes,
  });
}

/** Builds once, on first use; in Lambda, at module load so the work lands in the init phase. */
export function once<T>(factory: () => T, eager: boolean): () => T {
  let value: { current: T } | undefined = eager ? { current: factory() } : undefined;
  return () => (value ??= { current: factory() }).current;
}

import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../protocol/constants.js';
import type { Clock, ConnectionUsage, RateCount, RealtimeStore } from '../ports.js';

/** Start (epoch seconds) of the fixed rate-limit window that `nowMs` falls in. */
export function windowStartOf(nowMs: number, windowSeconds: number): number {
  const nowSeconds = Math.floor(nowMs / 1000);
  return nowSeconds - (nowSeconds % windowSeconds);
}

/** The current join-and-leave window of a connection, with its limit. */
export function joinRateOf(config: TopicastConfig, clock: Clock): RateCount {
  const windowSeconds = config.limits.rateLimitWindowSeconds;
  return { windowStart: windowStartOf(clock.nowMs(), windowSeconds), windowSeconds, max: config.limits.maxJoinsPerWindow };
}

type RateWindowDependencies = { readonly store: RealtimeStore; readonly config: TopicastConfig; readonly clock: Clock };

/**
 * Counts a leave on the connection item and returns what it holds; refuses only a
 * connection that is gone (or closing). Leaves count toward the window's joins, but are
 * never refused: a client that left must stop receiving.
 */
export async function countLeave(deps: RateWindowDependencies, connectionId: string): Promise<ConnectionUsage> {
  const rate = joinRateOf(deps.config, deps.clock);
  const usage = await deps.store.countJoinOrLeave(connectionId, rate.windowStart, rate.windowSeconds);
  if (!usage) throw new ProtocolError(REASONS.unauthorized, 'this connection is not registered; reconnect');
  return usage;
}

/**
 * Counts a join or leave on the connection item and returns what it holds. Refuses a
 * connection that is gone (or closing) and one over `limits.maxJoinsPerWindow`.
 */
export async function countJoinOrLeave(deps: RateWindowDependencies, connectionId: string): Promise<ConnectionUsage> {
  const rate = joinRateOf(deps.config, deps.clock);
  const usage = await countLeave(deps, connectionId);
  if (usage.joinsInWindow > rate.max) {
    throw new ProtocolError(REASONS.rateLimited, `at most ${rate.max} joins and leaves per ${rate.windowSeconds} s`);
  }
  return usage;
}

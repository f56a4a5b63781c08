import type { TopicastConfig } from '../config.js';
import { isFinalClose, presenceGraceMsFor, type HeldMember } from '../presence-grace.js';
import type { Clock, GraceTimer, Logger, RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';

export interface DisconnectClientDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Releases held presences after their grace period; without one, every leave is at once. */
  readonly graceTimer?: GraceTimer | undefined;
}

/**
 * Removes the connection (its item first, then both sides of each subscription: see
 * docs/infrastructure.md, "Write protocol"), then announces its leaves. A named member's
 * presence on a topic with a grace period is held instead, unless the client closed with
 * the final close code (presence-grace.ts); its release is scheduled on the grace timer.
 */
export async function disconnectClient(deps: DisconnectClientDependencies, connectionId: string, closeCode: number | null = null): Promise<number> {
  const timer = deps.graceTimer;
  const hold = timer && !isFinalClose(closeCode) ? { graceMsOf: (topic: string) => presenceGraceMsFor(topic, deps.config), nowMs: deps.clock.nowMs() } : undefined;
  const report = await deps.broadcaster.removeConnections([{ connectionId }], hold);
  if (report.retained > 0) deps.logger.warn('disconnect left items behind', { connectionId, retained: report.retained });
  await deps.broadcaster.announceLeaves(report, 'disconnect');
  if (timer && report.held && report.held.length > 0) await scheduleRelease(deps, timer, report.held);
  return report.removed.length + (report.held?.length ?? 0);
}

/** One timer per grace period; a timer that cannot be set releases its rows at once (an early leave, never a lost one). */
async function scheduleRelease(deps: DisconnectClientDependencies, timer: GraceTimer, held: readonly HeldMember[]): Promise<void> {
  const byGrace = new Map<number, HeldMember[]>();
  for (const member of held) {
    const graceMs = presenceGraceMsFor(member.topic, deps.config);
    byGrace.set(graceMs, [...(byGrace.get(graceMs) ?? []), member]);
  }
  await Promise.all(
    [...byGrace].map(async ([graceMs, members]) => {
      try {
        await timer.schedule(members, graceMs);
      } catch (error) {
        deps.logger.error('grace timer not set: presence leaves announced at once', { topics: members.map((m) => m.topic), error: String(error) });
        await Promise.all(members.map((member) => deps.store.releaseHeld(member)));
      }
    }),
  );
}

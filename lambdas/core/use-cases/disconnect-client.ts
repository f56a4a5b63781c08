import type { TopicastConfig } from '../config.js';
import type { Logger, RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';

export interface DisconnectClientDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly logger: Logger;
}

/**
 * Removes the connection (its item first, then both sides of each subscription: see
 * docs/infrastructure.md, "Write protocol"), then announces its leaves.
 */
export async function disconnectClient(deps: DisconnectClientDependencies, connectionId: string): Promise<number> {
  const report = await deps.broadcaster.removeConnections([{ connectionId }]);
  if (report.retained > 0) deps.logger.warn('disconnect left items behind', { connectionId, retained: report.retained });
  await deps.broadcaster.announceLeaves(report, 'disconnect');
  return report.removed.length;
}

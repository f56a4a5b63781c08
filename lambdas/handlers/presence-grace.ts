/**
 * The grace timer's function (core/presence-grace.ts): SQS delivers each held presence
 * once its grace period is over, and its row is deleted; the table's stream then announces
 * the leave, unless the member's rejoin took the row over. At least once: a message whose
 * release failed is reported (ReportBatchItemFailures) and SQS delivers it again; a second
 * release finds the row gone and does nothing.
 */
import { once } from '../composition/dependencies.js';
import { IN_LAMBDA, storeFromEnvironment } from '../composition/environment/shared.js';
import { lambdaEntry, lambdaObservability } from '../composition/observability.js';
import type { HeldMember } from '../core/presence-grace.js';
import type { Logger, RealtimeStore } from '../core/ports.js';

export interface SqsEvent {
  readonly Records: readonly { readonly messageId: string; readonly body: string }[];
}

export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export interface PresenceGraceDependencies {
  readonly store: Pick<RealtimeStore, 'releaseHeld'>;
  readonly logger: Logger;
}

export const createPresenceGraceHandler = (dependencies: () => PresenceGraceDependencies) =>
  async (event: SqsEvent): Promise<SqsBatchResponse> => {
    const { store, logger } = dependencies();
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async ({ messageId, body }) => {
        let held: HeldMember;
        try {
          held = heldMemberOf(JSON.parse(body));
        } catch (error) {
          // Not ours to retry: a malformed message never becomes valid.
          logger.error('grace message ignored', { messageId, error: String(error) });
          return;
        }
        try {
          await store.releaseHeld(held);
        } catch (error) {
          logger.error('held presence not released; SQS delivers it again', { messageId, topic: held.topic, error: String(error) });
          failures.push({ itemIdentifier: messageId });
        }
      }),
    );
    logger.info('held presences released', { messages: event.Records.length, failed: failures.length });
    return { batchItemFailures: failures };
  };

function heldMemberOf(value: unknown): HeldMember {
  const { topic, shard, connectionId, member } = (value ?? {}) as Record<string, unknown>;
  if (typeof topic !== 'string' || typeof connectionId !== 'string' || typeof member !== 'string' || typeof shard !== 'number') throw new Error('not a held presence');
  return { topic, shard, connectionId, member };
}

export const handler = lambdaEntry('presence-grace', createPresenceGraceHandler(once(() => ({ store: storeFromEnvironment(), logger: lambdaObservability().logger }), IN_LAMBDA)));

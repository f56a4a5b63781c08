/**
 * The real topicast use cases wired as the Lambda composition wires them, on an embedded
 * DynamoDB, for benches that count what a request costs: the Management API is a sender
 * the bench provides (it accepts every post), and every DynamoDB request can be counted
 * with the capacity DynamoDB reports for it (dynalite computes it as DynamoDB does).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoChannelKv } from '../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../lambdas/adapters/dynamodb/realtime-store.js';
import type { InstalledChannel } from '../lambdas/core/channels/registry.js';
import { assembleMessaging, type MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { randomIds, silentLogger, systemClock } from '../lambdas/composition/system.js';
import type { TopicastConfig } from '../lambdas/core/config.js';
import { noMetrics } from '../lambdas/core/metrics.js';
import type { MessageSender } from '../lambdas/core/ports.js';

export interface BenchDependencyOptions {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly config: TopicastConfig;
  /** Called with every post's data; the post is accepted. @default counts nothing */
  readonly onPost?: (data: string) => void;
  readonly channelModules?: readonly InstalledChannel[];
}

export function benchDependencies({ documentClient, tableName, config, onPost, channelModules = [] }: BenchDependencyOptions): MessagingDependencies {
  const sender: MessageSender = {
    send: async ({ data }) => {
      onPost?.(data);
      return { outcome: 'delivered', status: 200, retries: 0 };
    },
  };
  return assembleMessaging({
    config,
    logger: silentLogger,
    metrics: noMetrics,
    store: new DynamoRealtimeStore(documentClient, tableName),
    clock: systemClock,
    ids: randomIds,
    endpointFor: () => 'http://bench.local/bench',
    sender,
    kv: new DynamoChannelKv(documentClient, tableName, systemClock),
    historyStore: new DynamoHistoryStore(documentClient, tableName, systemClock),
    channelModules,
  });
}

export interface CapacityTally {
  /** Requests per command name (`QueryCommand`, ...). */
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']);

/**
 * Counts every request the client sends, with the capacity units DynamoDB reports
 * (`ReturnConsumedCapacity: TOTAL`, asked for on every request), into the tally `into()`
 * returns at that moment (none: not counted).
 */
export function countCapacity(documentClient: DynamoDBDocumentClient, into: () => CapacityTally | null): void {
  documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String((context as { commandName?: string }).commandName);
      (args.input as Record<string, unknown>).ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      const tally = into();
      if (tally) {
        tally.requests[name] = (tally.requests[name] ?? 0) + 1;
        const units = unitsOf((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        if (READS.has(name)) tally.readUnits += units;
        else tally.writeUnits += units;
      }
      return result;
    },
    // initialize: once per command, before retries.
    { step: 'initialize', name: 'benchCapacity' },
  );
}

function unitsOf(consumed: unknown): number {
  if (Array.isArray(consumed)) return consumed.reduce((sum: number, entry) => sum + unitsOf(entry), 0);
  const value = (consumed as { CapacityUnits?: number } | undefined)?.CapacityUnits;
  return typeof value === 'number' ? value : 0;
}

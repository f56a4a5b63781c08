/**
 * Control over every request a DynamoDB client sends, for forcing interleavings: pause a
 * chosen command until the test releases it, delay commands at random, or rewrite what
 * DynamoDB answers (UnprocessedItems, server errors). It is a client middleware, so the
 * real store code and a real DynamoDB (dynalite over HTTP) run unchanged around it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startTestTable, type TestTable } from './dynalite.js';

type Input = Record<string, unknown>;

/** One request as the store sent it (document-client shapes: plain values, not marshalled). */
export interface StoreCall {
  /** The low-level command name, e.g. `PutItemCommand`. */
  readonly name: string;
  readonly input: Input;
  /** Who signed the request (gated-dynamo.ts only: the access key of the calling function's role). */
  readonly accessKeyId?: string;
}

export type Proceed = (input?: Input) => Promise<{ output: Record<string, unknown> }>;
export type Interceptor = (call: StoreCall, proceed: Proceed) => Promise<{ output: Record<string, unknown> }>;

export interface Pause {
  /** Resolves when a matching command arrives (it then waits for `release`). */
  readonly reached: Promise<void>;
  readonly isReached: () => boolean;
  release(): void;
  /** Stops waiting for a match; a command that already arrived is released. */
  cancel(): void;
}

export interface StoreGate {
  /** Holds the next command that matches until `release()`. */
  pause(match: (call: StoreCall) => boolean): Pause;
  /** Adds an interceptor; returns its remover. */
  intercept(interceptor: Interceptor): () => void;
}

export function installStoreGate(client: DynamoDBDocumentClient, name = 'storeGate'): StoreGate {
  const interceptors: Interceptor[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const commandName = String((context as { commandName?: string }).commandName);
      const chain = [...interceptors];
      const run = (index: number, input: Input): Promise<{ output: Record<string, unknown> }> => {
        const interceptor = chain[index];
        if (!interceptor) return next({ ...args, input }) as Promise<{ output: Record<string, unknown> }>;
        return interceptor({ name: commandName, input }, (changed = input) => run(index + 1, changed));
      };
      return run(0, args.input as Input) as never;
    },
    // initialize: once per command, before the SDK's own retries.
    { step: 'initialize', name },
  );

  return gateFromInterceptors(interceptors);
}

/** pause and intercept over a chain of interceptors that a client middleware or a proxy runs. */
export function gateFromInterceptors(interceptors: Interceptor[]): StoreGate {
  const intercept = (interceptor: Interceptor) => {
    interceptors.push(interceptor);
    return () => {
      const index = interceptors.indexOf(interceptor);
      if (index >= 0) interceptors.splice(index, 1);
    };
  };

  return {
    intercept,
    pause(match) {
      let reached = false;
      let done = false;
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const remove = intercept(async (call, proceed) => {
        if (reached || done || !match(call)) return proceed();
        reached = true;
        remove();
        arrive();
        await released;
        return proceed();
      });
      return {
        reached: arrived,
        isReached: () => reached,
        release,
        cancel() {
          done = true;
          remove();
          release();
        },
      };
    },
  };
}

/** Waits until `pause` holds a command or `operation` has finished without reaching it. */
export async function reachedOrSettled(pause: Pause, operation: Promise<unknown>): Promise<boolean> {
  await Promise.race([pause.reached, operation.then(noop, noop)]);
  return pause.isReached();
}

function noop(): void {}

/** The key an item command addresses, as `pk|sk`. */
export function keyOf(call: StoreCall): string {
  const key = (call.input.Key ?? call.input.Item) as { pk?: unknown; sk?: unknown } | undefined;
  return key ? `${String(key.pk)}|${String(key.sk)}` : '';
}

/** The partition a Query reads. */
export function queriedPartition(call: StoreCall): string | null {
  if (call.name !== 'QueryCommand') return null;
  return String((call.input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':pk']);
}

/** The keys of the deletes in a BatchWriteItem, as `pk|sk`. */
export function batchKeys(call: StoreCall): string[] {
  if (call.name !== 'BatchWriteItemCommand') return [];
  const requests = Object.values(call.input.RequestItems as Record<string, { DeleteRequest?: { Key: { pk: unknown; sk: unknown } } }[]>).flat();
  return requests.flatMap((request) => (request.DeleteRequest ? [`${String(request.DeleteRequest.Key.pk)}|${String(request.DeleteRequest.Key.sk)}`] : []));
}

export function text(call: StoreCall, field: string): string {
  const value = call.input[field];
  return typeof value === 'string' ? value : '';
}

/**
 * A dynalite table with a store gate on its document client, started before the file's
 * tests and stopped after them: the set-up every interleaving test repeats.
 */
export function useGatedTable(): { readonly table: TestTable; readonly gate: StoreGate } {
  let table: TestTable | undefined;
  let gate: StoreGate | undefined;
  beforeAll(async () => {
    table = await startTestTable();
    gate = installStoreGate(table.documentClient);
  });
  afterAll(async () => {
    await table?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useGatedTable: the table is started in beforeAll; use it inside a test');
    return value;
  };
  return {
    get table() {
      return started(table);
    },
    get gate() {
      return started(gate);
    },
  };
}

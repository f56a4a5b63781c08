/**
 * The embedded DynamoDB: dynalite on a port, in memory or in a data dir (LevelDB). Used by
 * the local gateway (on a free port, for itself) and by `topicast dynamodb` (on a known
 * port, for several gateways to share).
 *
 * A data dir is locked first (data-dir-lock.ts): LevelDB cannot be opened twice, and a
 * second opener would otherwise fail every request with dynalite's "Database is closed".
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

export interface EmbeddedDynamoDbOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Keep the data in this folder instead of in memory. */
  readonly dataDir?: string | undefined;
  /** Named in the refusal a second process gets for the same data dir. @default 'a topicast local gateway' */
  readonly role?: string;
}

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  /** The data dir's lock, when there is a data dir: `describe(url)` names where its owner serves. */
  readonly lock: DataDirLock | undefined;
  close(): Promise<void>;
}

type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const dynalite = await loadDynalite();
  const lock = options.dataDir ? lockDataDir(options.dataDir, options.role ?? 'a topicast local gateway') : undefined;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(lock ? { path: lock.dir } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    lock,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      lock?.release();
    },
  };
}

async function loadDynalite(): Promise<Dynalite> {
  // Loaded on first use only: an app that imports topicast for its CDK construct never
  // starts it. A variable specifier keeps dynalite (which ships no types) out of the build's typecheck.
  const name = 'dynalite';
  try {
    return ((await import(name)) as { default: Dynalite }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error('the embedded DynamoDB needs the dynalite package (a dependency of topicast): reinstall topicast, or npm install dynalite', { cause: error });
  }
}

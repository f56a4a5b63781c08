/**
 * `topicast dynamodb`: one embedded DynamoDB (dynalite) that several local gateways share,
 * each started with DYNAMODB_ENDPOINT pointing at it. It creates the topicast table so the
 * first gateway finds it, and runs until Ctrl-C or SIGTERM. With --data-dir the store is
 * kept on disk, and the folder is locked against a second process (data-dir-lock.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table.js';
import { DEFAULT_TABLE_NAME } from '../lambdas/adapters/dynamodb/table-schema.js';
import { parseCommandLine, usageText, type OptionSpecs } from './command-line.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './embedded-dynamodb.js';
import { stopOnSignals } from './shutdown.js';
import { UsageError } from './token.js';

const OPTIONS: OptionSpecs = {
  port: { type: 'string', placeholder: 'N', description: 'port to serve DynamoDB on (default 8000; 0 picks a free one)' },
  host: { type: 'string', placeholder: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'keep the tables on disk in DIR instead of in memory' },
  table: { type: 'string', placeholder: 'NAME', description: `the table to create (default ${DEFAULT_TABLE_NAME}, the gateways' TABLE_NAME)` },
};

export const DYNAMODB_USAGE = `${usageText('topicast dynamodb', OPTIONS)}
Serves one embedded DynamoDB for several local gateways to share (a push on one reaches
subscribers on the others, and each dashboard shows every connection in the table):

  npx topicast dynamodb --port 8000
  DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start -- --port 3001
  DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start -- --port 3002
`;

export interface DynamoDbCommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Serves until a signal; resolves to the exit status. Throws UsageError (exit 2). */
export async function dynamodbCommand(args: readonly string[], io: DynamoDbCommandIo): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS, { invocation: 'topicast dynamodb', env: io.env });
  if (parsed.kind === 'help') {
    io.out(DYNAMODB_USAGE);
    return 0;
  }
  if (parsed.kind === 'usage-error') throw new UsageError(parsed.message);
  const values = parsed.values as { port?: string; host?: string; 'data-dir'?: string; table?: string };
  const port = Number(values.port ?? 8000);
  if (!/^\d+$/.test(values.port ?? '8000') || port > 65535) throw new UsageError(`invalid port ${String(values.port)} (an integer from 0 to 65535)`);
  const tableName = values.table ?? io.env.TABLE_NAME ?? DEFAULT_TABLE_NAME;

  const dynamo: EmbeddedDynamoDb = await startEmbeddedDynamoDb({ port, host: values.host ?? '127.0.0.1', dataDir: values['data-dir'], role: 'topicast dynamodb' });
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: io.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  dynamo.lock?.describe(dynamo.endpoint);
  io.out(`topicast embedded DynamoDB listening on ${dynamo.endpoint} (table ${tableName}${values['data-dir'] ? `, data in ${values['data-dir']}` : ', in memory'})\n`);
  io.out(`start gateways on it: DYNAMODB_ENDPOINT=${dynamo.endpoint} npm start -- --port 3001\n`);
  return new Promise<number>((resolve) => {
    stopOnSignals({ stop: () => dynamo.close(), exit: resolve, write: (line) => io.err(`${line}\n`) });
  });
}

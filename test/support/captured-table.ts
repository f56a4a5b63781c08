/**
 * A test table with a DynamoDB stream, captured as the template runtime captures one: its
 * clients talk to an HTTP proxy that hands every request to the runtime's StreamCapture
 * (local-runtime/streams/stream-capture.ts), whose TableStreams mapping gathers the records
 * that topicast's presence readers' filters pass (lib/: topic items, and connection items
 * created or deleted). The mapping's function is `onBatch`, so a test decides what a batch
 * does: it runs no Lambda.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DynamoStreamEvent } from '../../lambdas/adapters/dynamodb/stream-records.js';
import { PRESENCE_STREAM_MAPPING, TOPIC_ITEM_PREFIX } from '../../lambdas/core/presence-readers.js';
import { connectionItemFilter } from '../../lib/lifecycle-events.js';
import type { EventSourceMappingModel, FunctionModel, TableModel } from '../../local-runtime/assembly/local-app.js';
import type { FunctionRunner } from '../../local-runtime/runner/function-runner.js';
import { StreamCapture } from '../../local-runtime/streams/stream-capture.js';
import { TableStreams } from '../../local-runtime/streams/table-streams.js';
import { forward, readBody, reply } from './http-forward.js';
import { startTestTable, TEST_CREDENTIALS, TEST_REGION, type TestTable } from './dynalite.js';

export interface CapturedTable extends TestTable {
  /** Hands the buffered records to `onBatch` now and waits for it. */
  flush(): Promise<void>;
}

export interface CapturedTableOptions {
  /** The mapping's batching window, read at each record. @default an hour: batches go when flushed */
  readonly batchingWindowSeconds?: () => number;
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:stream-reader';

export async function startCapturedTable(onBatch: (event: DynamoStreamEvent) => Promise<unknown>, options: CapturedTableOptions = {}): Promise<CapturedTable> {
  const table = await startTestTable();
  const model: TableModel = {
    logicalId: 'Table',
    tableName: table.tableName,
    arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table.tableName}`,
    streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table.tableName}/stream/local`,
    streamViewType: 'NEW_AND_OLD_IMAGES',
    ttlAttribute: 'expiresAt',
    createTable: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] },
  };
  const filters = [connectionItemFilter(), lambda.FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(TOPIC_ITEM_PREFIX) } } } })].map(
    (filter) => JSON.parse(String(filter.pattern)) as EventSourceMappingModel['filters'][number],
  );
  const mapping: EventSourceMappingModel = {
    logicalId: 'Mapping',
    eventSourceArn: model.streamArn as string,
    functionArn: FUNCTION_ARN,
    // topicast's presence mapping (lib/realtime-api.ts)
    batchSize: PRESENCE_STREAM_MAPPING.batchSize,
    get maximumBatchingWindowSeconds() {
      return options.batchingWindowSeconds?.() ?? 3600;
    },
    filters,
    reportBatchItemFailures: true,
    maximumRetryAttempts: 0,
    bisectBatchOnFunctionError: false,
    enabled: true,
    maximumConcurrency: undefined,
  };
  const reader = {
    fn: { functionName: 'stream-reader' } as FunctionModel,
    invoke: async (event: unknown) => ({ status: 'returned' as const, result: await onBatch(event as DynamoStreamEvent), requestId: 'local' }),
  } as unknown as FunctionRunner;
  const streams = new TableStreams([model], [mapping], new Map([[FUNCTION_ARN, reader]]), () => undefined);
  const capture = new StreamCapture([model], streams, table.endpoint);
  const target = new URL(table.endpoint);

  const proxy: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      await capture.around(String(request.headers['x-amz-target'] ?? ''), body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}, async () => {
        const answer = await forward(target.hostname, Number(target.port), request, body);
        reply(response, answer);
        return answer.status;
      });
    })().catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  return {
    endpoint,
    tableName: table.tableName,
    embedded: table.embedded,
    client,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    async flush() {
      await capture.settled();
      await streams.flush();
    },
    async stop() {
      await streams.end();
      client.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await table.stop();
    },
  };
}

/**
 * The runtime's stream capture in front of a DynamoDB that fails now and then (a proxy's
 * 502 with no body, a reset socket): a write's stream record must not be lost to one
 * failed read of its images, as DynamoDB Streams never loses one. Real dynalite behind a
 * proxy that fails the first reads it is asked for.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableModel } from '../../local-runtime/assembly/local-app.js';
import { StreamCapture } from '../../local-runtime/streams/stream-capture.js';
import type { ItemChange, TableStreams } from '../../local-runtime/streams/table-streams.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { forward, readBody, reply } from '../support/http-forward.js';

let table: TestTable;
let proxy: Server;
let proxyEndpoint: string;
/** What the proxy still fails: `502` answers with no body, `reset` destroys the socket. */
const failNext: ('502' | 'reset')[] = [];

beforeAll(async () => {
  table = await startTestTable();
  const target = new URL(table.endpoint);
  proxy = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const failure = String(request.headers['x-amz-target']).endsWith('BatchGetItem') ? failNext.shift() : undefined;
      if (failure === '502') return void response.writeHead(502).end();
      if (failure === 'reset') return void request.socket.destroy();
      reply(response, await forward(target.hostname, Number(target.port), request, body));
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await table?.stop();
});

function capture(): { capture: StreamCapture; records: ItemChange[] } {
  const model = { logicalId: 'Table', tableName: table.tableName, streamArn: 'arn:stream', createTable: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] } } as unknown as TableModel;
  const records: ItemChange[] = [];
  const streams = { streams: (name: string) => name === table.tableName, record: (change: ItemChange) => records.push(change) } as unknown as TableStreams;
  return { capture: new StreamCapture([model], streams, proxyEndpoint), records };
}

/** A PutItem straight to dynalite, as the runtime's forward does; resolves to its status. */
async function putItem(item: Record<string, { S: string }>): Promise<number> {
  const response = await fetch(table.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.PutItem',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20200101T000000Z',
    },
    body: JSON.stringify({ TableName: table.tableName, Item: item }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('stream capture over a DynamoDB that fails now and then', () => {
  it.each([['a 502 with no body', '502'] as const, ['a reset socket', 'reset'] as const])('records the write when %s fails a read of its images', async (_name, failure) => {
    // Prepare: the read of the image before and the one after each fail once
    const { capture: streamCapture, records } = capture();
    const item = { pk: { S: `t#${failure}` }, sk: { S: 'c#1' }, note: { S: 'hello' } };
    failNext.push(failure, failure);

    // Act
    await streamCapture.around('DynamoDB_20120810.PutItem', { TableName: table.tableName, Item: item }, () => putItem(item));

    // Assess
    expect(failNext).toEqual([]);
    expect(records).toEqual([{ table: table.tableName, keys: { pk: item.pk, sk: item.sk }, oldImage: undefined, newImage: item }]);
  });
});

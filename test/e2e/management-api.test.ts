/**
 * The Management API on the gateway's own port, driven by the real AWS SDK client as a
 * backend would use it against API Gateway: PostToConnection, GetConnection,
 * DeleteConnection, and GoneException for ids that do not exist. The template runtime wants
 * every request signed by credentials it knows, as AWS does: the test signs as the runtime's
 * operator role (allowed everything, as an administrator's credentials are).
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { NodeSha256 } from '../../bench/reference/smithy-signer.js';
import { TEST_REGION, type TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { itemsOfConnection, queryPartition } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

let gateway: RunningGateway;
let table: TestTable;
let withStage: ApiGatewayManagementApiClient;
let withoutStage: ApiGatewayManagementApiClient;
const clients: WsClient[] = [];
const UNKNOWN_ID = 'AAAAAAAAAAAAAAA=';

beforeAll(async () => {
  gateway = await startTestGateway();
  table = gatewayTable(gateway);
  withStage = managementClient(gateway.managementEndpoint);
  withoutStage = managementClient(`http://127.0.0.1:${gateway.port}`);
});

function operator(): NonNullable<RunningGateway['runtime']['operatorCredentials']> {
  const credentials = gateway.runtime.operatorCredentials;
  if (!credentials) throw new Error('the runtime was started without its operator role');
  return credentials;
}

function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint, region: TEST_REGION, credentials: operator(), maxAttempts: 1 });
}

/** A raw HTTP request to the Management API, SigV4-signed as the SDK signs it. */
async function signedFetch(url: string, method: 'GET' | 'POST', body?: string): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'execute-api', region: TEST_REGION, credentials: operator(), sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers: { host: target.host }, ...(body === undefined ? {} : { body }) });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
}

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  withStage?.destroy();
  withoutStage?.destroy();
  await table?.stop();
  await gateway?.end();
});

async function connect(): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients);
}

describe('Management API through the AWS SDK', () => {
  it('serves the stage path that connections record as their endpoint', () => {
    expect(gateway.managementEndpoint).toBe(`http://127.0.0.1:${gateway.port}/local`);
  });

  it.each([128 * 1024 + 1, 200 * 1024, 1024 * 1024])('refuses a raw %i-byte POST whole with 413 PayloadTooLargeException: never truncated, nothing delivered', async (bytes) => {
    // Prepare
    const { client, id } = await connect();

    // Act
    const response = await signedFetch(`${gateway.managementEndpoint}/@connections/${encodeURIComponent(id)}`, 'POST', 'y'.repeat(bytes));

    // Assess
    expect(response.status).toBe(413);
    expect(response.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException');
    await response.arrayBuffer();
    await withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'after' }));
    expect((await client.nextFrame(() => true)).text).toBe('after');
  });

  it.each([
    ['with the stage path', () => withStage],
    ['without the stage path', () => withoutStage],
  ])('PostToConnection %s delivers the data as one text frame', async (_name, sdk) => {
    // Prepare
    const { client, id } = await connect();
    const data = JSON.stringify({ topic: 'server', event: 'notice', payload: { text: 'héllo ✓' } });

    // Act
    await sdk().send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));

    // Assess
    const frame = await client.nextFrame(() => true);
    expect(frame.text).toBe(data);
  });

  it('PostToConnection accepts bytes and delivers them in order', async () => {
    // Prepare
    const { client, id } = await connect();

    // Act
    for (let n = 1; n <= 5; n += 1) await withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode(`{"n":${n}}`) }));

    // Assess
    for (let n = 1; n <= 5; n += 1) expect(await client.next(() => true)).toEqual({ n });
  });

  it('PostToConnection over 128 KB throws PayloadTooLargeException and leaves the socket open', async () => {
    // Prepare
    const { client, id } = await connect();

    // Act
    const sending = withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(128 * 1024 + 1) }));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(PayloadTooLargeException);
    expect(client.isOpen).toBe(true);
    await withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(128 * 1024) }));
    expect((await client.nextFrame(() => true)).text).toHaveLength(128 * 1024);
  });

  it.each([128 * 1024 + 1, 200 * 1024, 1024 * 1024])('refuses a raw %i-byte POST whole with 413 PayloadTooLargeException: never truncated, nothing delivered', async (bytes) => {
    // Prepare
    const { client, id } = await connect();

    // Act
    const response = await signedFetch(`${gateway.managementEndpoint}/@connections/${encodeURIComponent(id)}`, 'POST', 'y'.repeat(bytes));

    // Assess
    expect(response.status).toBe(413);
    expect(response.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException');
    await response.arrayBuffer();
    await withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'after' }));
    expect((await client.nextFrame(() => true)).text).toBe('after');
  });

  it.each([
    ['with the stage path', () => withStage],
    ['without the stage path', () => withoutStage],
  ])('GetConnection %s returns ConnectedAt, LastActiveAt and Identity', async (_name, sdk) => {
    // Prepare
    const before = Date.now();
    const { client, id } = await connect();
    const after = Date.now();
    await client.ping();

    // Act
    const info = await sdk().send(new GetConnectionCommand({ ConnectionId: id }));

    // Assess
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    // API Gateway's timestamps have second precision on the wire; allow for that.
    expect(info.ConnectedAt!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(info.ConnectedAt!.getTime()).toBeLessThanOrEqual(after);
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: client.userAgent });
  });

  it('DeleteConnection closes the socket, runs $disconnect (items gone, leave announced)', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: doomed, id } = await connect();
    const { client: witness } = await connect();
    await doomed.join(topic);
    await witness.join(topic);
    expect(await queryPartition(table, `c#${id}`)).not.toEqual([]);

    // Act
    await withStage.send(new DeleteConnectionCommand({ ConnectionId: id }));

    // Assess: the client sees a close
    const closed = await doomed.closed;
    expect(closed.code).toBe(1000);

    // Assess: $disconnect ran; the witness learns of the leave after the items were deleted
    const diff = await witness.nextEvent('presence_diff', (m) => m.payload.leaves[id] !== undefined);
    expect(diff.payload.joins).toEqual({});
    expect(await queryPartition(table, `c#${id}`)).toEqual([]);
    expect(await itemsOfConnection(table, id)).toEqual([]);

    // Assess: the connection is gone for the Management API too
    await expect(withStage.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
  });

  it.each([
    ['PostToConnection', () => new PostToConnectionCommand({ ConnectionId: UNKNOWN_ID, Data: '{}' })],
    ['GetConnection', () => new GetConnectionCommand({ ConnectionId: UNKNOWN_ID })],
    ['DeleteConnection', () => new DeleteConnectionCommand({ ConnectionId: UNKNOWN_ID })],
  ])('%s on an unknown id throws GoneException', async (_name, command) => {
    // Act
    const result = withStage.send(command() as PostToConnectionCommand);

    // Assess
    await expect(result).rejects.toBeInstanceOf(GoneException);
    await expect(withoutStage.send(command() as PostToConnectionCommand)).rejects.toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
  });

  it('PostToConnection on a closed connection throws GoneException', async () => {
    // Prepare
    const { client, id } = await connect();
    await client.close();
    await expect(withStage.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);

    // Act and assess
    await expect(withStage.send(new PostToConnectionCommand({ ConnectionId: id, Data: '{}' }))).rejects.toBeInstanceOf(GoneException);
  });

  it('answers an unknown id over raw HTTP with 410 and x-amzn-errortype: GoneException', async () => {
    // Act
    const posted = await signedFetch(`${gateway.managementEndpoint}/@connections/${encodeURIComponent(UNKNOWN_ID)}`, 'POST', '{}');
    const fetched = await signedFetch(`http://127.0.0.1:${gateway.port}/@connections/${encodeURIComponent(UNKNOWN_ID)}`, 'GET');

    // Assess
    for (const response of [posted, fetched]) {
      expect(response.status).toBe(410);
      expect(response.headers.get('x-amzn-errortype')).toBe('GoneException');
      await response.arrayBuffer();
    }
  });

  it('answers plain HTTP on other paths (the stage path) with 426 Upgrade Required', async () => {
    // Act (`/` serves the demo page: test/e2e/local-pages.test.ts)
    const response = await fetch(`${gateway.url.replace('ws:', 'http:')}/prod`);

    // Assess
    expect(response.status).toBe(426);
    await response.arrayBuffer();
  });
});

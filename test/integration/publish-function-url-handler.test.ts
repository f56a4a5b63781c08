/**
 * The publish function's Function URL handler, composed over a real table as the Lambda
 * composes it, with what only a direct invocation can give it: a base64 body
 * (`isBase64Encoded`, which Lambda sets for a body it does not take for text), a path no
 * operation serves, and a Lambda context with no time left, which hands the fan-out to the
 * workers. Moved from test/e2e/http-publish.test.ts, whose requests now reach this handler
 * through the template runtime's Function URL.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUserConnections } from '../../lambdas/adapters/dynamodb/user-connections.js';
import { SdkConnectionCloser } from '../../lambdas/adapters/management-api/sdk-connection-closer.js';
import { ServerOperations } from '../../lambdas/core/use-cases/server-operations.js';
import { createPublishHandler } from '../../lambdas/handlers/publish.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { eventsNamed } from '../support/messages.js';
import { withConnectedClients, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let topicCounter = 0;
const uniqueTopic = () => `room:publish-url-${(topicCounter += 1)}`;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

/** One joined subscriber, and the handler over the same table and deployment. */
async function subscribed(topic: string): Promise<{ h: Harness; id: string; handler: ReturnType<typeof createPublishHandler> }> {
  const { h, ids } = await withConnectedClients(table, 1, { fanoutWorker: true });
  const [id] = ids as [string];
  await h.send(id, { action: 'join', topic, ref: '1' });
  h.sender.clear();
  const closer = new SdkConnectionCloser((endpoint) => new ApiGatewayManagementApiClient({ endpoint }), 1000);
  const operations = new ServerOperations({ ...h.deps, closer, users: new DynamoUserConnections(table.documentClient, table.tableName) });
  return { h, id, handler: createPublishHandler(() => ({ operations, limits: h.config.limits, logger: h.logger })) };
}

describe('the publish function’s Function URL handler', () => {
  it('reads a payload format 2.0 event (base64 body, rawPath), answers JSON, and 404 for a path it does not serve', async () => {
    const topic = uniqueTopic();
    const { h, id, handler } = await subscribed(topic);
    const body = Buffer.from(JSON.stringify({ topic, event: 'from_lambda', payload: { ok: true } })).toString('base64');

    const response = await handler({ rawPath: '/publish', body, isBase64Encoded: true, requestContext: { http: { method: 'POST', path: '/publish' } } });
    const refused = await handler({ rawPath: '/nowhere', body: '{}', requestContext: { http: { method: 'POST' } } });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body).results[0]).toMatchObject({ topic, delivered: 1 });
    expect(eventsNamed(h.sender.messagesFor(id), 'from_lambda')).toEqual([{ topic, event: 'from_lambda', payload: { ok: true } }]);
    expect(refused.statusCode).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({ reason: 'not_found' });
  });

  it('hands the fan-out to the workers when the invocation has no time left to post', async () => {
    const topic = uniqueTopic();
    const { h, id, handler } = await subscribed(topic);
    const context = { awsRequestId: 'r', functionName: 'publish', getRemainingTimeInMillis: () => 0 };

    const response = await handler({ rawPath: '/publish', body: JSON.stringify({ topic, event: 'late' }), requestContext: { http: { method: 'POST' } } }, context);

    expect(JSON.parse(response.body).results[0]).toMatchObject({ delivered: 0, queued: 1 });
    // The worker (run in process by the harness) posted it.
    expect(h.dispatched.map((batch) => [batch.topic, batch.message.event, batch.subscribers.map((s) => s.connectionId)])).toEqual([[topic, 'late', [id]]]);
    expect(eventsNamed(h.sender.messagesFor(id), 'late')).toEqual([{ topic, event: 'late', payload: {} }]);
  });
});

/**
 * The HTTP publish API on the local gateway's port, as DESIGN.md "Server-side publish"
 * defines it: POST /publish with one message or up to 25, 200 with one result per message,
 * 400 {"reason","message"} on bad input with nothing delivered; and big topics handed to
 * the fan-out workers by the same core. `npm start` serves the paths with the template's
 * publish Function URL (payload format 2.0 events to the bundled publish function); what
 * only a direct invocation can give the handler (a base64 body, a context with no time left)
 * is in test/integration/publish-function-url-handler.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTopic } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

let gateway: RunningGateway;
let base: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  // Topics over 2 subscribers go through the fan-out worker function.
  gateway = await startTestGateway({ config: { fanout: { workerThreshold: 2, workerBatchSize: 2 } } });
  base = `http://127.0.0.1:${gateway.port}`;
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

async function subscriber(topic: string): Promise<WsClient> {
  const client = await openClient(gateway.url);
  clients.push(client);
  await client.join(topic);
  await client.nextEvent('presence_state');
  return client;
}

async function post(path: string, body: unknown, method = 'POST'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

describe('POST /publish', () => {
  it('one message: 200 with its result, delivered to the subscriber', async () => {
    const topic = uniqueTopic();
    const client = await subscriber(topic);

    const answer = await post('/publish', { topic, event: 'shout', payload: { body: 'hello' } });

    expect(answer).toEqual({ status: 200, body: { results: [{ topic, delivered: 1, gone: 0, failed: 0, queued: 0 }] } });
    expect(await client.nextEvent('shout')).toEqual({ topic, event: 'shout', payload: { body: 'hello' } });
  });

  it('a batch: one result per message, in order', async () => {
    const [a, b] = [uniqueTopic(), uniqueTopic()];
    const client = await subscriber(a);

    const answer = await post('/publish', { messages: [{ topic: a, event: 'one' }, { topic: b, event: 'two' }, { topic: a, event: 'three' }] });

    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { topic: string; delivered: number }) => [r.topic, r.delivered])).toEqual([[a, 1], [b, 0], [a, 1]]);
    expect((await client.nextEvent('one')).payload).toEqual({});
    await client.nextEvent('three');
  });

  it('a big topic goes through the fan-out workers and reaches everyone', async () => {
    const topic = uniqueTopic();
    const subscribers = [await subscriber(topic), await subscriber(topic), await subscriber(topic)];

    const answer = await post('/publish', { topic, event: 'wide' });

    expect(answer.body.results[0]).toMatchObject({ delivered: 0, queued: 3 });
    for (const client of subscribers) await client.nextEvent('wide');
  });

  it.each([
    ['not JSON', '{"topic":', 'invalid_request'],
    ['an empty body', '', 'invalid_request'],
    ['an array', '[]', 'invalid_request'],
    ['no topic', { event: 'e' }, 'invalid_topic'],
    ['a reserved event', { topic: 'room:a', event: 'presence_diff' }, 'reserved_event'],
    ['26 messages', { messages: Array.from({ length: 26 }, () => ({ topic: 'room:a', event: 'e' })) }, 'too_many_messages'],
    ['an empty batch', { messages: [] }, 'invalid_request'],
    ['messages that is not an array', { messages: {} }, 'invalid_request'],
    ['one message and messages at once', { topic: 'room:a', event: 'e', messages: [] }, 'invalid_request'],
    ['a payload over 128 KB', { topic: 'room:a', event: 'e', payload: 'x'.repeat(131_072) }, 'payload_too_large'],
  ])('%s: 400 with reason %s', async (_name, body, reason) => {
    const answer = await post('/publish', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ reason, message: expect.any(String) });
  });

  it('a batch with one bad message delivers none of the good ones', async () => {
    const topic = uniqueTopic();
    const client = await subscriber(topic);
    const mark = client.mark();

    const answer = await post('/publish', { messages: [{ topic, event: 'good' }, { topic, event: 'phx_reply' }] });
    await client.ping();

    expect(answer).toMatchObject({ status: 400, body: { reason: 'reserved_event' } });
    expect(client.framesSince(mark).map((m) => (m as { event: string }).event)).toEqual(['phx_reply']);
  });

  it('answers 405 to GET', async () => {
    expect(await post('/publish', undefined, 'GET')).toMatchObject({ status: 405, body: { reason: 'method_not_allowed' } });
  });
});

describe('POST /presence, /occupancy, /disconnect', () => {
  it('answer presence, counts and closes', async () => {
    const topic = uniqueTopic();
    const client = await subscriber(topic);

    const presence = await post('/presence', { topic });
    const occupancy = await post('/occupancy', { topic });
    const refused = await post('/disconnect', { connectionId: 'x', user: 'y' });

    expect(presence.status).toBe(200);
    expect(Object.keys(presence.body.presence)).toHaveLength(1);
    expect(occupancy.body).toEqual({ topic, subscribers: 1, presence: 1 });
    expect(refused).toMatchObject({ status: 400, body: { reason: 'invalid_request' } });
    const [key] = Object.keys(presence.body.presence);
    expect(await post('/disconnect', { connectionId: key })).toEqual({ status: 200, body: { closed: 1, gone: 0 } });
    await client.closed;
  });
});

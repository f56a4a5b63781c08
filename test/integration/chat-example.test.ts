/**
 * The example application (examples/chat) through the handlers on dynalite, and what a
 * channel module costs in DynamoDB requests on top of the built-in join and push.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import inbox from '../../examples/chat/inbox.js';
import room, { HISTORY_LENGTH, MAX_MESSAGE_LENGTH, type ChatMessage } from '../../examples/chat/room.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { jwtFor } from '../security/tokens.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

const SECRET = 'chat-example-secret-0123456789abcdef';
let table: TestTable;
let log: RequestLog;
let h: Harness;

beforeAll(async () => {
  table = await startTestTable();
  log = recordRequests(table.documentClient);
  h = createHarness(table, { verifier: new JwtVerifier({ secret: () => Promise.resolve(SECRET) }), channels: [room, inbox] });
});

afterAll(async () => {
  await table?.stop();
});

async function connected(label: string, sub?: string): Promise<string> {
  const id = connectionId(label);
  await h.connect(id, sub ? { query: { token: await jwtFor(SECRET, { sub }) } } : {});
  return id;
}

type Reply = { payload: { status: string; response: Record<string, unknown> } };
const replyOf = (messages: unknown[]) => messages[0] as Reply;

describe('example chat room (room:*)', () => {
  it('refuses a join without a name; takes the token sub when there is one', async () => {
    // Prepare
    const anon = await connected('anon');
    const ann = await connected('ann', 'ann');

    // Act
    const refused = await h.send(anon, { action: 'join', topic: 'room:names', ref: '1' });
    await h.send(ann, { action: 'join', topic: 'room:names', payload: { name: 'ignored' }, ref: '1' });
    const shout = await h.send(ann, { action: 'push', topic: 'room:names', event: 'shout', payload: { body: 'hello' }, ref: '2' });

    // Assess
    expect(replyOf(responseMessages(refused)).payload.response).toMatchObject({ reason: 'name_required' });
    expect(replyOf(responseMessages(shout)).payload.status).toBe('ok');
    expect(h.sender.messagesFor(ann).at(-1)).toMatchObject({ event: 'shout', payload: { from: 'ann', body: 'hello' } });
  });

  it('refuses empty and over-long messages and unknown events, broadcasting nothing', async () => {
    // Prepare
    const bob = await connected('bob');
    await h.send(bob, { action: 'join', topic: 'room:strict', payload: { name: 'Bob' }, ref: '1' });
    h.sender.clear();

    // Act
    const empty = await h.send(bob, { action: 'push', topic: 'room:strict', event: 'shout', payload: { body: '   ' }, ref: '2' });
    const missing = await h.send(bob, { action: 'push', topic: 'room:strict', event: 'shout', payload: {}, ref: '3' });
    const long = await h.send(bob, { action: 'push', topic: 'room:strict', event: 'shout', payload: { body: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, ref: '4' });
    const unknown = await h.send(bob, { action: 'push', topic: 'room:strict', event: 'dance', ref: '5' });

    // Assess
    expect(replyOf(responseMessages(empty)).payload).toEqual({ status: 'error', response: { reason: 'empty_message' } });
    expect(replyOf(responseMessages(missing)).payload).toEqual({ status: 'error', response: { reason: 'empty_message' } });
    expect(replyOf(responseMessages(long)).payload).toEqual({ status: 'error', response: { reason: 'message_too_long', max: MAX_MESSAGE_LENGTH } });
    expect(replyOf(responseMessages(unknown)).payload.response.reason).toBe('unknown_event');
    expect(h.sender.attempts).toEqual([]);
  });

  it('stamps sender and server time (a client cannot forge them), and sends the last 50 messages in the join response', async () => {
    // Prepare
    const cy = await connected('cy');
    await h.send(cy, { action: 'join', topic: 'room:history', payload: { name: 'Cy' }, ref: '1' });
    const before = Date.now();
    for (let i = 0; i < HISTORY_LENGTH + 7; i += 1) {
      await h.send(cy, { action: 'push', topic: 'room:history', event: 'shout', payload: { body: `m${i}`, from: 'forged', at: 'forged' }, ref: `p${i}` });
    }
    const late = await connected('late');

    // Act
    await h.send(late, { action: 'join', topic: 'room:history', payload: { name: 'Late' }, ref: '1' });

    // Assess
    const history = (h.sender.messagesFor(late)[0] as Reply).payload.response.history as ChatMessage[];
    expect(history.map((m) => m.body)).toEqual(Array.from({ length: HISTORY_LENGTH }, (_, i) => `m${i + 7}`));
    expect(history.every((m) => m.from === 'Cy')).toBe(true);
    expect(Date.parse(history[0]!.at)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('example inbox (user:<sub>)', () => {
  it('delivers a direct message live and keeps it for the next join; only the owner may join', async () => {
    // Prepare
    const ann = await connected('ann-inbox', 'ann');
    const bob = await connected('bob-inbox', 'bob');
    await h.send(ann, { action: 'join', topic: 'user:ann', ref: '1' });
    await h.send(bob, { action: 'join', topic: 'user:bob', ref: '1' });

    // Act
    const sent = await h.send(ann, { action: 'push', topic: 'user:ann', event: 'send', payload: { to: 'bob', body: 'psst' }, ref: '2' });
    const foreign = await h.send(ann, { action: 'join', topic: 'user:bob', ref: '3' });
    const bobAgain = await connected('bob-inbox-2', 'bob');
    await h.send(bobAgain, { action: 'join', topic: 'user:bob', ref: '1' });

    // Assess
    expect(replyOf(responseMessages(sent)).payload.status).toBe('ok');
    expect(h.sender.messagesFor(bob)).toContainEqual({ topic: 'user:bob', event: 'dm', payload: expect.objectContaining({ from: 'ann', body: 'psst' }) });
    expect(replyOf(responseMessages(foreign)).payload.response.reason).toBe('unauthorized');
    expect((h.sender.messagesFor(bobAgain)[0] as Reply).payload.response.messages).toEqual([expect.objectContaining({ from: 'ann', body: 'psst' })]);
  });
});

describe('DynamoDB requests a module adds', () => {
  it('a join or push with a module that touches no storage costs what the built-in one does', async () => {
    // Prepare
    const quiet = createHarness(table, { channels: [{ topic: 'q:*', join: (_t, _p, s) => (s.assign({ a: 1 }), { ok: {} }), handleIn: () => ({ reply: { ok: {} } }) }] });
    const [a, b] = [connectionId('qa'), connectionId('qb')];
    await quiet.connect(a);
    await quiet.connect(b);
    const cost = async (run: () => Promise<unknown>) => {
      log.clear();
      await run();
      return [...log.names].sort();
    };

    // Act
    const plainJoin = await cost(() => quiet.send(a, { action: 'join', topic: 'plain', ref: '1' }));
    const moduleJoin = await cost(() => quiet.send(b, { action: 'join', topic: 'q:1', ref: '1' }));
    const plainPush = await cost(() => quiet.send(a, { action: 'push', topic: 'plain', event: 'e', ref: '2' }));
    const modulePush = await cost(() => quiet.send(b, { action: 'push', topic: 'q:1', event: 'e', ref: '2' }));

    // Assess: the assigns ride in the join's Put and the push's GetItem (strongly consistent
    // with a module, eventually without); the rate counter is written every tenth push only.
    expect(moduleJoin).toEqual(plainJoin);
    expect(modulePush).toEqual(['GetItemCommand']);
    expect(plainPush).toEqual(['GetItemCommand', 'QueryCommand']);
  });

  it('the example room adds one GetItem to a join (history) and one UpdateItem to a shout (append)', async () => {
    // Prepare
    const d = await connected('cost-d');
    const e = await connected('cost-e');
    await h.send(d, { action: 'join', topic: 'plain:cost', ref: '1' });
    log.clear();
    await h.send(e, { action: 'join', topic: 'plain:cost', ref: '1' });
    const plainJoin = [...log.names].sort();
    log.clear();

    // Act
    await h.send(d, { action: 'join', topic: 'room:cost', payload: { name: 'D' }, ref: '2' });
    const roomJoin = [...log.names].sort();
    log.clear();
    await h.send(d, { action: 'push', topic: 'room:cost', event: 'shout', payload: { body: 'hi' }, ref: '3' });
    const shout = [...log.names].sort();

    // Assess
    expect(roomJoin).toEqual([...plainJoin, 'GetItemCommand'].sort());
    // The shout's append (UpdateItem); the rate counter is written every tenth push only.
    expect(shout).toEqual(['GetItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });
});

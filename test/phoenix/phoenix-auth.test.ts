/**
 * The phoenix client's `authToken` (sent in Sec-WebSocket-Protocol) against a gateway that
 * requires tokens: the handshake echoes `phoenix`, the user's own topic joins, another
 * user's is refused, and Presence keys by the token's `sub` across two tabs.
 */
import { Presence, Socket, type Channel } from 'phoenix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';
import { jwtFor } from '../security/tokens.js';

const SECRET = 'phoenix-auth-test-secret';
let gateway: RunningGateway;
const sockets: Socket[] = [];

beforeAll(async () => {
  gateway = await startGateway({ config: { auth: 'required' }, env: { TOPICAST_TOKEN_SECRET: SECRET } });
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await gateway.end();
});

function socketFor(token: string): Socket {
  const socket = new Socket(gateway.url, {
    transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
    authToken: token,
  });
  socket.connect();
  sockets.push(socket);
  return socket;
}

function joinResult(channel: Channel): Promise<{ status: string; response: unknown }> {
  return new Promise((resolve) => {
    channel
      .join()
      .receive('ok', (response: unknown) => resolve({ status: 'ok', response }))
      .receive('error', (response: unknown) => resolve({ status: 'error', response }));
  });
}

describe('phoenix authToken', () => {
  it('authenticates, authorizes user topics and keys presence by sub', async () => {
    // Prepare
    const token = await jwtFor(SECRET, { sub: 'alice' });
    const tabOne = socketFor(token).channel('user:alice', { meta: { tab: 1 } });
    const presence = new Presence(tabOne);
    const bothTabsPresent = new Promise<void>((resolve) => {
      presence.onSync(() => {
        if ((presence.list((_key, { metas }) => metas.length)[0] ?? 0) === 2) resolve();
      });
    });

    // Act
    const first = await joinResult(tabOne);
    const second = await joinResult(socketFor(token).channel('user:alice', { meta: { tab: 2 } }));
    const foreign = await joinResult(socketFor(token).channel('user:bob', {}));
    await bothTabsPresent;

    // Assess
    expect(first.status).toBe('ok');
    expect(second.status).toBe('ok');
    expect(foreign).toMatchObject({ status: 'error', response: { reason: 'unauthorized' } });
    const tabs = presence.list((key, { metas }) => ({ key, tabs: metas.map((meta: { tab?: number }) => meta.tab).sort() }));
    expect(tabs).toEqual([{ key: 'alice', tabs: [1, 2] }]);
  });
});

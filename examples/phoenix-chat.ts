/**
 * A chat in the terminal with the official `phoenix` client, unchanged.
 *   npm start                                  # in one terminal: the local gateway
 *   (or npm start -- --channel examples/chat/room.ts: validated, stamped messages with history)
 *   npx tsx examples/phoenix-chat.ts alice     # in a second
 *   npx tsx examples/phoenix-chat.ts bob       # in a third; type lines and press Enter
 * Against a deployed stack: TOPICAST_URL=wss://{api}.execute-api.{region}.amazonaws.com/prod
 * (and TOPICAST_TOKEN=... when the stack requires tokens, which it does by default).
 */
import { createInterface } from 'node:readline';
import { Presence, Socket } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport } from '../client/phoenix-transport.js';

const name = process.argv[2] ?? `guest-${Math.floor(Math.random() * 1000)}`;
const topic = process.argv[3] ?? 'room:lobby';
const url = process.env.TOPICAST_URL ?? 'ws://127.0.0.1:3001';
const token = process.env.TOPICAST_TOKEN;

const socket = new Socket(url, {
  // The client appends /websocket to the URL; API Gateway serves only the stage path.
  transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
  ...(token ? { authToken: token } : {}),
});
console.log(`* connecting to ${url}${process.env.TOPICAST_URL ? '' : ' (set TOPICAST_URL for another gateway or a deployed stack)'}`);
socket.onError(() => console.error(`! connection error on ${url} (is \`npm start\` running? TOPICAST_URL points elsewhere)`));
socket.connect();

// `name` is for the chat module (examples/chat/room.ts), `meta` for presence.
const channel = socket.channel(topic, { name, meta: { name } });
const presence = new Presence(channel);
// The joiner's own presence_diff follows its presence_state within a window (as in Phoenix)
// and syncs again with the same members: print the list only when it changed.
let lastOnline = '';
presence.onSync(() => {
  const online = presence
    .list((_key, { metas }) => metas.map((meta: Record<string, unknown>) => String((meta as { name?: string }).name)).join('+'))
    .join(', ');
  if (online === lastOnline) return;
  lastOnline = online;
  console.log(`* online: ${online}`);
});
channel.on('shout', (payload: { from?: string; body?: string }) => console.log(`${payload.from}: ${payload.body}`));

channel
  .join()
  .receive('ok', (response: { history?: { from: string; body: string }[] }) => {
    // With examples/chat/room.ts loaded, the join response carries the last messages.
    for (const message of response.history ?? []) console.log(`${message.from}: ${message.body}`);
    console.log(`* joined ${topic} as ${name}; type a message and press Enter`);
  })
  .receive('error', (reason: unknown) => {
    console.error('! join refused', reason);
    process.exit(1);
  });

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim().length === 0) return;
  channel
    .push('shout', { from: name, body: line })
    .receive('error', (reason: { reason?: string }) => console.error(`! ${reason.reason ?? 'error'}`));
});
input.on('close', () => {
  channel.leave().receive('ok', () => {
    socket.disconnect();
    process.exit(0);
  });
});

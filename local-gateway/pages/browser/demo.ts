/**
 * The demo page: a chat room with a live presence list, written as a user of topicast
 * would write it, with the official `phoenix` client and topicast's API Gateway transport.
 * Bundled by the local gateway at start (esbuild), served from /_topicast/demo.js.
 */
import { Presence, Socket, type Channel } from 'phoenix';
import { apiGatewayTransport } from 'topicast/client';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

const joinForm = byId<HTMLFormElement>('join');
const nameInput = byId<HTMLInputElement>('name');
const roomInput = byId<HTMLInputElement>('room');
const chat = byId<HTMLElement>('chat');
const status = byId<HTMLElement>('status');
const presenceList = byId<HTMLUListElement>('presence');
const messages = byId<HTMLOListElement>('messages');
const sendForm = byId<HTMLFormElement>('send');
const messageInput = byId<HTMLInputElement>('message');

nameInput.value = params.get('name') ?? `guest-${Math.floor(Math.random() * 1000)}`;
roomInput.value = params.get('room') ?? 'lobby';

// The gateway serves this page on its own port: the WebSocket endpoint is the same origin.
const endpoint = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
const token = params.get('token');
const socket = new Socket(endpoint, { transport: apiGatewayTransport(WebSocket), params: token ? { token } : {} });
socket.onError(() => setStatus('connection lost, retrying…'));
socket.onOpen(() => setStatus('connected'));

let channel: Channel | null = null;

function setStatus(text: string): void {
  status.textContent = text;
}

function addLine(text: string, kind: 'message' | 'notice'): void {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  messages.appendChild(item);
  item.scrollIntoView({ block: 'end' });
}

function join(name: string, room: string): void {
  if (!socket.isConnected()) socket.connect();
  const topic = `room:${room}`;
  const joined = socket.channel(topic, { meta: { name } });
  const presence = new Presence(joined);
  presence.onSync(() => {
    const people = presence.list((_key, { metas }) => ({ name: String(metas[0]?.name ?? '?'), tabs: metas.length }));
    presenceList.replaceChildren(
      ...people
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(({ name: who, tabs }) => {
          const item = document.createElement('li');
          item.textContent = tabs > 1 ? `${who} (${tabs} tabs)` : who;
          return item;
        }),
    );
  });
  presence.onJoin((_key, current, joinedMeta) => {
    if (!current) addLine(`${String(joinedMeta.metas[0]?.name ?? 'someone')} joined`, 'notice');
  });
  presence.onLeave((_key, current, left) => {
    if (current.metas.length === 0) addLine(`${String(left.metas[0]?.name ?? 'someone')} left`, 'notice');
  });
  joined.on('shout', (payload: { from?: unknown; body?: unknown }) => addLine(`${String(payload.from)}: ${String(payload.body)}`, 'message'));
  joined
    .join()
    .receive('ok', () => {
      channel = joined;
      setStatus(`joined ${topic} as ${name}`);
      joinForm.hidden = true;
      chat.hidden = false;
      messageInput.focus();
    })
    .receive('error', (reply: { reason?: string }) => setStatus(`join refused: ${reply.reason ?? 'unknown'}`));
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  join(nameInput.value.trim() || 'guest', roomInput.value.trim() || 'lobby');
});

sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const body = messageInput.value.trim();
  if (!channel || body === '') return;
  channel
    .push('shout', { from: nameInput.value.trim(), body })
    .receive('error', (reply: { reason?: string }) => setStatus(`not sent: ${reply.reason ?? 'unknown'}`));
  messageInput.value = '';
});

if (params.has('name')) join(nameInput.value, roomInput.value);

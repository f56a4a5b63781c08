/**
 * The demo page: a chat room with a live presence list, written as a user of topicast
 * would write it, with the official `phoenix` client and topicast's API Gateway transport.
 * Bundled by the local gateway at start (esbuild), served from /_topicast/demo.js.
 *
 * Its topics are `demo:<room>`, a namespace of its own: channel modules loaded with
 * `--channel` (the README's room.ts and examples/chat both take `room:*`) then change
 * nothing here. Its join still sends `name` besides the presence meta, so a module a user
 * puts on `demo:*` that wants a name gets one; any other refusal is shown with its reason.
 */
import { Presence, Socket, type Channel } from 'phoenix';
import { apiGatewayTransport } from 'topicast/client';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

const joinForm = byId<HTMLFormElement>('join');
const nameInput = byId<HTMLInputElement>('name');
const roomInput = byId<HTMLInputElement>('room');
const chat = byId<HTMLElement>('chat');
const roomTitle = byId<HTMLElement>('room-title');
const leaveButton = byId<HTMLButtonElement>('leave');
const status = byId<HTMLElement>('status');
const presenceList = byId<HTMLUListElement>('presence');
const messages = byId<HTMLOListElement>('messages');
const sendForm = byId<HTMLFormElement>('send');
const messageInput = byId<HTMLInputElement>('message');

nameInput.value = params.get('name') ?? localStorage.getItem('topicast-demo-name') ?? `guest-${Math.floor(Math.random() * 1000)}`;
roomInput.value = params.get('room') ?? 'lobby';

// The gateway serves this page on its own port: the WebSocket endpoint is the same origin.
const endpoint = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
const token = params.get('token');
const socket = new Socket(endpoint, { transport: apiGatewayTransport(WebSocket), params: token ? { token } : {} });
socket.onError(() => setStatus('connection lost, retrying…', 'error'));
socket.onOpen(() => {
  if (!current) setStatus('connected: pick a name and a room');
});

interface Joined {
  readonly channel: Channel;
  readonly name: string;
  readonly topic: string;
}
let current: Joined | null = null;

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = text;
  status.className = kind === 'error' ? 'error' : 'muted';
}

function addMessage(from: string, body: string, mine: boolean): void {
  const item = document.createElement('li');
  item.className = mine ? 'message mine' : 'message';
  const sender = document.createElement('span');
  sender.className = 'from';
  sender.textContent = from;
  item.append(sender, document.createTextNode(body));
  // The accessible text a test (or a screen reader) reads: "alice: hello".
  item.setAttribute('aria-label', `${from}: ${body}`);
  item.dataset.text = `${from}: ${body}`;
  appendLine(item);
}

function addNotice(text: string): void {
  const item = document.createElement('li');
  item.className = 'notice';
  item.textContent = text;
  appendLine(item);
}

function appendLine(item: HTMLLIElement): void {
  messages.appendChild(item);
  messages.scrollTop = messages.scrollHeight;
}

/** Presence by name: two tabs of one name are one person with 2 connections, not "alice, alice". */
function renderPresence(presence: Presence): void {
  const byName = new Map<string, number>();
  presence.list((_key, { metas }) => {
    for (const meta of metas) {
      const who = typeof meta.name === 'string' ? meta.name : '?';
      byName.set(who, (byName.get(who) ?? 0) + 1);
    }
  });
  presenceList.replaceChildren(
    ...[...byName]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([who, connections]) => {
        const item = document.createElement('li');
        item.dataset.name = who;
        item.append(who);
        if (connections > 1) {
          const tabs = document.createElement('span');
          tabs.className = 'tabs';
          tabs.textContent = ` (${connections} tabs)`;
          item.append(tabs);
        }
        return item;
      }),
  );
}

function join(name: string, room: string): void {
  if (!socket.isConnected()) socket.connect();
  leave();
  const topic = `demo:${room}`;
  const channel = socket.channel(topic, { name, meta: { name } });
  const presence = new Presence(channel);
  // The first presence_state lists who was already there: no "joined" notice for them.
  let synced = false;
  presence.onSync(() => {
    renderPresence(presence);
    synced = true;
  });
  presence.onJoin((_key, existing, joined) => {
    if (!existing && synced) addNotice(`${String(joined.metas[0]?.name ?? 'someone')} joined`);
  });
  presence.onLeave((_key, remaining, left) => {
    if (remaining.metas.length === 0) addNotice(`${String(left.metas[0]?.name ?? 'someone')} left`);
  });
  channel.on('shout', (payload: { from?: unknown; body?: unknown }) => {
    const from = String(payload.from ?? '?');
    addMessage(from, String(payload.body ?? ''), from === name);
  });
  setStatus(`joining ${topic}…`);
  channel
    .join()
    .receive('ok', () => {
      current = { channel, name, topic };
      localStorage.setItem('topicast-demo-name', name);
      messages.replaceChildren();
      roomTitle.textContent = `#${room}`;
      setStatus(`joined ${topic} as ${name}`);
      joinForm.hidden = true;
      chat.hidden = false;
      messageInput.focus();
    })
    .receive('error', (reply: { reason?: string; message?: string }) => {
      // Stop the client's automatic rejoin of a refused topic.
      void channel.leave();
      setStatus(`join refused: ${reply.reason ?? 'unknown'}${reply.message ? ` (${reply.message})` : ''}. A channel module or topicRules on ${topic} decide who may join.`, 'error');
    })
    .receive('timeout', () => setStatus(`no answer to the join of ${topic}: is the gateway running?`, 'error'));
}

function leave(): void {
  if (!current) return;
  void current.channel.leave();
  current = null;
  presenceList.replaceChildren();
  chat.hidden = true;
  joinForm.hidden = false;
  setStatus('left the room');
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  join(nameInput.value.trim() || 'guest', roomInput.value.trim() || 'lobby');
});

leaveButton.addEventListener('click', () => {
  leave();
  roomInput.focus();
});

sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const body = messageInput.value.trim();
  if (body === '') return;
  if (!current) {
    setStatus('join a room before sending', 'error');
    return;
  }
  current.channel
    .push('shout', { from: current.name, body })
    .receive('error', (reply: { reason?: string }) => setStatus(`not sent: ${reply.reason ?? 'unknown'}`, 'error'))
    .receive('timeout', () => setStatus('not sent: no answer from the gateway', 'error'));
  messageInput.value = '';
});

if (params.has('name')) join(nameInput.value, roomInput.value);

/**
 * The real `pusher-js` client (Node build, unmodified) against what `npm start` runs (the
 * template runtime) with the Pusher protocol on, and the real `pusher` server SDK signing channel auth as a
 * Laravel or Node app server would.
 */
import PusherServer from 'pusher';
import { afterAll, afterEach, beforeAll } from 'vitest';
import PusherJs, { type Channel, type ChannelAuthorizationCallback, type Options } from 'pusher-js';
import { startTestGateway, type GatewayOptions, type RunningGateway } from '../support/template-gateway.js';

// pusher-js ships CommonJS typed as an ES module: its default import is the class at run time.
type PusherClass = (typeof import('pusher-js'))['default'];
export type Pusher = InstanceType<PusherClass>;
const Pusher = PusherJs as unknown as PusherClass;

export const PUSHER_APP = { appId: 'topicast-test', key: 'test-key', secret: 'test-secret-0123456789' } as const;

export const PUSHER_ENV = {
  TOPICAST_PUSHER_APP_ID: PUSHER_APP.appId,
  TOPICAST_PUSHER_KEY: PUSHER_APP.key,
  TOPICAST_PUSHER_SECRET: PUSHER_APP.secret,
} as const;

export function startPusherGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  return startTestGateway({ ...options, env: { ...PUSHER_ENV, ...options.env } });
}

/**
 * A Pusher gateway for the file's tests, and `track` for the pusher-js clients a test opens:
 * they are disconnected after each test, the gateway after the file.
 */
export function usePusherGateway(options: GatewayOptions = {}): { readonly gateway: RunningGateway; readonly track: (client: Pusher) => Pusher } {
  let gateway: RunningGateway | undefined;
  const clients: Pusher[] = [];
  beforeAll(async () => {
    gateway = await startPusherGateway(options);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await gateway?.end();
  });
  return {
    get gateway(): RunningGateway {
      if (!gateway) throw new Error('the Pusher gateway is not started yet (use it inside a test)');
      return gateway;
    },
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
}

/** How an app points pusher-js (or Echo's pusher broadcaster) at this gateway: `wsHost`/`wsPort`/`forceTLS` only. */
export function pusherConnectionOptions(gateway: Pick<RunningGateway, 'port'>): Pick<Options, 'cluster' | 'wsHost' | 'wsPort' | 'forceTLS' | 'enabledTransports' | 'disableStats'> {
  return { cluster: 'local', wsHost: '127.0.0.1', wsPort: gateway.port, forceTLS: false, enabledTransports: ['ws'], disableStats: true };
}

/**
 * What a backend does to broadcast: POST /publish (the publish Function URL, mounted on the
 * API's port as `npm start` serves it). Resolves once the message is delivered.
 */
export async function publish(gateway: Pick<RunningGateway, 'port'>, message: { topic: string; event: string; payload?: unknown }): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  if (response.status !== 200) throw new Error(`POST /publish answered ${response.status}: ${await response.text()}`);
}

/** The app server's side: the official SDK, with the app's own secret (or another, to forge). */
export function appServer(secret: string = PUSHER_APP.secret): PusherServer {
  return new PusherServer({ appId: PUSHER_APP.appId, key: PUSHER_APP.key, secret, useTLS: false, host: '127.0.0.1' });
}

/** What a presence member tells the auth endpoint. */
export interface Member {
  readonly user_id: string;
  readonly user_info?: Record<string, unknown>;
}

/**
 * pusher-js as an app configures it for this gateway: `wsHost`/`wsPort`/`forceTLS` only,
 * with channel auth answered by the SDK in place of an HTTP auth endpoint.
 */
export function pusherClient(gateway: Pick<RunningGateway, 'port'>, options: { member?: Member; secret?: string; key?: string; extra?: Partial<Options> } = {}): Pusher {
  const server = appServer(options.secret);
  return new Pusher(options.key ?? PUSHER_APP.key, {
    ...pusherConnectionOptions(gateway),
    channelAuthorization: {
      endpoint: 'unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }: { socketId: string; channelName: string }, callback: ChannelAuthorizationCallback) => {
        const signed = channelName.startsWith('presence-') ? server.authorizeChannel(socketId, channelName, options.member ?? { user_id: socketId }) : server.authorizeChannel(socketId, channelName);
        callback(null, signed);
      },
    },
    ...options.extra,
  });
}

export function connected(client: Pusher, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pusher-js did not connect within ${timeoutMs} ms (state ${client.connection.state})`)), timeoutMs);
    if (client.connection.state === 'connected') {
      clearTimeout(timer);
      resolve(client.connection.socket_id);
      return;
    }
    client.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve(client.connection.socket_id);
    });
  });
}

/** Resolves with the subscription's data, rejects with its error. */
export function subscribed(client: Pusher, channelName: string, timeoutMs = 5000): Promise<{ channel: Channel; data: unknown }> {
  const channel = client.subscribe(channelName);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription_succeeded for ${channelName} within ${timeoutMs} ms`)), timeoutMs);
    channel.bind('pusher:subscription_succeeded', (data: unknown) => {
      clearTimeout(timer);
      resolve({ channel, data });
    });
    channel.bind('pusher:subscription_error', (error: unknown) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`subscription to ${channelName} refused: ${JSON.stringify(error)}`), { data: error }));
    });
  });
}

/** The next `event` on `channel`. */
export function nextEvent<T = unknown>(channel: Channel, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} on ${channel.name} within ${timeoutMs} ms`)), timeoutMs);
    const handler = (data: T) => {
      clearTimeout(timer);
      channel.unbind(event, handler);
      resolve(data);
    };
    channel.bind(event, handler);
  });
}

let counter = 0;
export function uniqueChannel(kind: 'public' | 'private' | 'presence'): string {
  counter += 1;
  const name = `e2e-${process.pid}-${counter}`;
  return kind === 'public' ? `chat-${name}` : `${kind}-${name}`;
}

/**
 * Laravel Echo (the real npm package, unmodified) with `broadcaster: 'pusher'` and the real
 * pusher-js, configured as a Laravel app configures it for this gateway (`wsHost`, `wsPort`,
 * `forceTLS`), authorizing presence channels at an HTTP auth endpoint that answers as
 * Laravel's `/broadcasting/auth` does: the `pusher` SDK's `authorizeChannel`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Echo from 'laravel-echo';
import PusherJs from 'pusher-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../support/template-gateway.js';
import { appServer, PUSHER_APP, pusherConnectionOptions, startPusherGateway } from './pusher-support.js';

interface User {
  readonly id: string;
  readonly name: string;
}

let gateway: RunningGateway;
let authServer: Server;
let authEndpoint: string;
const echoes: Echo<'pusher'>[] = [];

beforeAll(async () => {
  gateway = await startPusherGateway();
  const sdk = appServer();
  // The app's auth endpoint: who the user is comes from its session; here, a header.
  authServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const user = JSON.parse(String(request.headers['x-test-user'])) as User;
      const signed = sdk.authorizeChannel(form.get('socket_id') ?? '', form.get('channel_name') ?? '', { user_id: user.id, user_info: { name: user.name } });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signed));
    });
  });
  await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve));
  authEndpoint = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}/broadcasting/auth`;
});

afterEach(() => {
  for (const echo of echoes.splice(0)) echo.disconnect();
});

afterAll(async () => {
  await new Promise((resolve) => authServer?.close(resolve));
  await gateway?.end();
});

function echoFor(user: User): Echo<'pusher'> {
  const echo = new Echo({
    broadcaster: 'pusher',
    Pusher: PusherJs,
    key: PUSHER_APP.key,
    ...pusherConnectionOptions(gateway),
    authEndpoint,
    auth: { headers: { 'x-test-user': JSON.stringify(user) } },
  });
  echoes.push(echo);
  return echo;
}

function until<T>(what: string, register: (resolve: (value: T) => void) => void, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

let counter = 0;

describe('Laravel Echo with broadcaster pusher', () => {
  it('gets here, joining and leaving on a presence channel', async () => {
    // Prepare
    counter += 1;
    const room = `chat.${process.pid}.${counter}`;
    const taylor = echoFor({ id: '1', name: 'Taylor' });
    const joining: User[] = [];
    const channel = taylor.join(room).joining((user: User) => joining.push(user));
    const hereAtFirst = await until<User[]>('here for Taylor', (resolve) => channel.here(resolve));
    const leaving = until<User>('leaving', (resolve) => channel.leaving(resolve));
    const joined = until<void>('joining', (resolve) => channel.joining(() => resolve()));

    // Act
    const abigail = echoFor({ id: '2', name: 'Abigail' });
    const hereForAbigail = await until<User[]>('here for Abigail', (resolve) => abigail.join(room).here(resolve));
    await joined;
    abigail.leave(room);
    const left = await leaving;

    // Assess
    expect(hereAtFirst).toEqual([{ name: 'Taylor' }]);
    expect(hereForAbigail.map((user) => user.name).sort()).toEqual(['Abigail', 'Taylor']);
    expect(joining).toEqual([{ name: 'Abigail' }]);
    expect(left).toEqual({ name: 'Abigail' });
  });
});

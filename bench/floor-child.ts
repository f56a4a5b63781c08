/**
 * The floor: a bare single-process `ws` broadcast with no storage, no routing, no HTTP
 * hop. Clients connect to `/sub`; a client on `/pub` sends `{"n":N,"frame":...}` and the
 * server sends `frame` to the first N subscribers. Nothing topicast does can be faster.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const subscribers: WebSocket[] = [];
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });

server.on('connection', (socket, request) => {
  if (request.url === '/pub') {
    socket.on('message', (data) => {
      const { n, frame } = JSON.parse(data.toString()) as { n: number; frame: string };
      for (let i = 0; i < n && i < subscribers.length; i += 1) (subscribers[i] as WebSocket).send(frame);
    });
    return;
  }
  subscribers.push(socket);
  socket.on('close', () => subscribers.splice(subscribers.indexOf(socket), 1));
});

server.on('listening', () => {
  process.send?.({ type: 'ready', url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('disconnect', () => process.exit(0));

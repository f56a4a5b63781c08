/**
 * One port for plain and TLS connections, as a client of API Gateway sees one host for
 * `wss://` and `https://`: the first byte of a connection tells them apart (22 opens a TLS
 * handshake; an HTTP request line starts with a letter). Both end up in the same HTTP
 * server, so `ws://` and `wss://` clients, the Management API over `https://{domainName}/{stage}`
 * and AWS_ENDPOINT_URL's plain `http://` all share it.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { LocalCertificate } from './local-certificate.js';

const TLS_HANDSHAKE = 0x16;

export async function listenPlainAndTls(http: HttpServer, certificate: LocalCertificate, port: number, host: string): Promise<{ server: NetServer; port: number }> {
  const tls = createTlsServer({ key: certificate.key, cert: certificate.cert }, (secure) => http.emit('connection', secure));
  tls.on('tlsClientError', () => undefined);
  const server = createNetServer((socket: Socket) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      // The TLS socket takes the bytes already read from the buffer and then reads the
      // handle itself: resuming this socket would steal its records.
      if (first[0] === TLS_HANDSHAKE) tls.emit('connection', socket);
      else {
        http.emit('connection', socket);
        socket.resume();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * The reference echo peer: npm `ws` on an http or https server (127.0.0.1, port 0).
 *   any path                      echo, same opcode
 *   /close?code=4001&reason=bye   server closes with that code right after open
 *   /push?count=N&size=S          N binary messages of S bytes (patternBuffer(S, i)), then close 1000
 *   /headers                      first message: JSON of the request headers, then echo
 *   /peer                         first message: JSON {remoteAddress, clientCn}, then echo
 * Non-upgrade HTTP requests get `200 ok`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { patternBuffer } from '../helpers/pattern.js';

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

export const WS_ECHO_MAX_PAYLOAD = 64 * 1024 * 1024;

export interface EchoOptions {
  /** Require a client certificate signed by this CA (mutual TLS). */
  clientCa?: string;
  /** Listen on this Unix domain socket path instead of 127.0.0.1:0. */
  unixSocket?: string;
}

export async function startWsEcho(tls?: { cert: string; key: string }, options: EchoOptions = {}): Promise<EchoServer> {
  const onRequest: http.RequestListener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  };
  const server: http.Server | https.Server = tls
    ? https.createServer(
        options.clientCa
          ? { cert: tls.cert, key: tls.key, ca: options.clientCa, requestCert: true, rejectUnauthorized: true }
          : { cert: tls.cert, key: tls.key },
        onRequest,
      )
    : http.createServer(onRequest);
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: WS_ECHO_MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
  });
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://echo.invalid');
    if (url.pathname === '/close') {
      ws.close(Number(url.searchParams.get('code') ?? 1000), url.searchParams.get('reason') ?? '');
      return;
    }
    if (url.pathname === '/push') {
      const count = Number(url.searchParams.get('count') ?? 10);
      const size = Number(url.searchParams.get('size') ?? 16);
      for (let i = 0; i < count; i++) ws.send(patternBuffer(size, i), { binary: true });
      ws.close(1000, 'pushed');
      return;
    }
    if (url.pathname === '/headers') ws.send(JSON.stringify(req.headers));
    if (url.pathname === '/peer') {
      // Who connected: the TCP peer address and, under mutual TLS, the client certificate's CN.
      const socket = req.socket as import('node:tls').TLSSocket;
      const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      ws.send(JSON.stringify({ remoteAddress: req.socket.remoteAddress ?? '', clientCn: cert?.subject?.CN ?? '' }));
    }
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  });
  if (options.unixSocket) await new Promise<void>((resolve) => server.listen(options.unixSocket, resolve));
  else await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = options.unixSocket ? 0 : (server.address() as AddressInfo).port;
  return {
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

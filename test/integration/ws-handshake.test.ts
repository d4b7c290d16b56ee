/**
 * The scripts' one raw-socket handshake responder (test/install/ws-handshake.mjs), through the
 * peers that use it: the install test's echo server and the benchmark's peer.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';

// Plain JavaScript modules (the install test runs them without a compiler): typed here.
interface UpgradeRequest {
  target: string;
  headers: Record<string, string>;
  key: string;
  rest: Buffer;
}
interface HandshakeModule {
  acceptKey(key: string): string;
  readUpgradeRequest(buffer: Buffer): UpgradeRequest | null;
  switchingProtocols(key: string, extra?: { protocol?: string; extensions?: string }): string;
}
type Peer = { port: number; url: string; close(): Promise<void> | void };
const ROOT = path.resolve(__dirname, '../..');
const load = (file: string): Promise<unknown> => import(pathToFileURL(path.join(ROOT, file)).href);
let hs: HandshakeModule;
beforeAll(async () => {
  hs = (await load('test/install/ws-handshake.mjs')) as HandshakeModule;
});

/** The raw answer of a peer to `request`, up to the end of its head or the socket's end. */
function rawAnswer(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
  });
}

describe('ws-handshake.mjs', () => {
  it("acceptKey is RFC 6455's example; switchingProtocols adds protocol and extensions only when given", () => {
    expect(hs.acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const plain = hs.switchingProtocols('dGhlIHNhbXBsZSBub25jZQ==');
    expect(plain).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    const full = hs.switchingProtocols('k', { protocol: 'chat', extensions: 'permessage-deflate' });
    expect(full).toContain('\r\nSec-WebSocket-Protocol: chat\r\n');
    expect(full).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate\r\n');
  });

  it('readUpgradeRequest: null until the head is complete; the rest is what follows it; no key unless an upgrade GET', () => {
    const head = 'GET /flood?n=1 HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key: abc\r\n\r\n';
    expect(hs.readUpgradeRequest(Buffer.from(head.slice(0, -2)))).toBeNull();
    const r = hs.readUpgradeRequest(Buffer.concat([Buffer.from(head), Buffer.from([0x81, 0x00])]))!;
    expect(r.target).toBe('/flood?n=1');
    expect(r.key).toBe('abc');
    expect(r.headers.host).toBe('x');
    expect([...r.rest]).toEqual([0x81, 0x00]);
    expect(hs.readUpgradeRequest(Buffer.from(head.replace('GET', 'POST')))!.key).toBe('');
    expect(hs.readUpgradeRequest(Buffer.from(head.replace('Upgrade: WebSocket\r\n', '')))!.key).toBe('');
  });
});

describe('the peers built on it', () => {
  let echo: Peer;
  let bench: Omit<Peer, 'url'>;
  beforeAll(async () => {
    const { startEchoServer } = (await load('test/install/echo-server.mjs')) as { startEchoServer(): Promise<Peer> };
    const { startServer } = (await load('scripts/bench/server.mjs')) as { startServer(): Promise<Omit<Peer, 'url'>> };
    echo = await startEchoServer();
    bench = await startServer();
  });
  afterAll(async () => {
    await echo.close();
    bench.close();
  });

  it('the echo server: picks the first subprotocol offered and echoes text', async () => {
    const conn = await connect(echo.url, { protocols: ['b', 'a'] });
    expect(conn.protocol).toBe('b');
    const got = new Promise((resolve) => conn.once('message', (data, isBinary) => resolve([data, isBinary])));
    await conn.send('héllo');
    expect(await got).toEqual(['héllo', false]);
    await conn.close(1000);
  });

  it('the benchmark peer: /echo answers a text message', async () => {
    const conn = await connect(`ws://127.0.0.1:${bench.port}/echo`);
    const got = new Promise((resolve) => conn.once('message', (data) => resolve(data)));
    await conn.send('ping me');
    expect(await got).toBe('ping me');
    await conn.close(1000);
  });

  it.each(['echo', 'bench'] as const)('the %s peer answers a GET without Upgrade with 400', async (which) => {
    const port = which === 'echo' ? echo.port : bench.port;
    const answer = await rawAnswer(port, 'GET /echo HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: abc\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
  });
});

/**
 * curl_ws_recv() reads the rest of a data frame's payload straight into the caller's buffer when
 * its receive buffer is empty (scripts/curl-patches/0003-ws-recv-payload-direct.patch). A raw TCP
 * server writes frames in pieces, pausing between them so the client's buffer runs empty in the
 * middle of payloads, and ends payloads in the same write as the frames that follow (a read that
 * went past a payload would swallow them). Checked: every chunk's metadata (offset, bytesleft,
 * flags) continues the frame exactly, the bytes are the ones sent, and the frames after each
 * payload arrive intact — through wsRecv() with small and large buffers, and through connect() on
 * both receive paths (libcurl's decoder, and curlws's own parser when permessage-deflate is
 * offered), over ws: and wss: (where a read returns at most one decrypted TLS record). A peer
 * that closes in the middle of a payload read that way ends the connection with 1006, and the
 * cut message is never delivered.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURLE_AGAIN, CURLE_OK, CURLWS_BINARY, CURLWS_CONT, CURLWS_TEXT, Easy } from '../../lib/curl';
import { connect } from '../../lib/index.js';
import { patternBuffer } from '../helpers/pattern.js';
import { rawFrame as frame } from '../servers/raw-server.js';
import { generatePki } from '../servers/tls-certs.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const BIG = 300_000;
const SECOND = 70_000;

const big = patternBuffer(BIG, 1);
const second = patternBuffer(SECOND, 2);
const bigFrame = frame(0x82, big);
const secondFrame = frame(0x82, second);
// After the big payload, in the same write as its last bytes: a PING, a fragmented TEXT, an empty
// BINARY, then the second frame's head alone.
const afterBig = Buffer.concat([
  frame(0x89, Buffer.from('p')),
  frame(0x01, Buffer.from('af')),
  frame(0x80, Buffer.from('ter')),
  frame(0x82, Buffer.alloc(0)),
  secondFrame.subarray(0, 10),
]);
const tail = frame(0x81, Buffer.from('end'));

/** The stream the server writes after the 101, as separate writes with pauses between them. */
function pieces(): Buffer[] {
  const out: Buffer[] = [bigFrame.subarray(0, 10 + 1000)];
  for (let at = 10 + 1000; at < bigFrame.length; at += 50_000) {
    const end = Math.min(at + 50_000, bigFrame.length);
    out.push(end === bigFrame.length ? Buffer.concat([bigFrame.subarray(at, end), afterBig]) : bigFrame.subarray(at, end));
  }
  const rest = secondFrame.subarray(10);
  out.push(rest.subarray(0, 30_000), Buffer.concat([rest.subarray(30_000), tail]));
  return out;
}

type Scheme = 'ws' | 'wss';
/** What the server does after the 101: the whole stream, or the big frame cut in its middle. */
type Script = 'stream' | 'cut';
const servers: net.Server[] = [];
const ports: Record<Scheme, number> = { ws: 0, wss: 0 };
const sockets = new Set<net.Socket>();
let caPem = '';

async function play(socket: net.Socket, script: Script): Promise<void> {
  if (script === 'cut') {
    // The big frame's head and 100,000 of its 300,000 payload bytes, then the connection ends.
    socket.write(bigFrame.subarray(0, 10 + 1000));
    await new Promise((r) => setTimeout(r, 15));
    socket.end(bigFrame.subarray(10 + 1000, 10 + 100_000));
    return;
  }
  for (const p of pieces()) {
    if (socket.destroyed) return;
    socket.write(p);
    // Long enough for the client to drain its buffer: the case under test. The assertions hold
    // whatever the timing; only which path libcurl takes depends on it.
    await new Promise((r) => setTimeout(r, 15));
  }
}

function onConnection(socket: net.Socket): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  let head = '';
  const onData = (d: Buffer): void => {
    head += d.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.off('data', onData);
    const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
    const script: Script = /^GET \/cut /.test(head) ? 'cut' : 'stream';
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.on('data', () => {}); // the client's PONG/CLOSE
    void play(socket, script);
  };
  socket.on('data', onData);
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'curlws-recv-direct-'));
  try {
    const pki = generatePki(dir);
    caPem = pki.caPem;
    ports.ws = await listen(net.createServer(onConnection));
    ports.wss = await listen(tls.createServer({ cert: pki.serverCert, key: pki.serverKey }, onConnection));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
});

const urlOf = (scheme: Scheme, route = ''): string => `${scheme}://127.0.0.1:${ports[scheme]}/${route}`;
const tlsFor = (scheme: Scheme) => (scheme === 'wss' ? { tls: { ca: caPem } } : {});

interface Collected {
  flags: number;
  bytes: Buffer;
}

/** Reads data frames with wsRecv() into a `bufSize` buffer until "end", checking every chunk's metadata. */
async function readWithEasy(scheme: Scheme, bufSize: number): Promise<Collected[]> {
  const easy = new Easy();
  try {
    easy.setopt('CURLOPT_URL', urlOf(scheme));
    if (scheme === 'wss') easy.setopt('CURLOPT_CAINFO_BLOB', Buffer.from(caPem));
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await easy.perform();
    const buf = Buffer.alloc(bufSize);
    const frames: Collected[] = [];
    let parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const r = easy.wsRecv(buf);
      if (r.result === CURLE_AGAIN) {
        await easy.wsReadable();
        continue;
      }
      expect(r.result).toBe(CURLE_OK);
      const m = r.meta!;
      if (!(m.flags & (CURLWS_TEXT | CURLWS_BINARY))) continue; // PING (libcurl answers it)
      expect(m.offset).toBe(offset);
      expect(m.len).toBe(r.nread);
      parts.push(Buffer.from(buf.subarray(0, r.nread)));
      offset += r.nread;
      if (m.bytesleft === 0) {
        frames.push({ flags: m.flags, bytes: Buffer.concat(parts) });
        parts = [];
        offset = 0;
        if (frames.at(-1)!.bytes.toString() === 'end') return frames;
      }
    }
  } finally {
    easy.close();
  }
}

describe.each(['ws', 'wss'] as const)('curl_ws_recv() reading payload straight into the caller buffer (%s:)', (scheme) => {
  for (const bufSize of [13, 4096, 1 << 20]) {
    it(`wsRecv() with a ${bufSize}-byte buffer: every frame whole, in order, nothing read past a payload`, async () => {
      const frames = await readWithEasy(scheme, bufSize);
      expect(frames.map((f) => [f.flags & ~CURLWS_CONT, f.bytes.length])).toEqual([
        [CURLWS_BINARY, BIG],
        [CURLWS_TEXT, 2],
        [CURLWS_TEXT, 3],
        [CURLWS_BINARY, 0],
        [CURLWS_BINARY, SECOND],
        [CURLWS_TEXT, 3],
      ]);
      expect(frames[1]!.flags & CURLWS_CONT).toBe(CURLWS_CONT);
      expect(frames[0]!.bytes.equals(big)).toBe(true);
      expect(Buffer.concat([frames[1]!.bytes, frames[2]!.bytes]).toString()).toBe('after');
      expect(frames[4]!.bytes.equals(second)).toBe(true);
    });
  }

  for (const perMessageDeflate of [false, true]) {
    const receivePath = perMessageDeflate ? "curlws's parser, deflate offered" : "libcurl's decoder";
    it(`connect() (${receivePath}): the messages arrive intact`, async () => {
      const conn = await connect(urlOf(scheme), { perMessageDeflate, ...tlsFor(scheme) });
      const got: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        conn.on('message', (data: Buffer | string) => {
          got.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
          if (data === 'end') resolve();
        });
        conn.on('error', reject);
      });
      conn.close();
      expect(got.map((g) => g.length)).toEqual([BIG, 5, 0, SECOND, 3]);
      expect(got[0]!.equals(big)).toBe(true);
      expect(got[1]!.toString()).toBe('after');
      expect(got[3]!.equals(second)).toBe(true);
    });

    it(`connect() (${receivePath}): a peer that closes mid-payload ends it with 1006, the cut message undelivered`, async () => {
      const conn = await connect(urlOf(scheme, 'cut'), { perMessageDeflate, ...tlsFor(scheme) });
      let messages = 0;
      conn.on('message', () => messages++);
      conn.on('error', () => {}); // the transport error that comes with 1006
      const code = await new Promise<number>((r) => conn.once('close', r));
      expect(code).toBe(1006);
      expect(messages).toBe(0);
    });
  }
});

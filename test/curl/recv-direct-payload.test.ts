/**
 * curl_ws_recv() reads the rest of a data frame's payload straight into the caller's buffer when
 * its receive buffer is empty (scripts/curl-patches/0003-ws-recv-payload-direct.patch). A raw TCP
 * server writes frames in pieces, pausing between them so the client's buffer runs empty in the
 * middle of payloads, and ends payloads in the same write as the frames that follow (a read that
 * went past a payload would swallow them). Checked: every chunk's metadata (offset, bytesleft,
 * flags) continues the frame exactly, the bytes are the ones sent, and the frames after each
 * payload arrive intact — through wsRecv() with small and large buffers, and through connect() on
 * both receive paths (libcurl's decoder, and curlws's own parser when permessage-deflate is
 * offered).
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURLE_AGAIN, CURLE_OK, CURLWS_BINARY, CURLWS_CONT, CURLWS_TEXT, Easy } from '../../lib/curl';
import { connect } from '../../lib/index.js';
import { patternBuffer } from '../helpers/pattern.js';
import { rawFrame as frame } from '../servers/raw-server.js';

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

let server: net.Server;
let port = 0;
const sockets = new Set<net.Socket>();

async function play(socket: net.Socket): Promise<void> {
  for (const p of pieces()) {
    if (socket.destroyed) return;
    socket.write(p);
    // Long enough for the client to drain its buffer: the case under test. The assertions hold
    // whatever the timing; only which path libcurl takes depends on it.
    await new Promise((r) => setTimeout(r, 15));
  }
}

beforeAll(async () => {
  server = net.createServer((socket) => {
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
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.on('data', () => {}); // the client's PONG/CLOSE
      void play(socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

interface Collected {
  flags: number;
  bytes: Buffer;
}

/** Reads data frames with wsRecv() into a `bufSize` buffer until "end", checking every chunk's metadata. */
async function readWithEasy(bufSize: number): Promise<Collected[]> {
  const easy = new Easy();
  try {
    easy.setopt('CURLOPT_URL', `ws://127.0.0.1:${port}/`);
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

describe('curl_ws_recv() reading payload straight into the caller buffer', () => {
  for (const bufSize of [4096, 1 << 20]) {
    it(`wsRecv() with a ${bufSize}-byte buffer: every frame whole, in order, nothing read past a payload`, async () => {
      const frames = await readWithEasy(bufSize);
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
    it(`connect() (${perMessageDeflate ? "curlws's parser, deflate offered" : "libcurl's decoder"}): the messages arrive intact`, async () => {
      const conn = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
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
  }
});

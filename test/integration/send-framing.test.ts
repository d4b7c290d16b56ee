/**
 * The binding's own framer (native/protocol/send_queue.cc, frame_writer.cc): what the client puts on the
 * wire, byte for byte. A recording peer in this file (plain, TLS, or behind tinyproxy) parses
 * every frame the client sent, keeps the masking keys and unmasks the payloads itself, so these
 * tests see header encodings, keys and the exact order of frames, not only what an echo returns.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Connection } from '../../lib/index.js';
import { manyPayload, patternBuffer, sha256 } from '../helpers/pattern.js';
import { acceptKey } from '../servers/raw-server.js';

const proxies = inject('proxies');
const proxiesSkipReason = inject('proxiesSkipReason');

/** One frame as the client sent it. */
interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** the 7-bit length code in the second byte: the length itself, 126 or 127 */
  lengthCode: number;
  length: number;
  key: Buffer;
  payload: Buffer;
}

/** Everything one connection sent, once the client closed or dropped it. */
interface Recording {
  frames: WireFrame[];
  /** the first protocol problem the parser saw, if any */
  problem: string | undefined;
}

const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** Parses client frames from `buf`; returns the frames and how many bytes they used. */
function parseFrames(buf: Buffer, out: WireFrame[]): number {
  let pos = 0;
  for (;;) {
    if (buf.length - pos < 2) return pos;
    const b0 = buf[pos]!;
    const b1 = buf[pos + 1]!;
    const lengthCode = b1 & 0x7f;
    let header = 2;
    let length: number;
    if (lengthCode < 126) length = lengthCode;
    else if (lengthCode === 126) {
      if (buf.length - pos < 4) return pos;
      length = buf.readUInt16BE(pos + 2);
      header = 4;
    } else {
      if (buf.length - pos < 10) return pos;
      length = Number(buf.readBigUInt64BE(pos + 2));
      header = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const keyLen = masked ? 4 : 0;
    if (buf.length - pos < header + keyLen + length) return pos;
    const key = Buffer.from(buf.subarray(pos + header, pos + header + keyLen));
    const payload = Buffer.from(buf.subarray(pos + header + keyLen, pos + header + keyLen + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    out.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, lengthCode, length, key, payload });
    pos += header + keyLen + length;
  }
}

/** A peer that accepts the upgrade, records every frame, answers CLOSE with CLOSE and PING with nothing. */
class Recorder {
  readonly server: net.Server;
  #next: ((r: Recording) => void)[] = [];
  #done: Recording[] = [];
  #hold: { released: Promise<void>; closeFirst: number | undefined } | undefined;

  /**
   * The next connection reads nothing after the upgrade until `release()` (the client meets
   * backpressure); with `closeFirst` the peer then sends its CLOSE before reading on.
   */
  hold(closeFirst?: number): () => void {
    let release!: () => void;
    this.#hold = { released: new Promise<void>((resolve) => (release = resolve)), closeFirst };
    return release;
  }

  constructor(secure?: { cert: string; key: string }) {
    const onSocket = (socket: net.Socket): void => this.#serve(socket);
    this.server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The recording of the next connection to end (connections are used one at a time). */
  next(): Promise<Recording> {
    const ready = this.#done.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#next.push(resolve));
  }

  #serve(socket: net.Socket): void {
    let head = Buffer.alloc(0);
    let upgraded = false;
    const chunks: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const rec: Recording = { frames: [], problem: undefined };
    let finished = false;
    let closeSent = false;
    const hold = this.#hold;
    this.#hold = undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const waiter = this.#next.shift();
      if (waiter) waiter(rec);
      else this.#done.push(rec);
    };
    socket.on('data', (data: Buffer) => {
      if (!upgraded) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? '';
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
        );
        upgraded = true;
        data = head.subarray(end + 4);
        if (hold) {
          socket.pause();
          void hold.released.then(() => {
            if (hold.closeFirst !== undefined) {
              const code = Buffer.alloc(2);
              code.writeUInt16BE(hold.closeFirst);
              socket.write(Buffer.concat([Buffer.from([0x88, 2]), code]));
              closeSent = true;
            }
            socket.resume();
          });
        }
      }
      chunks.push(data);
      pending = Buffer.concat([pending, ...chunks.splice(0)]);
      const before = rec.frames.length;
      pending = pending.subarray(parseFrames(pending, rec.frames));
      for (const f of rec.frames.slice(before)) {
        if (!f.masked && !rec.problem) rec.problem = 'unmasked frame';
        if (f.opcode === OP.CLOSE) {
          const code = f.payload.length >= 2 ? f.payload.subarray(0, 2) : Buffer.alloc(0);
          if (closeSent) socket.end();
          else socket.end(Buffer.concat([Buffer.from([0x88, code.length]), code]));
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', finish);
  }
}

/** A self-signed certificate for 127.0.0.1 (an EC key: quick to make). */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'curlws-sendframing-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends, closes, and returns the data frames the peer recorded (the CLOSE checked and dropped). */
async function record(rec: Recorder, conn: Connection, send: (c: Connection) => Promise<unknown>): Promise<WireFrame[]> {
  const recording = rec.next();
  await send(conn);
  await conn.close(1000);
  const r = await recording;
  expect(r.problem).toBeUndefined();
  const last = r.frames.at(-1)!;
  expect([last.opcode, last.fin, last.payload.readUInt16BE(0)]).toEqual([OP.CLOSE, true, 1000]);
  return r.frames.slice(0, -1);
}

const LENGTHS = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 4 * 1024 * 1024 + 1, 9_000_001];

function lengthCodeOf(n: number): number {
  return n < 126 ? n : n <= 0xffff ? 126 : 127;
}

/** The same checks over every transport. */
function framingSuite(name: string, setup: () => { rec: Recorder; open(): Promise<Connection> }): void {
  describe(name, () => {
    it('encodes 0/125/126/65535/65536/large lengths in the shortest form, masked, with the payload intact', async () => {
      const { rec, open } = setup();
      const conn = await open();
      const sent = LENGTHS.map((n, i) => patternBuffer(n, i));
      const frames = await record(rec, conn, (c) => Promise.all(sent.map((b) => c.send(b))));
      expect(frames.map((f) => [f.opcode, f.fin, f.rsv, f.masked, f.lengthCode, f.length])).toEqual(
        LENGTHS.map((n) => [OP.BINARY, true, 0, true, lengthCodeOf(n), n]),
      );
      expect(frames.map((f) => sha256(f.payload))).toEqual(sent.map((b) => sha256(b)));
      expect(conn.stats()).toMatchObject({
        messagesSent: LENGTHS.length,
        bytesSent: LENGTHS.reduce((a, b) => a + b, 0),
        bufferedAmount: 0,
      });
    });

    it('packs thousands of small messages into few writes: all arrive, in order, each with its own key', async () => {
      const { rec, open } = setup();
      const conn = await open();
      const count = 5000;
      const sizes = Array.from({ length: count }, (_, i) => (i * 37) % 300);
      const frames = await record(rec, conn, (c) =>
        Promise.all(sizes.map((n, i) => (i % 2 ? c.send(manyPayload(i, n)) : c.send(`${i}:`.padEnd(Math.max(n, 8), 'x'))))),
      );
      expect(frames.length).toBe(count);
      frames.forEach((f, i) => {
        if (i % 2) expect([f.opcode, f.payload.equals(manyPayload(i, sizes[i]!))]).toEqual([OP.BINARY, true]);
        else expect([f.opcode, f.payload.toString()]).toEqual([OP.TEXT, `${i}:`.padEnd(Math.max(sizes[i]!, 8), 'x')]);
      });
      // RFC 6455 §5.3: a fresh key per frame. 5000 random 32-bit keys collide with p ≈ 0.003;
      // a per-connection or counter-based key would leave a handful of distinct values.
      expect(new Set(frames.map((f) => f.key.toString('hex'))).size).toBeGreaterThan(count - 5);
      expect(conn.stats()).toMatchObject({ messagesSent: count, bufferedAmount: 0 });
    });

    it('fin: false fragments go out as TEXT/CONT frames, with control frames only between them', async () => {
      const { rec, open } = setup();
      const conn = await open();
      const big = patternBuffer(300_000, 3);
      const frames = await record(rec, conn, async (c) => {
        const done = [c.send('Hel', { fin: false }), c.ping('p1'), c.send(big, { fin: false }), c.pong('p2'), c.send('lo')];
        await Promise.all(done);
      });
      expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([
        [OP.TEXT, false, 3],
        [OP.PING, true, 2],
        [OP.CONT, false, big.length],
        [OP.PONG, true, 2],
        [OP.CONT, true, 2],
      ]);
      expect(frames[2]!.payload.equals(big)).toBe(true);
      expect(frames.map((f) => f.key.toString('hex')).filter((k, i, all) => all.indexOf(k) !== i)).toEqual([]);
    });
  });
}

describe('the binding frames and masks what it sends', () => {
  const plain = new Recorder();
  const secureCert = selfSigned();
  const secure = new Recorder(secureCert);
  let plainPort = 0;
  let securePort = 0;

  beforeAll(async () => {
    plainPort = await plain.listen();
    securePort = await secure.listen();
  });
  afterAll(async () => {
    await plain.close();
    await secure.close();
  });

  framingSuite('ws:', () => ({ rec: plain, open: () => connect(`ws://127.0.0.1:${plainPort}/`) }));
  framingSuite('wss:', () => ({ rec: secure, open: () => connect(`wss://127.0.0.1:${securePort}/`, { tls: { ca: secureCert.cert } }) }));
  describe.skipIf(!proxies)(`through tinyproxy (CONNECT) ${proxiesSkipReason}`, () => {
    framingSuite('ws: via HTTP proxy', () => ({
      rec: plain,
      open: () => connect(`ws://127.0.0.1:${plainPort}/`, { proxy: proxies!.httpProxyUrl }),
    }));
  });

  /** Sends 100 KB messages until at least three of them wait in the engine's queue. */
  function fillUntilBlocked(conn: Connection): { sends: Promise<void>[]; payloads: Buffer[] } {
    const sends: Promise<void>[] = [];
    const payloads: Buffer[] = [];
    for (let i = 0; conn.bufferedAmount < 300_000; i++) {
      if (i > 2000) throw new Error('the socket never pushed back (200 MB accepted)');
      payloads.push(manyPayload(i, 100_000));
      sends.push(conn.send(payloads[i]!));
    }
    return { sends, payloads };
  }

  it('under backpressure a PING overtakes waiting messages at a frame boundary; all frames intact, then drain', async () => {
    const release = plain.hold();
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const { sends, payloads } = fillUntilBlocked(conn);
    const drained = new Promise<void>((resolve) => conn.once('drain', resolve));
    const pinged = conn.ping('urgent');
    release();
    const frames = await record(plain, conn, async () => {
      await Promise.all([...sends, pinged]);
      await drained;
    });
    const ping = frames.findIndex((f) => f.opcode === OP.PING);
    expect(ping).toBeGreaterThan(0);
    expect(ping).toBeLessThan(payloads.length - 2); // ahead of the messages still waiting
    const data = frames.filter((f) => f.opcode !== OP.PING);
    expect(data.length).toBe(payloads.length);
    expect(data.every((f, i) => f.opcode === OP.BINARY && f.fin && f.payload.equals(payloads[i]!))).toBe(true);
    expect(conn.bufferedAmount).toBe(0);
  });

  it('when the peer closes first under backpressure, waiting messages are dropped and rejected; the reply follows the frame in flight', async () => {
    const release = plain.hold(4001);
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const recording = plain.next();
    const { sends, payloads } = fillUntilBlocked(conn);
    const closed = new Promise<number[]>((resolve) => conn.once('close', (code, _r, clean) => resolve([code, Number(clean)])));
    release();
    const settled = await Promise.allSettled(sends);
    expect(await closed).toEqual([4001, 1]);
    const fulfilled = settled.filter((r) => r.status === 'fulfilled').length;
    expect(fulfilled).toBeGreaterThan(0);
    expect(fulfilled).toBeLessThan(payloads.length);
    // Every send after the first rejected one was rejected too, with ERR_WS_CLOSED.
    expect(settled.slice(fulfilled).every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_WS_CLOSED')).toBe(
      true,
    );
    const r = await recording;
    expect(r.problem).toBeUndefined();
    const data = r.frames.slice(0, -1);
    expect(data.length).toBe(fulfilled);
    expect(data.every((f, i) => f.opcode === OP.BINARY && f.payload.equals(payloads[i]!))).toBe(true);
    const reply = r.frames.at(-1)!;
    expect([reply.opcode, reply.payload.readUInt16BE(0)]).toEqual([OP.CLOSE, 4001]);
  });

  it('a PING waiting under backpressure when the peer closes goes out before the CLOSE reply, never after it', async () => {
    const release = plain.hold(4002);
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const recording = plain.next();
    const { sends } = fillUntilBlocked(conn);
    const pinged = conn.ping('queued').then(
      () => 'sent',
      (e: { code?: string }) => e.code,
    );
    const closed = new Promise<number[]>((resolve) => conn.once('close', (code, _r, clean) => resolve([code, Number(clean)])));
    release();
    await Promise.allSettled(sends);
    expect(await closed).toEqual([4002, 1]);
    const r = await recording;
    expect(r.problem).toBeUndefined();
    // RFC 6455 §5.5.1: the CLOSE is the last frame an endpoint sends.
    expect(r.frames.filter((f) => f.opcode === OP.CLOSE).length).toBe(1);
    const last = r.frames.at(-1)!;
    expect([last.opcode, last.payload.readUInt16BE(0)]).toEqual([OP.CLOSE, 4002]);
    expect(r.frames.filter((f) => f.opcode === OP.PING).map((f) => f.payload.toString())).toEqual(['queued']);
    expect(await pinged).toBe('sent');
  });

  it('a PING waiting in the middle of a block of small frames goes out before a CLOSE queued into the same block', async () => {
    const release = plain.hold();
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    // Batches small enough for one block each, until one of them is left half-written.
    const sends: Promise<void>[] = [];
    for (let batch = 0; conn.bufferedAmount === 0; batch++) {
      if (batch > 100_000) throw new Error('the socket never pushed back');
      for (let i = 0; i < 30; i++) sends.push(conn.send(manyPayload(batch * 30 + i, 100)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const pinged = conn.ping('between');
    const closing = conn.close(1000);
    release();
    const frames = await record(plain, conn, async () => {
      await Promise.all([...sends, pinged, closing]);
    });
    // record() checked that the CLOSE came last; the PING went out exactly once, before it.
    expect(frames.filter((f) => f.opcode === OP.PING).map((f) => f.payload.toString())).toEqual(['between']);
    expect(frames.filter((f) => f.opcode === OP.BINARY).length).toBe(sends.length);
  });

  it('a message queued right before terminate() still goes out if the socket takes it', async () => {
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const recording = plain.next();
    const sent = conn.send('last words');
    conn.terminate();
    await sent;
    const r = await recording;
    expect(r.frames.map((f) => [f.opcode, f.payload.toString()])).toEqual([[OP.TEXT, 'last words']]);
  });

  it('a CLOSE queued behind packed messages follows them; the sends all resolve first', async () => {
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const recording = plain.next();
    const order: string[] = [];
    const sends = [1, 2, 3].map((i) => conn.send(`m${i}`).then(() => order.push(`sent ${i}`)));
    const closed = conn.close(4000, 'bye').then(() => order.push('closed'));
    await Promise.all([...sends, closed]);
    const r = await recording;
    expect(r.frames.map((f) => [f.opcode, f.opcode === OP.CLOSE ? f.payload.readUInt16BE(0) : f.payload.toString()])).toEqual([
      [OP.TEXT, 'm1'],
      [OP.TEXT, 'm2'],
      [OP.TEXT, 'm3'],
      [OP.CLOSE, 4000],
    ]);
    expect(order).toEqual(['sent 1', 'sent 2', 'sent 3', 'closed']);
  });

  it('hashes of a message sent from a reused buffer match what was passed at send() time', async () => {
    // send() takes its copy (and masks it) at once: the caller may reuse the buffer right away.
    const conn = await connect(`ws://127.0.0.1:${plainPort}/`);
    const buf = Buffer.alloc(200_000, 1);
    const hashes: string[] = [];
    const frames = await record(plain, conn, (c) => {
      const all: Promise<void>[] = [];
      for (let i = 0; i < 5; i++) {
        buf.fill(i + 1);
        hashes.push(createHash('sha256').update(buf).digest('hex'));
        all.push(c.send(buf));
      }
      return Promise.all(all);
    });
    expect(frames.map((f) => sha256(f.payload))).toEqual(hashes);
  });
});

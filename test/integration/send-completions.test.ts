/**
 * Every send's outcome is told exactly once, in order, on every path: `connect().send()`'s
 * promise, `curlws/ws` callbacks (and none), the WHATWG `bufferedAmount`, `createWebSocketStream`
 * write callbacks. The connections are killed with messages still queued: a local `ws` server
 * stops reading (so the client's queue fills behind TCP) and then destroys its socket.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket as ServerSocket } from 'ws';
import { connect, createWebSocketStream } from '../../lib/index.js';
import { kPendingSends, kSendWithCallbacks } from '../../lib/core/connection.js';
import type { Connection } from '../../lib/core/connection.js';
import { WebSocket } from '../../lib/api/websocket.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import { startNodeChild } from '../helpers/child.js';
import { track } from '../helpers/conn.js';
import * as path from 'node:path';

/** One connection as the server sees it. */
interface Peer {
  socket: ServerSocket;
  /** payload bytes received so far */
  bytes: number;
  messages: number;
  /** stop reading: the client's sends back up into its own queue */
  pause(): void;
  resume(): void;
  /** drop the TCP connection without a CLOSE */
  kill(): void;
  /** drop it with a TCP RST */
  reset(): void;
  /** messages and PINGs in arrival order: `text:…`, `binary:<hex>`, `ping:…` */
  log: string[];
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex').slice(0, 16);

let servers: WebSocketServer[] = [];
const peers: Peer[] = [];

async function server(perMessageDeflate: boolean): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate, maxPayload: 256 << 20 });
  servers.push(wss);
  wss.on('connection', (socket: ServerSocket) => {
    socket.on('error', () => {});
    const raw = (socket as unknown as { _socket: Socket })._socket;
    const peer: Peer = {
      socket,
      bytes: 0,
      messages: 0,
      pause: () => raw.pause(),
      resume: () => raw.resume(),
      kill: () => raw.destroy(),
      reset: () => raw.resetAndDestroy(),
      log: [],
    };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      peer.bytes += data.length;
      peer.messages++;
      if (data.length <= 4096) peer.log.push(isBinary ? `binary:${data.toString('hex')}` : `text:${data}`);
      else peer.log.push(`${isBinary ? 'binary' : 'text'}:${data.length} bytes, sha ${sha(data)}`);
    });
    socket.on('ping', (data: Buffer) => peer.log.push(`ping:${data}`));
    peers.push(peer);
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  return `ws://127.0.0.1:${(wss as unknown as { address(): AddressInfo }).address().port}/`;
}

let url: string;
let deflateUrl: string;
beforeAll(async () => {
  url = await server(false);
  deflateUrl = await server(true);
});
afterAll(async () => {
  for (const wss of servers) {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
  servers = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (pred()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}
/** The peer of the newest connection, once the server has it. */
async function newestPeer(count: number): Promise<Peer> {
  await until(() => peers.length >= count, 'the server side of the connection');
  return peers[count - 1]!;
}

const BIG = Buffer.alloc(256 * 1024, 7);
/** Enough queued behind a paused peer that most of it is still in the client's queue. */
const QUEUED = 64;

/** Outcomes recorded in the order they arrived: the index of the send and its error, if any. */
type Outcome = { i: number; err?: Error & { code?: string } };

/** Sent ones first, failed ones after, each index once, in order, adding up to the total. */
function expectSettledInOrder(outcomes: Outcome[], total: number): { sent: number; failed: number } {
  expect(outcomes.map((o) => o.i)).toEqual(Array.from({ length: total }, (_, i) => i));
  const firstFailed = outcomes.findIndex((o) => o.err !== undefined);
  const sent = firstFailed === -1 ? total : firstFailed;
  for (const o of outcomes.slice(sent)) expect(o.err).toBeInstanceOf(Error);
  return { sent, failed: total - sent };
}

describe('connect().send() promises when the connection dies with messages queued', () => {
  it('each settles once, in order: the sent ones resolve, the rest reject with ERR_WS_CLOSED', async () => {
    const before = peers.length;
    const conn = await connect(url);
    conn.on('error', () => {});
    const peer = await newestPeer(before + 1);
    peer.pause();
    const outcomes: Outcome[] = [];
    const small = Array.from({ length: 100 }, (_, i) => i);
    for (let i = 0; i < QUEUED; i++) {
      conn.send(i % 2 ? BIG : `small ${small[i]}`).then(
        () => outcomes.push({ i }),
        (err: Error) => outcomes.push({ i, err }),
      );
    }
    await until(() => !conn.writable, 'backpressure');
    peer.kill();
    await new Promise((resolve) => conn.once('close', resolve));
    await sleep(0);
    const { failed } = expectSettledInOrder(outcomes, QUEUED);
    expect(failed).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => x.err)) expect(o.err!.code).toBe('ERR_WS_CLOSED');
    expect(conn[kPendingSends]).toBe(0);
  });

  it('sends from inside message, drain and close listeners settle like any other', async () => {
    const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(echo);
    echo.on('connection', (s: ServerSocket) => s.on('message', (d: Buffer, b: boolean) => s.send(d, { binary: b })));
    await new Promise((resolve) => echo.on('listening', resolve));
    const conn = await connect(`ws://127.0.0.1:${(echo as unknown as { address(): AddressInfo }).address().port}/`);
    const seen: string[] = [];
    conn.on('message', (data) => {
      if (String(data) === 'ping') conn.send('from message').then(() => seen.push('message: sent'));
    });
    const drained = new Promise<void>((resolve) =>
      conn.once('drain', () => {
        conn.send('from drain').then(() => {
          seen.push('drain: sent');
          resolve();
        });
      }),
    );
    const closed = new Promise<void>((resolve) =>
      conn.once('close', () => {
        conn.send('from close').catch((err: { code?: string }) => {
          seen.push(`close: ${err.code}`);
          resolve();
        });
      }),
    );
    await conn.send('ping');
    // Enough to meet backpressure against a reader that echoes everything back.
    while (conn.writable) void conn.send(BIG);
    await drained;
    await until(() => seen.includes('message: sent'), 'the send from the message listener');
    await conn.close();
    await closed;
    expect(seen.sort()).toEqual(['close: ERR_WS_CLOSED', 'drain: sent', 'message: sent']);
    expect(conn[kPendingSends]).toBe(0);
  });

  it('1,000,000 small sends then terminate(): every completion is told once, none retained', async () => {
    const conn = await connect(url);
    const total = 1_000_000;
    let sent = 0;
    let failed = 0;
    const onSent = (): void => {
      sent++;
    };
    const onFailed = (): void => {
      failed++;
    };
    const payload = Buffer.alloc(16, 1);
    // The path the wrappers take (no promise per message), then the promise path on top of it.
    let refused = 0;
    for (let i = 0; i < total; i++) if (conn[kSendWithCallbacks](payload, true, true, onSent, onFailed)) refused++;
    expect(refused).toBe(0);
    let resolved = 0;
    let rejected = 0;
    for (let i = 0; i < 100_000; i++)
      conn.send(payload).then(
        () => resolved++,
        () => rejected++,
      );
    conn.terminate();
    await new Promise((resolve) => conn.once('close', resolve));
    await sleep(0);
    expect(sent + failed).toBe(total);
    expect(resolved + rejected).toBe(100_000);
    expect(rejected).toBeGreaterThan(0);
    expect(conn[kPendingSends]).toBe(0);
  }, 60_000);
});

describe('curlws/ws send callbacks when the connection dies with messages queued', () => {
  it('each callback is called once, in order, sent ones without error, the rest with one', async () => {
    const before = peers.length;
    const ws = new WsWebSocket(url, { perMessageDeflate: false });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    const peer = await newestPeer(before + 1);
    peer.pause();
    const outcomes: Outcome[] = [];
    for (let i = 0; i < QUEUED; i++) ws.send(BIG, (err) => outcomes.push(err ? { i, err } : { i }));
    // and sends nobody listens to, in between: they hold their place in the queue
    for (let i = 0; i < 10; i++) ws.send('no callback');
    await until(() => ws.bufferedAmount > 4 * BIG.length, 'the queue to fill');
    peer.kill();
    await new Promise((resolve) => ws.once('close', resolve));
    await sleep(0);
    const { failed } = expectSettledInOrder(outcomes, QUEUED);
    expect(failed).toBeGreaterThan(0);
  });

  it('a callback may send, close or terminate from inside: every later callback still comes once', async () => {
    const ws = new WsWebSocket(url, { perMessageDeflate: false });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    const calls: string[] = [];
    ws.send('a', () => {
      calls.push('a');
      ws.send('a2', (err) => calls.push(`a2 ${err ? 'failed' : 'sent'}`));
    });
    ws.send('b', () => {
      calls.push('b');
      ws.close(1000);
    });
    ws.send('c', (err) => {
      calls.push(`c ${err ? 'failed' : 'sent'}`);
      ws.terminate();
    });
    await new Promise((resolve) => ws.once('close', resolve));
    await sleep(0);
    expect(calls.slice(0, 2)).toEqual(['a', 'b']);
    expect(calls).toHaveLength(4);
    expect(calls.filter((c) => c.startsWith('c '))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('a2 '))).toHaveLength(1);
  });
});

describe('a send callback that throws (curlws/ws, as ws)', () => {
  const script = `
const { IMPL, TARGET, WS_PACKAGE } = process.env;
const Ctor = IMPL === 'ws' ? require(WS_PACKAGE) : require(require('path').join(process.env.CURLWS_DIST, '../ws.js'));
const calls = [];
process.on('uncaughtException', (err) => calls.push('uncaught ' + err.message));
const ws = new Ctor(TARGET);
ws.on('error', () => {});
ws.on('open', () => {
  ws.send('1', () => {
    calls.push('cb 1');
    throw new Error('boom');
  });
  ws.send('2', (err) => calls.push('cb 2 ' + (err ? 'failed' : 'sent')));
  ws.send('3', (err) => {
    calls.push('cb 3 ' + (err ? 'failed' : 'sent'));
    setTimeout(() => {
      console.log(calls.join(', '));
      process.exit(0);
    }, 20);
  });
});
setTimeout(() => process.exit(1), 10000);
`;
  for (const impl of ['ws', 'curlws/ws']) {
    it(`${impl}: is an uncaught exception; the next callbacks still come, once`, async () => {
      const child = startNodeChild(script, {
        IMPL: impl,
        TARGET: url,
        WS_PACKAGE: path.resolve(__dirname, '../../node_modules/ws'),
      });
      const { code, out } = await child.exited;
      expect(out.trim()).toBe('cb 1, uncaught boom, cb 2 sent, cb 3 sent');
      expect(code).toBe(0);
    });
  }
});

describe('WHATWG bufferedAmount, step by step', () => {
  for (const [name, deflate] of [
    ['without compression', false],
    ['with permessage-deflate (counts the bytes given to send(), not the compressed ones)', true],
  ] as const) {
    it(name, async () => {
      const before = peers.length;
      const ws = new WebSocket(deflate ? deflateUrl : url);
      expect(ws.bufferedAmount).toBe(0);
      expect(() => ws.send('x')).toThrow(DOMException); // CONNECTING: not counted
      expect(ws.bufferedAmount).toBe(0);
      await new Promise((resolve) => ws.addEventListener('open', resolve));
      expect(ws.extensions !== '').toBe(deflate);
      const peer = await newestPeer(before + 1);

      // A burst of small sends: each counts at once, by its UTF-8 / byte length.
      let expected = 0;
      const sizes: number[] = [];
      for (let i = 0; i < 200; i++) {
        const data = i % 3 === 0 ? `é${'x'.repeat(i)}` : i % 3 === 1 ? new Uint8Array(i) : new ArrayBuffer(i + 1);
        ws.send(data);
        const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
        sizes.push(size);
        expected += size;
        expect(ws.bufferedAmount).toBe(expected);
      }
      await until(() => peer.messages === 200, 'the burst');
      await until(() => ws.bufferedAmount === 0, 'bufferedAmount back to 0');

      // Large sends under backpressure: counted whole until written, then down to 0.
      peer.pause();
      const big = new Uint8Array(randomBytes(BIG.length)); // incompressible: deflate cannot shrink it
      for (let i = 0; i < QUEUED; i++) {
        ws.send(big);
        expect(ws.bufferedAmount).toBe((i + 1) * big.length);
      }
      await sleep(50);
      const whilePaused = ws.bufferedAmount;
      expect(whilePaused).toBeGreaterThan(0);
      expect(whilePaused % big.length).toBe(0); // whole messages, as the standard counts them
      peer.resume();
      await until(() => peer.messages === 200 + QUEUED, 'the large sends');
      await until(() => ws.bufferedAmount === 0, 'bufferedAmount back to 0');

      // After close: every send still counts, and nothing is ever subtracted again.
      ws.close();
      ws.send('abc');
      expect(ws.bufferedAmount).toBe(3);
      await new Promise((resolve) => ws.addEventListener('close', resolve));
      ws.send(new Uint8Array(10));
      expect(ws.bufferedAmount).toBe(13);
      await sleep(20);
      expect(ws.bufferedAmount).toBe(13);
    });
  }

  it('when the connection dies with messages queued, what was not sent stays counted', async () => {
    const before = peers.length;
    const ws = new WebSocket(url);
    await new Promise((resolve) => ws.addEventListener('open', resolve));
    const peer = await newestPeer(before + 1);
    peer.pause();
    for (let i = 0; i < QUEUED; i++) ws.send(BIG);
    const total = QUEUED * BIG.length;
    expect(ws.bufferedAmount).toBe(total);
    await sleep(50);
    peer.kill();
    await new Promise((resolve) => ws.addEventListener('close', resolve));
    const left = ws.bufferedAmount;
    // Whole messages: the ones that never reached the kernel.
    expect(left % BIG.length).toBe(0);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(total);
    await sleep(20);
    expect(ws.bufferedAmount).toBe(left);
  });
});

describe('createWebSocketStream writes when the connection dies with chunks queued', () => {
  it('every write callback is called once, and the stream ends destroyed', async () => {
    const before = peers.length;
    const conn: Connection = await connect(url);
    conn.on('error', () => {});
    const peer = await newestPeer(before + 1);
    peer.pause();
    const duplex = createWebSocketStream(conn, { highWaterMark: 1 << 20 });
    const errors: Error[] = [];
    duplex.on('error', (err) => errors.push(err));
    const callbacks: Outcome[] = [];
    for (let i = 0; i < QUEUED; i++) duplex.write(BIG, (err) => callbacks.push(err ? { i, err } : { i }));
    await until(() => !conn.writable, 'backpressure');
    peer.kill();
    await new Promise((resolve) => duplex.once('close', resolve));
    await sleep(0);
    // Node calls the callbacks of writes it never handed over with the stream's error.
    expect(new Set(callbacks.map((c) => c.i)).size).toBe(callbacks.length);
    expect(callbacks).toHaveLength(QUEUED);
    expect(duplex.destroyed).toBe(true);
    expect(conn[kPendingSends]).toBe(0);
  });
});

/**
 * The engine writes the first small message of a synchronous run at once (an echo from a
 * 'message' handler, a lone send from a timer) and holds the rest of a burst for one write after
 * the run. Whichever way a message goes, the wire order is the issue order and completions come
 * later, oldest first, never from inside the send call.
 */
describe('lone sends written at once, bursts held', () => {
  /** A new synchronous run (and loop millisecond): its first small send is a lone one. */
  const nextRun = async (): Promise<void> => {
    await sleep(2);
  };

  for (const deflate of [false, true]) {
    const name = deflate ? 'with permessage-deflate' : 'without compression';

    it(`${name}: lone, burst, large, fragmented, PING and callback sends arrive byte-exact in issue order`, async () => {
      const before = peers.length;
      const conn = await connect(deflate ? deflateUrl : url, { perMessageDeflate: deflate });
      expect(conn.extensions !== '').toBe(deflate);
      const peer = await newestPeer(before + 1);
      const large = randomBytes(100 * 1024);
      const resolved: string[] = [];
      const issued: string[] = [];
      const send = (label: string, data: string | Buffer, options?: { fin?: boolean }): void => {
        issued.push(label);
        void conn.send(data, options).then(() => resolved.push(label));
      };
      let inSend = false;
      const callbackRanInside: boolean[] = [];
      const expected: string[] = [];

      await nextRun();
      send('lone-1', 'lone-1');
      expect(conn.bufferedAmount).toBe(0); // written at once
      expected.push('text:lone-1');

      await nextRun();
      send('b1', 'b1');
      send('b2', Buffer.from([1, 2, 3]));
      send('b3', 'b3');
      expect(conn.bufferedAmount).toBeGreaterThan(0); // the rest of the burst waits for the run's end
      expected.push('text:b1', 'binary:010203', 'text:b3');

      await nextRun();
      send('lone-2', 'lone-2');
      void conn.ping('p1');
      send('after-ping', 'after-ping');
      expected.push('text:lone-2', 'ping:p1', 'text:after-ping');

      await nextRun();
      send('large', large);
      send('after-large', 'after-large');
      expected.push(`binary:${large.length} bytes, sha ${sha(large)}`, 'text:after-large');

      await nextRun();
      send('frag-a', 'frag-a', { fin: false }); // a lone fragment
      await nextRun();
      send('frag-b', 'frag-b', { fin: false });
      send('frag-c', 'frag-c');
      expected.push('text:frag-afrag-bfrag-c');

      await nextRun();
      issued.push('cb-lone', 'cb-burst');
      inSend = true;
      conn[kSendWithCallbacks](Buffer.from([0xff, 0]), true, true, () => {
        callbackRanInside.push(inSend);
        resolved.push('cb-lone');
      });
      conn[kSendWithCallbacks]('cb-burst', false, true, () => {
        callbackRanInside.push(inSend);
        resolved.push('cb-burst');
      });
      inSend = false;
      expected.push('binary:ff00', 'text:cb-burst');

      await nextRun();
      send('last', 'last');
      const closed = conn.close(1000);
      expected.push('text:last');

      expect((await closed).code).toBe(1000);
      await sleep(0);
      expect(peer.log).toEqual(expected);
      expect(resolved).toEqual(issued);
      expect(callbackRanInside).toEqual([false, false]);
      expect(conn[kPendingSends]).toBe(0);
    });

    it(`${name}: bufferedAmount at each step of a lone send and a burst (Connection, WHATWG)`, async () => {
      const conn = await connect(deflate ? deflateUrl : url, { perMessageDeflate: deflate });
      await nextRun();
      const lone = conn.send('x'.repeat(1000));
      expect(conn.bufferedAmount).toBe(0);
      await lone;
      await nextRun();
      void conn.send('y'.repeat(1000));
      expect(conn.bufferedAmount).toBe(0);
      const held = conn.send('z'.repeat(1000));
      expect(conn.bufferedAmount).toBeGreaterThan(0);
      await held;
      expect(conn.bufferedAmount).toBe(0);
      await conn.close();

      const ws = new WebSocket(deflate ? deflateUrl : url);
      await new Promise((resolve) => ws.addEventListener('open', resolve));
      await nextRun();
      // The standard counts a message until its completion is reported, from a microtask: a lone
      // send written at once still counts right after send().
      ws.send('é'.repeat(10));
      expect(ws.bufferedAmount).toBe(20);
      ws.send(new Uint8Array(7));
      expect(ws.bufferedAmount).toBe(27);
      await sleep(0);
      expect(ws.bufferedAmount).toBe(0);
      ws.close();
      await new Promise((resolve) => ws.addEventListener('close', resolve));
    });
  }

  it('curlws/ws callbacks of lone and burst sends never run inside send(), and come in order', async () => {
    const ws = new WsWebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve) => ws.once('open', resolve));
    const calls: string[] = [];
    let inSend = false;
    const cb =
      (label: string) =>
      (err?: Error): void => {
        calls.push(`${label}${inSend ? ' INSIDE send()' : ''}${err ? ` ${err.message}` : ''}`);
      };
    await nextRun();
    inSend = true;
    ws.send('lone', cb('lone'));
    inSend = false;
    await nextRun();
    inSend = true;
    ws.send('burst-1', cb('burst-1'));
    ws.send('burst-2', cb('burst-2'));
    inSend = false;
    await sleep(10);
    expect(calls).toEqual(['lone', 'burst-1', 'burst-2']);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
  });

  it('a lone send that meets a full socket completes later, in order, with what was queued behind it', async () => {
    const before = peers.length;
    const conn = await connect(url);
    const t = track(conn);
    const peer = await newestPeer(before + 1);
    peer.pause();
    const chunk = (n: number): Buffer => Buffer.alloc(60 * 1024, n); // under 64 KiB: a small send
    const resolved: string[] = [];
    const issued: string[] = [];
    const expected: string[] = [];
    const send = (label: string, data: string | Buffer): void => {
      issued.push(label);
      expected.push(typeof data === 'string' ? `text:${data}` : `binary:${data.length} bytes, sha ${sha(data)}`);
      void conn.send(data).then(() => resolved.push(label));
    };
    // Lone sends, one per run, until one of them finds the socket full part-way through.
    let blocked = '';
    for (let n = 0; !blocked; n++) {
      if (n === 2000) throw new Error('the socket never filled');
      await nextRun();
      send(`chunk-${n}`, chunk(n));
      if (conn.bufferedAmount > 0) blocked = `chunk-${n}`;
    }
    await sleep(20);
    expect(resolved).toEqual(issued.slice(0, -1)); // every one before it, not it
    // Behind it, in one run: small sends and a PING (which may overtake data only because the
    // socket holds it back), then a lone send in the next run.
    send('behind-1', 'behind-1');
    send('behind-2', chunk(255));
    void conn.ping('while-blocked');
    await nextRun();
    send('behind-3', 'behind-3');
    expect(resolved).not.toContain(blocked);
    peer.resume();
    await until(() => resolved.length === issued.length, 'every send to resolve');
    await until(() => peer.messages === issued.length, 'every message at the peer');
    expect(resolved).toEqual(issued);
    expect(peer.log.filter((l) => !l.startsWith('ping:'))).toEqual(expected);
    expect(peer.log.filter((l) => l.startsWith('ping:'))).toEqual(['ping:while-blocked']);
    expect(t.types().filter((x) => x === 'drain')).toEqual(['drain']);
    await conn.close();
    expect(t.errors()).toEqual([]);
  });

  it('the peer resets the connection between two lone sends: the second fails with ERR_WS_CLOSED, the first arrived', async () => {
    const before = peers.length;
    const conn = await connect(url);
    const t = track(conn);
    const peer = await newestPeer(before + 1);
    await conn.send('first');
    await until(() => peer.messages === 1, 'the first message');
    peer.reset();
    // In the same run, before the engine has read anything: the second is written at once into
    // a socket the peer has reset, the third is held behind it.
    const second = conn.send('second').then(
      () => 'resolved',
      (err: Error & { code?: string }) => err.code,
    );
    const third = conn.send('third').then(
      () => 'resolved',
      (err: Error & { code?: string }) => err.code,
    );
    expect(await second).toBe('ERR_WS_CLOSED');
    expect(await third).toBe('ERR_WS_CLOSED');
    const closed = await t.closed;
    expect(closed.code).toBe(1006);
    expect(t.errors()).toHaveLength(1);
    expect(peer.log).toEqual(['text:first']);
    expect(conn[kPendingSends]).toBe(0);
    await expect(conn.send('after')).rejects.toMatchObject({ code: 'ERR_WS_CLOSED' });
  });
});

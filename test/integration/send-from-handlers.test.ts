/**
 * Sends issued from everywhere an application sends from: inside a 'message' handler (delivered
 * from inside the engine's dispatch), a 'drain' handler, a microtask, a setImmediate. Each goes
 * out exactly once and in the order it was issued, also when the handler throws, calls close()
 * or terminate(), or the connection fails in the same read. The echo peer sends back what it got,
 * in the order it got it, so the echoes are the wire order.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { runScript } from '../helpers/child.js';
import { track } from '../helpers/conn.js';
import { payloadOf, rawTarget, waitForClientClose, waitForSocketClosed } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');

describe('sends from handlers', () => {
  it('from a message handler, a microtask and a setImmediate: once each, in issue order, round after round', async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    const rounds = 50;
    const expected: string[] = [];
    for (let i = 0; i < rounds; i++) expected.push(`go${i}`, `h${i}a`, `h${i}d`, `h${i}b`, `h${i}c`);
    conn.on('message', (data) => {
      const s = String(data);
      if (s.startsWith('go')) {
        const i = s.slice(2);
        void conn.send(`h${i}a`);
        queueMicrotask(() => void conn.send(`h${i}b`));
        setImmediate(() => void conn.send(`h${i}c`));
        void conn.send(`h${i}d`);
      } else if (s.endsWith('c')) {
        const next = Number(s.slice(1, -1)) + 1;
        if (next < rounds) void conn.send(`go${next}`);
      }
    });
    void conn.send('go0');
    const got = await t.messagesAfter(expected.length);
    expect(got.map((m) => String(m.data))).toEqual(expected);
    await conn.close(1000);
    expect(t.messages()).toHaveLength(expected.length);
    expect(t.errors()).toEqual([]);
  });

  it('an echo loop: each reply from the message handler is written at once, a second one waits for the run to end', async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    const rounds = 200;
    const writtenAtOnce: boolean[] = [];
    const expected: string[] = [];
    for (let i = 0; i < rounds; i++) expected.push(`e${i}`, ...(i % 10 === 9 ? [`extra${i}`] : []));
    conn.on('message', (data) => {
      const i = Number(String(data).slice(1));
      if (Number.isNaN(i) || i + 1 >= rounds) return;
      void conn.send(`e${i + 1}`);
      // One message per read (the peer answers only what it got): the reply is the first send
      // of its dispatch and goes out before send() returns.
      writtenAtOnce.push(conn.bufferedAmount === 0);
      if ((i + 1) % 10 === 9) {
        void conn.send(`extra${i + 1}`);
        if (conn.bufferedAmount === 0) writtenAtOnce.push(false); // held until the dispatch ends
      }
    });
    void conn.send('e0');
    const got = await t.messagesAfter(expected.length);
    expect(got.map((m) => String(m.data))).toEqual(expected);
    expect(writtenAtOnce).toEqual(Array.from({ length: rounds - 1 }, () => true));
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });

  it('replies to many messages delivered by one read: once each, in order, every promise resolved in order', async () => {
    const count = 300;
    const r = rawTarget('/many', { count, size: 16 });
    const conn = await connect(r.url);
    const resolved: number[] = [];
    const expected: string[] = [];
    let n = 0;
    conn.on('message', () => {
      const i = n++;
      void conn.send(`r${i}`).then(() => resolved.push(i));
      expected.push(`r${i}`);
      if (i % 7 === 0) {
        void conn.send(Buffer.from([i & 0xff]), { fin: false });
        void conn.send(Buffer.from([0xee]));
      }
      if (n === count) void conn.close(1000);
    });
    const { log } = await waitForClientClose(r.id);
    const texts = log.received.filter((f) => f.opcode === 0x1).map((f) => payloadOf(f).toString());
    expect(texts).toEqual(expected);
    const binaries = log.received.filter((f) => f.opcode === 0x2 || f.opcode === 0x0);
    expect(binaries).toHaveLength(2 * Math.ceil(count / 7));
    expect(resolved).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it("from a 'drain' handler: once, after everything queued before it", async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    let drains = 0;
    conn.on('drain', () => {
      drains++;
      if (drains === 1) void conn.send('after-drain');
    });
    const sent = conn.send(big);
    expect(conn.bufferedAmount).toBeGreaterThan(0); // 8 MiB cannot all go into the socket at once
    await sent;
    const got = await t.messagesAfter(2);
    expect((got[0]!.data as Buffer).length).toBe(big.length);
    expect(String(got[1]!.data)).toBe('after-drain');
    await conn.close(1000);
    expect(drains).toBe(1);
    expect(t.messages()).toHaveLength(2);
  });

  it('close() in the message handler after a send: the send goes first, a later one rejects with ERR_WS_CLOSED', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    let late: Promise<unknown> | undefined;
    let first: Promise<void> | undefined;
    conn.once('message', () => {
      first = conn.send('before-close');
      void conn.close(1000);
      late = conn.send('after-close').then(
        () => 'resolved',
        (err: unknown) => err,
      );
    });
    void conn.send('go');
    const { log } = await waitForClientClose(r.id);
    await first;
    expect(await late).toMatchObject({ code: 'ERR_WS_CLOSED' });
    const texts = log.received.filter((f) => f.opcode === 0x1).map((f) => payloadOf(f).toString());
    expect(texts).toEqual(['go', 'before-close']);
    expect(log.received.findIndex((f) => f.opcode === 0x8)).toBe(2);
  });

  it('terminate() in the message handler after a send: the send still reaches the peer, once', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const t = track(conn);
    let queued: Promise<void> | undefined;
    conn.once('message', () => {
      queued = conn.send('last-words');
      conn.terminate();
    });
    void conn.send('go');
    const closed = await t.closed;
    expect(closed.code).toBe(1006);
    await queued; // it was written before the socket closed
    const log = await waitForSocketClosed(r.id);
    const texts = log.received.filter((f) => f.opcode === 0x1).map((f) => payloadOf(f).toString());
    expect(texts).toEqual(['go', 'last-words']);
  });

  it('the connection fails in the same read as the message: the reply goes out before the failure CLOSE', async () => {
    // 'hi', then a frame with a reserved opcode, in one write: the client reads both at once.
    const r = rawTarget('/text-then-opcode3');
    const conn = await connect(r.url);
    const t = track(conn);
    let reply: Promise<void> | undefined;
    let lateError: unknown;
    conn.on('message', () => {
      reply = conn.send('reply');
      queueMicrotask(() => {
        conn.send('from-microtask').catch((err: unknown) => (lateError = err));
      });
    });
    const { frame, log } = await waitForClientClose(r.id);
    await reply;
    expect(payloadOf(frame).readUInt16BE(0)).toBe(1002);
    const texts = log.received.filter((f) => f.opcode === 0x1).map((f) => payloadOf(f).toString());
    // The microtask's send runs after the same dispatch: it is either written before the CLOSE
    // or refused with a stable code, never written after it or lost without a word.
    if (texts.length === 2) {
      expect(texts).toEqual(['reply', 'from-microtask']);
      expect(lateError).toBeUndefined();
    } else {
      expect(texts).toEqual(['reply']);
      expect(lateError).toMatchObject({ code: expect.stringMatching(/^ERR_WS_CLOSED$|^WS_ERR_PROTOCOL$/) });
    }
    await t.closed;
    expect(t.errors().map((e) => e.code)).toEqual(['WS_ERR_PROTOCOL']);
  });

  it.each(['curlws', 'whatwg'])('%s: a message handler that throws after sending still sends everything once, in order', async (impl) => {
    const script = `
const { connect, WebSocket } = require(process.env.CURLWS_DIST);
let uncaught = 0;
process.on('uncaughtException', () => { uncaught++; });
const got = [];
const onText = (s, send, done) => {
  got.push(s);
  if (s === 'go') {
    send('x1');
    queueMicrotask(() => send('x2'));
    setImmediate(() => send('x3'));
    throw new Error('boom');
  }
  if (got.includes('x2') && got.includes('x3')) done();
};
if (process.env.IMPL === 'whatwg') {
  const ws = new WebSocket(process.env.PEER_URL);
  ws.onopen = () => ws.send('go');
  ws.onmessage = (e) => onText(String(e.data), (m) => ws.send(m), () => { ws.close(); setTimeout(report, 50); });
} else {
  connect(process.env.PEER_URL).then((conn) => {
    conn.on('message', (d) => onText(String(d), (m) => void conn.send(m), () => { conn.close(); setTimeout(report, 50); }));
    void conn.send('go');
  });
}
function report() { console.log(JSON.stringify({ got, uncaught })); }
`;
    const res = await runScript(script, { env: { PEER_URL: wsEcho, IMPL: impl }, killAfterMs: 20_000 });
    const line =
      res.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop() ?? '';
    const { got, uncaught } = JSON.parse(line) as { got: string[]; uncaught: number };
    expect(uncaught).toBe(1);
    // What the handler sent before throwing goes first. Whether the microtask's 'x2' precedes the
    // immediate's 'x3' is Node's call, not curlws's: from Node 26 on, microtasks queued before an
    // uncaught exception thrown from a nextTick run only after the next macrotask (the same
    // holds without curlws, for any socket callback).
    expect(got.slice(0, 2)).toEqual(['go', 'x1']);
    expect(got.slice(2).sort()).toEqual(['x2', 'x3']);
  });
});

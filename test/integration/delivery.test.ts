/**
 * Delivery under awkward framing: thousands of frames in one TCP write, one frame dribbled a byte
 * at a time, a PING inside a fragmented message, and 100 connections at once.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { manyPayload, patternBuffer, patternText, sha256 } from '../helpers/pattern.js';
import { outSeq, rawTarget, waitForClientClose } from '../helpers/raw.js';

describe('framing', () => {
  it.each([
    [1000, 16],
    [5000, 1],
    [200, 200 * 1024],
  ])('/many: %i frames of %i bytes written in ONE socket write all arrive, in order', async (count, size) => {
    const r = rawTarget('/many', { count, size });
    const conn = await connect(r.url);
    const t = track(conn);
    const got = await t.messagesAfter(count);
    expect(got).toHaveLength(count);
    for (let i = 0; i < count; i++) {
      const m = got[i]!;
      if (!m.isBinary || !(m.data as Buffer).equals(manyPayload(i, size))) {
        expect.fail(`message ${i} wrong: binary=${m.isBinary} len=${m.data.length}`);
      }
    }
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });

  it.each([
    [300, 1],
    [65536, 997],
    // Past one 64 KiB receive chunk, the buffer emptied between reads (patch 0004 frees it then).
    [70_000, 997],
    [1024 * 1024, 65521],
  ])('/split: one %i-byte frame written %i bytes at a time arrives whole', async (size, chop) => {
    const r = rawTarget('/split', { size, chop });
    const conn = await connect(r.url);
    const t = track(conn);
    const [m] = await t.messagesAfter(1);
    expect(m!.isBinary).toBe(true);
    expect(sha256(m!.data as Buffer)).toBe(sha256(patternBuffer(size)));
    await conn.close(1000);
    expect(t.messages()).toHaveLength(1);
  });

  it('/fragments: a text message in 64 fragments is delivered as one string', async () => {
    const r = rawTarget('/fragments', { count: 64, size: 1000, type: 'text' });
    const conn = await connect(r.url);
    const t = track(conn);
    const [m] = await t.messagesAfter(1);
    expect(m).toEqual({ data: patternText(64_000), isBinary: false });
    await conn.close(1000);
  });

  it('a PING between fragments is answered with the identical payload before the message completes', async () => {
    // The server holds the final fragment until it gets the PONG, then sends "pong:<payload>".
    const r = rawTarget('/ping-between-fragments');
    const conn = await connect(r.url);
    const t = track(conn);
    await t.messagesAfter(2);
    const seq = t.events
      .filter((e) => e.type === 'ping' || e.type === 'message')
      .map((e) => (e.type === 'ping' ? `ping:${e.payload.toString()}` : `msg:${e.data.toString()}`));
    expect(seq).toEqual(['ping:p1', 'msg:Hello', 'msg:pong:p1']);
    await conn.close(1000);
    const { log } = await waitForClientClose(r.id);
    const pongs = log.received.filter((f) => f.opcode === 0xa);
    expect(pongs).toHaveLength(1);
    expect(pongs[0]).toMatchObject({ text: 'p1', length: 2, masked: true, fin: true });
    // the PONG reached the server before it sent the final fragment (so: before the message completed)
    expect(pongs[0]!.seq).toBeLessThan(outSeq(log, 'final-fragment')!);
  });
});

describe('concurrency', () => {
  it('100 concurrent connections each echo their own messages', async () => {
    const url = inject('wsEchoUrl');
    const N = 100;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const conn = await connect(url);
        const t = track(conn);
        await conn.send(`conn ${i} text`);
        await conn.send(patternBuffer(1000 + i, i));
        const got = await t.messagesAfter(2);
        const res = await conn.close(1000);
        return { i, got, res, errors: t.errors() };
      }),
    );
    for (const { i, got, res, errors } of results) {
      expect(got[0]).toEqual({ data: `conn ${i} text`, isBinary: false });
      expect((got[1]!.data as Buffer).equals(patternBuffer(1000 + i, i))).toBe(true);
      expect(res).toMatchObject({ code: 1000, wasClean: true });
      expect(errors).toEqual([]);
    }
  });

  it('ws /push: 500 server-pushed messages on each of 10 connections arrive complete', async () => {
    const url = `${inject('wsEchoUrl')}push?count=500&size=256`;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const conn = await connect(url);
        const t = track(conn);
        const c = await t.closed;
        expect(c).toMatchObject({ code: 1000, wasClean: true });
        const got = t.messages();
        expect(got).toHaveLength(500);
        for (const [i, m] of got.entries()) expect((m.data as Buffer).equals(patternBuffer(256, i))).toBe(true);
      }),
    );
  });
});

describe('small binary messages (delivered as slices of one Buffer per batch)', () => {
  it('3,000 messages across many batches keep their own bytes, even when all are kept', async () => {
    const count = 3000;
    const size = 100;
    const conn = await connect(new URL(`/push?count=${count}&size=${size}`, inject('wsEchoUrl')).href);
    const kept: Buffer[] = [];
    conn.on('message', (data, isBinary) => {
      expect(isBinary).toBe(true);
      kept.push(data as Buffer);
    });
    await new Promise((resolve) => conn.once('close', resolve));
    expect(kept).toHaveLength(count);
    for (const [i, m] of kept.entries()) expect(m.equals(patternBuffer(size, i))).toBe(true);
  });

  it('an empty binary message is an empty Buffer', async () => {
    const conn = await connect(inject('wsEchoUrl'));
    const got = new Promise<Buffer>((resolve) => conn.once('message', (d) => resolve(d as Buffer)));
    await conn.send(Buffer.alloc(0));
    const m = await got;
    expect(Buffer.isBuffer(m)).toBe(true);
    expect(m.length).toBe(0);
    await conn.close(1000);
  });
});

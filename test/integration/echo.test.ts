/**
 * Echo round trips against two independent servers (npm ws, python3-websockets) and the raw
 * server's reference echo: sizes around every length-encoding boundary, text vs binary typing,
 * every accepted send() input type, many messages in flight, ping/pong, async iteration.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { patternBuffer, patternText, sha256 } from '../helpers/pattern.js';
import { payloadOf, rawTarget, waitForRawLog } from '../helpers/raw.js';

const MiB = 1024 * 1024;
const SIZES = [0, 125, 126, 65535, 65536, MiB, 16 * MiB];

const servers = [
  { name: 'ws', url: inject('wsEchoUrl'), skip: '' },
  { name: 'python3-websockets', url: inject('pyEchoUrl'), skip: inject('pyEchoSkipReason') },
];

describe.each(servers)('echo against $name', ({ url, skip }) => {
  describe.skipIf(!url)(skip ? `(skipped: ${skip})` : 'round trips', () => {
    it.each(SIZES)('binary %i bytes comes back as an identical Buffer', async (size) => {
      const conn = await connect(url, { maxPayload: 64 * MiB });
      const t = track(conn);
      const sent = patternBuffer(size, size);
      await conn.send(sent);
      const [m] = await t.messagesAfter(1);
      expect(m!.isBinary).toBe(true);
      expect(Buffer.isBuffer(m!.data)).toBe(true);
      expect(m!.data.length).toBe(size);
      expect(sha256(m!.data as Buffer)).toBe(sha256(sent));
      await conn.close(1000);
      expect(t.errors()).toEqual([]);
    });

    it.each(SIZES)('text %i bytes comes back as an identical string', async (size) => {
      const conn = await connect(url, { maxPayload: 64 * MiB });
      const t = track(conn);
      const sent = patternText(size, size);
      await conn.send(sent);
      const [m] = await t.messagesAfter(1);
      expect(m!.isBinary).toBe(false);
      expect(typeof m!.data).toBe('string');
      expect(m!.data.length).toBe(size);
      expect(sha256(m!.data as string)).toBe(sha256(sent));
      await conn.close(1000);
      expect(t.errors()).toEqual([]);
    });

    it('multi-byte UTF-8 text round-trips exactly', async () => {
      const conn = await connect(url);
      const t = track(conn);
      const sent = 'héllo wörld — 日本語 🌍🚀 \u0000 end';
      await conn.send(sent);
      const [m] = await t.messagesAfter(1);
      expect(m).toEqual({ data: sent, isBinary: false });
      await conn.close(1000);
    });

    it('1000 messages sent without waiting arrive complete and in order', async () => {
      const conn = await connect(url);
      const t = track(conn);
      const N = 1000;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < N; i++) sends.push(i % 2 ? conn.send(`m${i}`) : conn.send(patternBuffer(100 + i, i)));
      await Promise.all(sends);
      const got = await t.messagesAfter(N);
      expect(got).toHaveLength(N);
      for (let i = 0; i < N; i++) {
        if (i % 2) expect(got[i]).toEqual({ data: `m${i}`, isBinary: false });
        else {
          expect(got[i]!.isBinary).toBe(true);
          expect((got[i]!.data as Buffer).equals(patternBuffer(100 + i, i))).toBe(true);
        }
      }
      await conn.close(1000);
    });
  });
});

describe('send() input types (ws echo)', () => {
  const url = inject('wsEchoUrl');

  it('ArrayBuffer, Uint8Array with offset, DataView and Buffer go out as binary with exactly their bytes', async () => {
    const conn = await connect(url);
    const t = track(conn);
    const backing = patternBuffer(64, 7);
    const ab = backing.buffer.slice(backing.byteOffset, backing.byteOffset + backing.length) as ArrayBuffer;
    const view = new Uint8Array(ab, 10, 20);
    const dv = new DataView(ab, 30, 5);
    const u16 = new Uint16Array([0x0102, 0x0304]);
    await conn.send(ab);
    await conn.send(view);
    await conn.send(dv);
    await conn.send(u16);
    await conn.send(Buffer.from('buf'));
    const got = await t.messagesAfter(5);
    expect(got.every((m) => m.isBinary && Buffer.isBuffer(m.data))).toBe(true);
    expect((got[0]!.data as Buffer).equals(backing)).toBe(true);
    expect((got[1]!.data as Buffer).equals(backing.subarray(10, 30))).toBe(true);
    expect((got[2]!.data as Buffer).equals(backing.subarray(30, 35))).toBe(true);
    expect((got[3]!.data as Buffer).equals(Buffer.from(u16.buffer))).toBe(true);
    expect((got[4]!.data as Buffer).toString()).toBe('buf');
    await conn.close(1000);
  });

  it('an empty string is a zero-length text message', async () => {
    const conn = await connect(url);
    const t = track(conn);
    await conn.send('');
    const [m] = await t.messagesAfter(1);
    expect(m).toEqual({ data: '', isBinary: false });
    await conn.close(1000);
  });
});

describe('against the raw reference echo', () => {
  it('every client frame is masked and carries the payload exactly', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const t = track(conn);
    await conn.send('abc');
    await conn.send(patternBuffer(70_000, 3));
    await conn.ping(Buffer.from('pp'));
    await t.messagesAfter(2);
    await t.until((ev) => ev.some((e) => e.type === 'pong'), 'pong');
    await conn.close(1000, 'done');
    const log = await waitForRawLog(r.id, (l) => l.received.some((f) => f.opcode === 8), 'CLOSE');
    expect(log.received.length).toBeGreaterThanOrEqual(4);
    expect(log.received.every((f) => f.masked)).toBe(true);
    expect(log.received.every((f) => !f.rsv1 && !f.rsv2 && !f.rsv3)).toBe(true);
    const [text, bin, ping] = log.received;
    expect(text).toMatchObject({ opcode: 1, fin: true, text: 'abc' });
    expect(bin).toMatchObject({ opcode: 2, length: 70_000 });
    expect(payloadOf(bin!).equals(patternBuffer(70_000, 3).subarray(0, 4096))).toBe(true);
    expect(ping).toMatchObject({ opcode: 9, text: 'pp' });
    expect(log.received.at(-1)).toMatchObject({ opcode: 8, closeCode: 1000, closeReason: 'done' });
  });

  it('ping() is answered by a pong event with the same payload', async () => {
    const conn = await connect(inject('wsEchoUrl'));
    const t = track(conn);
    await conn.ping(Buffer.from([1, 2, 3, 0xff]));
    await t.until((ev) => ev.some((e) => e.type === 'pong'), 'pong');
    const pong = t.events.find((e) => e.type === 'pong');
    expect(pong && pong.type === 'pong' && pong.payload.equals(Buffer.from([1, 2, 3, 0xff]))).toBe(true);
    await conn.ping(Buffer.alloc(0));
    await t.until((ev) => ev.filter((e) => e.type === 'pong').length === 2, 'second pong');
    await conn.close(1000);
  });
});

describe('async iteration', () => {
  it('for await yields messages in order with their type and ends on close', async () => {
    const conn = await connect(inject('wsEchoUrl'));
    await conn.send('one');
    await conn.send(Buffer.from('two'));
    await conn.send('three');
    const got: { data: string | Buffer; binary: boolean }[] = [];
    for await (const m of conn) {
      got.push(m);
      if (got.length === 3) void conn.close(1000);
    }
    expect(got.map((m) => [m.binary, m.data.toString()])).toEqual([
      [false, 'one'],
      [true, 'two'],
      [false, 'three'],
    ]);
    expect(typeof got[0]!.data).toBe('string');
    expect(Buffer.isBuffer(got[1]!.data)).toBe(true);
    expect(conn.readyState).toBe(3);
  });

  it('for await over a server push ends when the server closes', async () => {
    const conn = await connect(`${inject('wsEchoUrl')}push?count=50&size=1000`);
    let i = 0;
    for await (const m of conn) {
      expect(m.binary).toBe(true);
      expect((m.data as Buffer).equals(patternBuffer(1000, i))).toBe(true);
      i++;
    }
    expect(i).toBe(50);
  });
});

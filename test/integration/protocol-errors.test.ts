/**
 * Frame-level violations from the raw server after a valid 101. For each: connect() resolves, one
 * 'error' event with the right code and closeCode, then 'close' with 1006 / wasClean false (we
 * failed the connection, as ws reports), no message; and the raw server's log shows the CLOSE frame
 * we sent with the right status code (RFC 6455 §7.4).
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { describeEvents, track } from '../helpers/conn.js';
import { patternBuffer } from '../helpers/pattern.js';
import { outSeq, rawTarget, waitForClientClose } from '../helpers/raw.js';

interface Case {
  path: string;
  params?: Record<string, string | number>;
  /** accepted error codes (the first is the one the brief specifies) */
  codes: string[];
  closeCode: number;
}

// lib/core/errors.ts also defines WS_ERR_INVALID_CLOSE_CODE / WS_ERR_INVALID_CLOSE_PAYLOAD; the brief asks
// for WS_ERR_PROTOCOL on close-frame violations. Both are accepted; the close code is exact.
const CASES: Case[] = [
  { path: '/masked', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/opcode3', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/rsv', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/bigping', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/fragping', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/orphan-cont', codes: ['WS_ERR_PROTOCOL'], closeCode: 1002 },
  { path: '/close-1byte', codes: ['WS_ERR_PROTOCOL', 'WS_ERR_INVALID_CLOSE_PAYLOAD'], closeCode: 1002 },
  ...[0, 999, 1004, 1005, 1006, 1016, 2999, 5000].map((code) => ({
    path: '/close-badcode',
    params: { code },
    codes: ['WS_ERR_PROTOCOL', 'WS_ERR_INVALID_CLOSE_CODE'],
    closeCode: 1002,
  })),
  { path: '/badutf8', codes: ['WS_ERR_INVALID_UTF8'], closeCode: 1007 },
  { path: '/badutf8-split', codes: ['WS_ERR_INVALID_UTF8'], closeCode: 1007 },
  { path: '/close-badutf8', codes: ['WS_ERR_INVALID_UTF8', 'WS_ERR_INVALID_CLOSE_PAYLOAD'], closeCode: 1007 },
];

function label(c: Case): string {
  return c.params ? `${c.path}?${new URLSearchParams(c.params as Record<string, string>)}` : c.path;
}

describe('peer protocol violations fail the connection', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const r = rawTarget(c.path, c.params);
    const conn = await connect(r.url);
    const t = track(conn);
    const closed = await t.closed;

    // one error, then close; nothing after close; no message delivered
    const types = t.types();
    expect(
      types.filter((x) => x === 'error'),
      describeEvents(t.events),
    ).toHaveLength(1);
    expect(types.indexOf('error')).toBeLessThan(types.indexOf('close'));
    expect(types.at(-1)).toBe('close');
    expect(types).not.toContain('message');
    const err = t.errors()[0]!;
    expect(c.codes).toContain(err.code);
    expect(err.closeCode).toBe(c.closeCode);
    expect(closed.code).toBe(1006);
    expect(closed.wasClean).toBe(false);
    expect(conn.readyState).toBe(3);

    // what went on the wire: our CLOSE with the status code, masked
    const { frame, log } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(c.closeCode);
    expect(frame.masked).toBe(true);
    // nothing but that CLOSE (no pong to a bad ping, no data)
    expect(log.received.filter((f) => f.opcode !== 8)).toEqual([]);
  });

  it('/badutf8-split fails fast: our CLOSE 1007 reaches the server before the 3rd fragment is sent', async () => {
    const r = rawTarget('/badutf8-split', { delay: 1000 });
    const conn = await connect(r.url);
    const t = track(conn);
    await t.closed;
    const { frame, log } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(1007);
    const frag3 = outSeq(log, 'frag3');
    // either fragment 3 was never written (the server got our CLOSE first and cancelled it) or it
    // was written after our CLOSE arrived
    if (frag3 !== undefined) expect(frame.seq).toBeLessThan(frag3);
    expect(outSeq(log, 'frag2')).toBeLessThan(frame.seq);
  });
});

describe('maxPayload', () => {
  it('a message over maxPayload fails with WS_ERR_MESSAGE_TOO_BIG / 1009', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url, { maxPayload: 1024 });
    const t = track(conn);
    await conn.send(patternBuffer(1024, 1)); // exactly the limit: fine
    await t.messagesAfter(1);
    await conn.send(patternBuffer(1025, 2)); // echoed back one byte over
    const closed = await t.closed;
    const errs = t.errors();
    expect(errs).toHaveLength(1);
    expect(errs[0]!.code).toBe('WS_ERR_MESSAGE_TOO_BIG');
    expect(errs[0]!.closeCode).toBe(1009);
    expect(closed).toMatchObject({ code: 1006, wasClean: false });
    expect(t.messages()).toHaveLength(1);
    const { frame } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(1009);
  });

  it('the fragment sum counts: 4 × 512 B fragments with maxPayload 2000 → 1009', async () => {
    const r = rawTarget('/fragments', { count: 4, size: 512 });
    const conn = await connect(r.url, { maxPayload: 2000 });
    const t = track(conn);
    await t.closed;
    expect(t.errors().map((e) => [e.code, e.closeCode])).toEqual([['WS_ERR_MESSAGE_TOO_BIG', 1009]]);
    expect(t.messages()).toEqual([]);
    const { frame } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(1009);
  });

  it('the same fragmented message within maxPayload is delivered whole', async () => {
    const r = rawTarget('/fragments', { count: 4, size: 512 });
    const conn = await connect(r.url, { maxPayload: 2048 });
    const t = track(conn);
    const [m] = await t.messagesAfter(1);
    expect((m!.data as Buffer).equals(patternBuffer(2048))).toBe(true);
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });
});

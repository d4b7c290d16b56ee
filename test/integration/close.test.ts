/**
 * The closing handshake from both sides, abnormal closes (truncation, RST, EOF), closeTimeout,
 * terminate(), data after CLOSE, and the close() argument checks.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { describeEvents, rejectionOf, settle, track } from '../helpers/conn.js';
import { getRawLog, rawTarget, waitForClientClose, waitForRawLog, waitForSocketClosed } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');

describe('client-initiated close', () => {
  it('close(1000, reason) resolves clean, emits one close event, and goes OPEN → CLOSING → CLOSED', async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    expect(conn.readyState).toBe(1);
    const p = conn.close(1000, 'bye');
    expect(conn.readyState).toBe(2);
    const res = await p;
    expect(res).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(conn.readyState).toBe(3);
    const closeEvents = t.events.filter((e) => e.type === 'close');
    expect(closeEvents).toEqual([{ type: 'close', code: 1000, reason: 'bye', wasClean: true }]);
    expect(t.errors()).toEqual([]);
  });

  it('the raw server sees our masked CLOSE with code and reason, and we wait for its reply', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const res = await conn.close(4321, 'custom reason');
    // the raw echo replies with the code only
    expect(res).toMatchObject({ code: 4321, wasClean: true });
    const { frame, log } = await waitForClientClose(r.id);
    expect(frame).toMatchObject({ masked: true, fin: true, closeCode: 4321, closeReason: 'custom reason' });
    expect(log.received.filter((f) => f.opcode === 8)).toHaveLength(1);
  });

  it('close() without a code sends an empty CLOSE payload; the result is 1005', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const res = await conn.close();
    expect(res).toMatchObject({ code: 1005, wasClean: true });
    const { frame } = await waitForClientClose(r.id);
    expect(frame.length).toBe(0);
  });

  it('messages echoed before the CLOSE reply are still delivered, before the close event', async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    void conn.send('a');
    void conn.send('b');
    void conn.send(Buffer.from('c'));
    await conn.close(1000);
    expect(t.messages().map((m) => m.data.toString())).toEqual(['a', 'b', 'c']);
    expect(t.types().at(-1)).toBe('close');
  });

  it('no CLOSE reply: closeTimeout drops the connection with 1006, wasClean false', async () => {
    const r = rawTarget('/no-close-reply');
    const conn = await connect(r.url, { closeTimeout: 500 });
    const t = track(conn);
    const res = await conn.close(1000, 'bye');
    expect(res.code).toBe(1006);
    expect(res.wasClean).toBe(false);
    // an error event is optional here (WS_ERR_CLOSE_TIMEOUT), but close comes last
    for (const e of t.errors()) expect(e.code).toMatch(/^(WS_ERR_|CURLE_)/);
    expect(t.types().at(-1)).toBe('close');
    const { frame } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(1000);
    await waitForSocketClosed(r.id);
  });

  it('invalid close codes and over-long reasons are rejected before anything is sent', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      const err = await rejectionOf(settle(() => conn.close(code)));
      expect(err, `close(${code})`).toBeInstanceOf(RangeError);
      expect(err.code).toMatch(/^ERR_/);
    }
    const long = await rejectionOf(settle(() => conn.close(1000, 'x'.repeat(124))));
    expect(long.code).toMatch(/^ERR_/);
    expect(conn.readyState).toBe(1);
    // 123 bytes is the maximum; 1013/1014 and 3000-4999 are allowed
    const res = await conn.close(1014, 'é'.repeat(61) + 'x');
    expect(res.code).toBe(1014);
    const log = (await getRawLog(r.id))!;
    expect(log.received.filter((f) => f.opcode === 8)).toHaveLength(1);
  });
});

describe('server-initiated close', () => {
  it('/server-close?code=4000: clean close 4000 "bye", and we echoed 4000', async () => {
    const r = rawTarget('/server-close', { code: 4000, reason: 'bye' });
    const conn = await connect(r.url);
    const t = track(conn);
    const c = await t.closed;
    expect(c).toEqual({ code: 4000, reason: 'bye', wasClean: true });
    expect(t.errors()).toEqual([]);
    const { frame } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(4000);
    expect(frame.masked).toBe(true);
  });

  it('/after-close: data after the server CLOSE is ignored', async () => {
    const r = rawTarget('/after-close');
    const conn = await connect(r.url);
    const t = track(conn);
    const c = await t.closed;
    expect(c).toEqual({ code: 1000, reason: 'done', wasClean: true });
    expect(t.types()).not.toContain('message');
    expect(t.errors()).toEqual([]);
    const { frame } = await waitForClientClose(r.id);
    expect(frame.closeCode).toBe(1000);
  });

  it('ws /close?code=4001&reason=bye round-trips code and reason', async () => {
    const conn = await connect(`${wsEcho}close?code=4001&reason=bye`);
    const t = track(conn);
    expect(await t.closed).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });
});

describe('abnormal closure', () => {
  it.each(['/truncated', '/rst', '/eof-after-open'])('%s → close 1006, wasClean false, no message', async (path) => {
    const r = rawTarget(path);
    const conn = await connect(r.url);
    const t = track(conn);
    const c = await t.closed;
    expect(c.code, describeEvents(t.events)).toBe(1006);
    expect(c.wasClean).toBe(false);
    expect(t.types()).not.toContain('message');
    // an error event is allowed (a CURLE_* code), at most once, and never after close
    expect(t.errors().length).toBeLessThanOrEqual(1);
    for (const e of t.errors()) expect(e.code).toMatch(/^(CURLE_|WS_ERR_)/);
    expect(t.types().at(-1)).toBe('close');
  });

  it('terminate() closes at once with 1006 and sends no CLOSE frame', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const t = track(conn);
    await conn.send('before');
    await t.messagesAfter(1);
    conn.terminate();
    const c = await t.closed;
    expect(c).toMatchObject({ code: 1006, wasClean: false });
    expect(conn.readyState).toBe(3);
    const log = await waitForSocketClosed(r.id);
    expect(log.received.map((f) => f.opcode)).toEqual([1]);
  });

  it('close() and terminate() after CLOSED do nothing: no second close event, no error', async () => {
    const conn = await connect(wsEcho);
    const t = track(conn);
    await conn.close(1000);
    conn.terminate();
    await settle(() => conn.close(1000)).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(t.events.filter((e) => e.type === 'close')).toHaveLength(1);
    expect(t.errors()).toEqual([]);
  });

  it('send() after close rejects', async () => {
    const conn = await connect(wsEcho);
    await conn.close(1000);
    const err = await rejectionOf(settle(() => conn.send('late')));
    expect(err.code).toMatch(/^(ERR_|WS_ERR_)/);
  });

  it('server close 1001 "going away" is surfaced and echoed exactly once', async () => {
    const r = rawTarget('/server-close', { code: 1001, reason: 'going away' });
    const conn = await connect(r.url);
    const t = track(conn);
    expect(await t.closed).toEqual({ code: 1001, reason: 'going away', wasClean: true });
    const log = await waitForRawLog(r.id, (l) => l.socketClosed, 'socket close');
    expect(log.received.filter((f) => f.opcode === 8).map((f) => f.closeCode)).toEqual([1001]);
  });
});

describe('state while curlws fails a connection', () => {
  it('inside the error handler readyState is CLOSING and send() rejects with ERR_WS_CLOSED', async () => {
    const r = rawTarget('/masked');
    const conn = await connect(r.url);
    const seen = await new Promise<{ state: number; sendError: unknown }>((resolve) => {
      conn.once('error', () => {
        const state = conn.readyState;
        conn.send('too late').then(
          () => resolve({ state, sendError: null }),
          (e: unknown) => resolve({ state, sendError: e }),
        );
      });
    });
    expect(seen.state).toBe(2);
    expect(seen.sendError).toMatchObject({ name: 'InvalidStateError', code: 'ERR_WS_CLOSED' });
    await new Promise((resolve) => conn.once('close', resolve));
  });
});

describe('close() while reading is paused', () => {
  it('resumes reading so the peer’s CLOSE is seen and the close is clean', async () => {
    const conn = await connect(wsEcho);
    conn.pause();
    expect(conn.isPaused).toBe(true);
    const res = await conn.close(1000, 'paused');
    expect(res).toEqual({ code: 1000, reason: 'paused', wasClean: true });
    expect(conn.isPaused).toBe(false);
  });
});

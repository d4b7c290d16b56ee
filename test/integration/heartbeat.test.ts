/**
 * The heartbeat (pingInterval / pongTimeout): a live peer keeps the connection open and sees the
 * PINGs; a peer that goes silent without closing TCP is detected and dropped with 1006.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { Op, rawTarget, waitForRawLog } from '../helpers/raw.js';

describe('heartbeat', () => {
  it('a peer that answers keeps the connection open and receives periodic PINGs', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url, { pingInterval: 50, pongTimeout: 5_000 });
    const pongs: Buffer[] = [];
    conn.on('pong', (p) => pongs.push(p));
    await waitForRawLog(r.id, (l) => l.received.filter((f) => f.opcode === Op.PING).length >= 3, 'three heartbeat PINGs');
    expect(conn.readyState).toBe(1);
    expect(pongs.length).toBeGreaterThanOrEqual(2);
    expect((await conn.close(1000)).wasClean).toBe(true);
  });

  it('a peer that stops answering (no RST) is dropped: error WS_ERR_PONG_TIMEOUT, then close 1006', async () => {
    const r = rawTarget('/no-close-reply'); // answers nothing after the handshake
    const conn = await connect(r.url, { pingInterval: 50, pongTimeout: 100 });
    const events: string[] = [];
    const error = new Promise<Error & { code?: string; closeCode?: number }>((resolve) =>
      conn.once('error', (e) => {
        events.push('error');
        resolve(e);
      }),
    );
    const closed = new Promise<[number, boolean]>((resolve) =>
      conn.once('close', (code, _reason, wasClean) => {
        events.push('close');
        resolve([code, wasClean]);
      }),
    );
    expect(await error).toMatchObject({ name: 'WebSocketProtocolError', code: 'WS_ERR_PONG_TIMEOUT', closeCode: 1006 });
    expect(await closed).toEqual([1006, false]);
    expect(events).toEqual(['error', 'close']);
  });

  it('rejects a negative or non-integer interval before connecting', () => {
    expect(() => connect('ws://127.0.0.1:1/', { pingInterval: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => connect('ws://127.0.0.1:1/', { pongTimeout: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

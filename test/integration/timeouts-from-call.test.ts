/**
 * `handshakeTimeout` and `closeTimeout` count from the call that armed them, not from the event
 * loop's cached clock: synchronous work earlier in the same tick must not shorten them. Each test
 * blocks the thread, then measures from the call to the timeout and asserts a lower bound, which
 * is about correctness, not speed (a slow machine only makes the elapsed time longer).
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import { rejectionOf } from '../helpers/conn.js';
import { rawTarget } from '../helpers/raw.js';

const TIMEOUT = 800;
const BLOCK = 500;
// The loop's clock has millisecond granularity (and may be the coarse monotonic clock): a timer
// may fire up to that much before the precise clock says it is due.
const GRANULARITY = 2;

/** Blocks the thread, as a long synchronous computation in an application would. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** Yields to the event loop so that the next tick starts with a fresh cached clock. */
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('handshakeTimeout counts from connect()', () => {
  it.each([
    ['after synchronous work before connect() in the same tick', false],
    ['with synchronous work before and right after connect() in the same tick', true],
  ])('%s', async (_name, blockAfter) => {
    const t = rawTarget('/silence');
    await nextTick();
    busyWait(BLOCK);
    const start = performance.now();
    const p = rejectionOf(connect(t.url, { handshakeTimeout: TIMEOUT }));
    if (blockAfter) busyWait(BLOCK);
    const err = await p;
    const elapsed = performance.now() - start;
    expect(err.code).toBe('WS_ERR_HANDSHAKE_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - GRANULARITY);
  });

  it('curlws/ws: handshakeTimeout after synchronous work before the constructor', async () => {
    const t = rawTarget('/silence');
    await nextTick();
    busyWait(BLOCK);
    const start = performance.now();
    const ws = new WsWebSocket(t.url, { handshakeTimeout: TIMEOUT });
    const err = await new Promise<Error & { code?: string }>((resolve) => ws.on('error', resolve));
    const elapsed = performance.now() - start;
    expect(err.code).toBe('WS_ERR_HANDSHAKE_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - GRANULARITY);
  });
});

describe('closeTimeout counts from close()', () => {
  it('after synchronous work before close() in the same tick', async () => {
    const conn = await connect(rawTarget('/no-close-reply').url, { closeTimeout: TIMEOUT });
    await nextTick();
    busyWait(BLOCK);
    const start = performance.now();
    const res = await conn.close(1000);
    const elapsed = performance.now() - start;
    expect(res).toMatchObject({ code: 1006, wasClean: false });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - GRANULARITY);
  });
});

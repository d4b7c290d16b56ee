/**
 * Receive backpressure: while the application is paused (explicitly, or by an async iterator it
 * does not drain), curlws reads nothing from the socket, so a flooding peer is held back by TCP
 * instead of filling this process's memory. Nothing is lost when reading resumes.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { rawTarget } from '../helpers/raw.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('receive backpressure', () => {
  it('pause() stops delivery while a peer floods; resume() delivers the rest, none lost', async () => {
    const total = 100_000;
    const conn = await connect(rawTarget('/many', { count: total, size: 200 }).url);
    let received = 0;
    const first = new Promise<void>((resolve) =>
      conn.on('message', () => {
        received++;
        if (received === 1) {
          conn.pause();
          resolve();
        }
      }),
    );
    await first;
    await sleep(150); // let events already handed to JS drain
    const whilePaused = received;
    await sleep(300);
    expect(received).toBe(whilePaused); // nothing read while paused
    expect(received).toBeLessThan(total);
    conn.resume();
    while (received < total) await sleep(20);
    expect(received).toBe(total);
    await conn.close(1000);
  });

  it('an async iterator that falls behind pauses reading, and still sees every message in order', async () => {
    const total = 20_000;
    const conn = await connect(rawTarget('/many', { count: total, size: 64 }).url);
    let n = 0;
    for await (const m of conn) {
      expect((m.data as Buffer).length).toBe(64);
      n++;
      if (n === 10) {
        await sleep(200); // a slow consumer
        expect(conn.stats().messagesReceived).toBeLessThan(total);
      }
      if (n === total) break;
    }
    expect(n).toBe(total);
    await conn.close(1000);
  });
});

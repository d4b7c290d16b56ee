/**
 * An open connection holds no timer while idle: the handshake's timer is released once the
 * connection is open and a new one is made by the first thing that needs it (close() and its
 * closeTimeout, failing the connection, the compressor's idle release). These tests check each
 * first use after an idle pause, and that a timer made after unref() does not keep the process
 * alive.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { startNodeChild } from '../helpers/child.js';
import { track } from '../helpers/conn.js';
import { rawTarget } from '../helpers/raw.js';

const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timer made on first use once open', () => {
  it('close() after an idle pause: a peer that never answers is dropped after closeTimeout (1006)', async () => {
    const conn = await connect(rawTarget('/no-close-reply').url, { closeTimeout: 300 });
    await idle(50);
    const result = await conn.close(1000);
    expect(result).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('two connections idle, then closed one after the other: each gets its own closeTimeout', async () => {
    const a = await connect(rawTarget('/no-close-reply').url, { closeTimeout: 200 });
    const b = await connect(rawTarget('/no-close-reply').url, { closeTimeout: 400 });
    await idle(20);
    const [ra, rb] = await Promise.all([a.close(1000), b.close(1000)]);
    expect(ra.code).toBe(1006);
    expect(rb.code).toBe(1006);
  });

  it('a protocol error after an idle open (the first failure) still ends the connection', async () => {
    const conn = await connect(rawTarget('/masked').url, { closeTimeout: 300 });
    const t = track(conn);
    await t.until((ev) => ev.some((e) => e.type === 'close'), 'close');
    expect(t.errors().map((e) => e.code)).toEqual(['WS_ERR_PROTOCOL']);
  });

  it('permessage-deflate: sends after idle pauses (the idle-release timer made on first compressed send) all come back', async () => {
    const conn = await connect(inject('wsEchoUrl'), { perMessageDeflate: true });
    const t = track(conn);
    for (let i = 0; i < 3; i++) {
      await idle(30);
      await conn.send('x'.repeat(2000) + i);
    }
    const got = await t.messagesAfter(3);
    expect(got.map((m) => m.data)).toEqual([0, 1, 2].map((i) => 'x'.repeat(2000) + i));
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });

  it('unref(), then close() with a long closeTimeout: the timer made by close() does not hold the process', async () => {
    const { exited } = startNodeChild(
      `const { connect } = require(process.env.CURLWS_DIST);
       connect(${JSON.stringify(rawTarget('/no-close-reply').url)}, { closeTimeout: 60000 }).then((c) => {
         c.unref();
         void c.close(1000);
         console.log('closing');
       });`,
    );
    const result = await exited;
    expect(result.out).toContain('closing');
    expect(result.code).toBe(0);
  }, 20_000);
});

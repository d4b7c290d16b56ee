/**
 * `connection.handshake` is built only when first read: from libcurl while the connection lives,
 * else from the copy the engine takes when the easy handle is freed. These read it for the first
 * time at every moment after open (after close, after an error, after an abort, inside the
 * 'close' handler, inside a curlws/curl callback, never) and check it is the whole record,
 * as it was when it came with 'open'.
 */
import { describe, expect, inject, it } from 'vitest';
import { Easy } from '../../lib/curl';
import { connect, type Connection, type Handshake } from '../../lib/index.js';
import { rawTarget } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');
const wssEcho = inject('wssEchoUrl');
const ca = inject('tlsCaPem');

/** What every record of a 101 from 127.0.0.1 holds, whenever it was read. */
function expectComplete(hs: Handshake, url: string): void {
  expect(hs.status).toBe(101);
  expect(hs.url).toBe(url);
  expect(hs.headers['upgrade']?.toLowerCase()).toBe('websocket');
  expect(hs.headers['sec-websocket-accept']).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  expect(hs.rawHeaders.map(([n]) => n.toLowerCase())).toContain('sec-websocket-accept');
  expect(hs.address.remoteAddress).toBe('127.0.0.1');
  expect(hs.address.remotePort).toBe(Number(new URL(url).port));
  expect(hs.address.localAddress).toBe('127.0.0.1');
  expect(hs.address.localPort).toBeGreaterThan(0);
  expect(hs.timings.total).toBeGreaterThan(0);
  expect(hs.timings.firstByte).toBeGreaterThan(0);
  expect(hs.timings.total).toBeGreaterThanOrEqual(hs.timings.firstByte);
}

function closed(conn: Connection): Promise<number> {
  return new Promise((resolve) => conn.once('close', (code: number) => resolve(code)));
}

describe('handshake read for the first time', () => {
  it('while open and long after open: the timings are those of the handshake, not of the connection age', async () => {
    const started = performance.now();
    const conn = await connect(wsEcho);
    const openedAfter = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++) await conn.send('x');
    const hs = conn.handshake;
    expectComplete(hs, wsEcho);
    // The total is the handshake's, over before connect() resolved: libcurl does not count the
    // open connection's time in it.
    expect(hs.timings.total).toBeLessThanOrEqual(openedAfter + 1);
    expect(conn.handshake).toBe(hs);
    await conn.close(1000);
    expect(conn.handshake).toBe(hs);
  });

  it('after the peer closed (the copy taken at close), with the exact headers of the 101', async () => {
    const target = rawTarget('/headers');
    const conn = await connect(target.url);
    const done = closed(conn);
    conn.terminate();
    expect(await done).toBe(1006);
    const hs = conn.handshake;
    expectComplete(hs, target.url);
    expect(hs.rawHeaders.filter(([n]) => n.toLowerCase().startsWith('x-'))).toEqual([
      ['X-Repeat', 'one'],
      ['X-Odd', 'a:b: c, d ;e=f'],
      ['x-repeat', 'two, three'],
      ['X-Empty', ''],
    ]);
    expect(hs.headers['x-repeat']).toBe('one, two, three');
    expect(conn.handshake).toBe(hs);
  });

  it('after a server-initiated close with a code', async () => {
    const url = `${wsEcho.replace(/\/$/, '')}/close?code=4001&reason=bye`;
    const conn = await connect(url);
    expect(await closed(conn)).toBe(4001);
    expectComplete(conn.handshake, url);
  });

  it('after a protocol error (error, then close)', async () => {
    const target = rawTarget('/opcode3');
    const conn = await connect(target.url);
    const errors: string[] = [];
    conn.on('error', (e: { code?: string }) => errors.push(String(e.code)));
    await closed(conn);
    expect(errors).toEqual(['WS_ERR_PROTOCOL']);
    expectComplete(conn.handshake, target.url);
  });

  it('after an abort through the AbortSignal', async () => {
    const ac = new AbortController();
    const conn = await connect(wsEcho, { signal: ac.signal });
    const done = closed(conn);
    ac.abort();
    await done;
    expectComplete(conn.handshake, wsEcho);
  });

  it('inside the close handler, and after it (one object)', async () => {
    const conn = await connect(wsEcho);
    let inHandler: Handshake | undefined;
    const done = new Promise<void>((resolve) =>
      conn.once('close', () => {
        inHandler = conn.handshake;
        resolve();
      }),
    );
    await conn.close(1000);
    await done;
    expect(inHandler).toBeDefined();
    expectComplete(inHandler as Handshake, wsEcho);
    expect(conn.handshake).toBe(inHandler);
  });

  it('inside the error handler of a connection failing, then after close', async () => {
    const target = rawTarget('/rsv');
    const conn = await connect(target.url);
    let inError: Handshake | undefined;
    conn.on('error', () => {
      inError = conn.handshake;
    });
    await closed(conn);
    expectComplete(inError as Handshake, target.url);
    expect(conn.handshake).toBe(inError);
  });

  it('terminate() in the same tick as open, read after close', async () => {
    const conn = await connect(wsEcho);
    const done = closed(conn);
    conn.terminate();
    expect(await done).toBe(1006);
    expectComplete(conn.handshake, wsEcho);
  });

  it('terminate() inside a curlws/curl callback (the handle is freed later): read there, and on another connection only after close', async () => {
    const readInside = await connect(wsEcho);
    const readAfter = await connect(wsEcho);
    let inside: Handshake | undefined;
    const afterClosed = closed(readAfter);
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    easy.setopt('CURLOPT_WRITEFUNCTION', (chunk: Buffer) => {
      if (readInside.readyState === 1) {
        readInside.terminate();
        readAfter.terminate();
        inside = readInside.handshake;
      }
      return chunk.length;
    });
    await easy.perform().catch(() => {});
    easy.close();
    expectComplete(inside as Handshake, wsEcho);
    expect(await afterClosed).toBe(1006);
    expectComplete(readAfter.handshake, wsEcho);
    expect(readAfter.handshake.address.localPort).not.toBe(inside?.address.localPort);
  });

  it('never: 200 connections opened and closed without reading it, then one that reads', async () => {
    for (let round = 0; round < 4; round++) {
      const conns = await Promise.all(Array.from({ length: 50 }, () => connect(wsEcho)));
      await Promise.all(conns.map((c) => c.close(1000)));
    }
    const conn = await connect(wsEcho);
    expectComplete(conn.handshake, wsEcho);
    await conn.close(1000);
  });

  it('the local ports of live and copied records are each connection own', async () => {
    const a = await connect(wsEcho);
    const b = await connect(wsEcho);
    const livePort = a.handshake.address.localPort;
    await b.close(1000);
    await a.close(1000);
    expect(b.handshake.address.localPort).not.toBe(livePort);
    expect(a.handshake.address.localPort).toBe(livePort);
  });
});

describe('wss: TLS version and cipher', () => {
  it('read live, after close and after terminate are the same names', async () => {
    const live = await connect(wssEcho, { tls: { ca } });
    const tls = live.handshake.tls;
    expect(tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(tls?.cipher).toMatch(/^[A-Z0-9_-]+$/);
    expectCompleteTls(live.handshake);
    await live.close(1000);

    const afterClose = await connect(wssEcho, { tls: { ca } });
    await afterClose.close(1000);
    expect(afterClose.handshake.tls).toEqual(tls);
    expectCompleteTls(afterClose.handshake);

    const afterTerminate = await connect(wssEcho, { tls: { ca } });
    const done = closed(afterTerminate);
    afterTerminate.terminate();
    await done;
    expect(afterTerminate.handshake.tls).toEqual(tls);
    expect(afterTerminate.handshake.timings.tls).toBeGreaterThan(0);
  });

  it('a ws:// record has no tls', async () => {
    const conn = await connect(wsEcho);
    await conn.close(1000);
    expect(conn.handshake.tls).toBeUndefined();
    expect(conn.handshake.timings.tls).toBe(0);
  });
});

function expectCompleteTls(hs: Handshake): void {
  expect(hs.status).toBe(101);
  expect(hs.timings.tls).toBeGreaterThan(0);
  expect(hs.url.startsWith('wss://')).toBe(true);
}

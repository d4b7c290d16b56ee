/**
 * The high-water marks. Send side (`highWaterMark`, bytes): `writable` turns false once
 * `bufferedAmount` reaches it and `'drain'` comes when the queue is empty again, against a peer
 * that really stops reading (its socket is paused, so the kernel buffers fill). Receive side
 * (`receiveHighWaterMark`, messages): an async iterator that is not consumed stops the engine
 * reading after that many messages.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { acceptKey, FrameParser } from '../servers/raw-server.js';
import { rawTarget } from '../helpers/raw.js';
import { manyPayload } from '../helpers/pattern.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Completes the handshake, then reads only while `reading` is true; counts payload bytes received. */
async function startStallingPeer() {
  const peers: net.Socket[] = [];
  let received = 0;
  const server = net.createServer((socket) => {
    peers.push(socket);
    socket.on('error', () => {});
    const parser = new FrameParser();
    let head = '';
    const onHead = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onHead);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
      );
      socket.pause(); // stop reading: the client's sends back up
      socket.on('data', (chunk: Buffer) => {
        for (const f of parser.push(chunk)) received += f.payload.length;
      });
    };
    socket.on('data', onHead);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`,
    resume: () => {
      for (const p of peers) p.resume();
    },
    received: () => received,
    close: () => {
      for (const p of peers) p.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('send-side highWaterMark', () => {
  it('writable is false while bufferedAmount ≥ highWaterMark; drain comes once the peer reads, then writable is true', async () => {
    const peer = await startStallingPeer();
    cleanups.push(peer.close);
    const conn = await connect(peer.url, { highWaterMark: 64 * 1024 });
    cleanups.push(() => conn.terminate());
    expect(conn.writableHighWaterMark).toBe(64 * 1024);
    expect(conn.writable).toBe(true);
    const size = 32 * 1024 * 1024; // far more than the loopback socket buffers hold
    const sent = conn.send(Buffer.alloc(size, 1));
    expect(conn.bufferedAmount).toBeGreaterThanOrEqual(64 * 1024);
    expect(conn.writable).toBe(false);
    let drained = false;
    conn.once('drain', () => (drained = true));
    await sleep(100); // the peer still does not read: nothing changes
    expect(drained).toBe(false);
    expect(conn.writable).toBe(false);
    peer.resume();
    await once(conn, 'drain');
    expect(conn.bufferedAmount).toBe(0);
    expect(conn.writable).toBe(true);
    await sent;
    while (peer.received() < size) await sleep(10);
    expect(peer.received()).toBe(size);
  });

  it('small sends under the default 1 MiB mark keep writable true; closed is never writable', async () => {
    const conn = await connect(inject('wsEchoUrl'));
    expect(conn.writableHighWaterMark).toBe(1_048_576);
    for (let i = 0; i < 10; i++) void conn.send('x'.repeat(100));
    expect(conn.writable).toBe(true);
    await conn.close(1000);
    expect(conn.writable).toBe(false);
  });

  it('rejects a highWaterMark of 0 or a negative one (RangeError ERR_OUT_OF_RANGE)', () => {
    expect(() => connect('ws://127.0.0.1:1/', { highWaterMark: 0 })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => connect('ws://127.0.0.1:1/', { receiveHighWaterMark: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => connect('ws://127.0.0.1:1/', { receiveHighWaterMark: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('receive-side receiveHighWaterMark', () => {
  it('an unconsumed iterator stops reading near the mark; consuming resumes, nothing lost, in order', async () => {
    const total = 20_000;
    const conn = await connect(rawTarget('/many', { count: total, size: 16 }).url, { receiveHighWaterMark: 8 });
    cleanups.push(() => conn.terminate());
    const it = conn[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await sleep(200); // not consuming
    const stalled = conn.stats().messagesReceived;
    expect(stalled).toBeLessThan(total);
    await sleep(100);
    expect(conn.stats().messagesReceived).toBe(stalled); // really paused, not just slow
    expect((first.value!.data as Buffer).equals(manyPayload(0, 16))).toBe(true);
    let inOrder = true;
    for (let n = 1; n < total; n++) {
      const r = await it.next();
      if (r.done || !(r.value.data as Buffer).equals(manyPayload(n, 16))) inOrder = false;
    }
    expect(inOrder).toBe(true);
    expect(conn.stats().messagesReceived).toBe(total);
    await it.return?.();
  });
});

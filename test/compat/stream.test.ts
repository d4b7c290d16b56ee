/**
 * Streams: createWebSocketStream() (a Node Duplex, checked against ws's createWebSocketStream
 * semantics) and WebSocketStream (web streams), including receive backpressure.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/core/connection.js';
import { WebSocketError, WebSocketStream, createWebSocketStream } from '../../lib/api/stream.js';
import { patternBuffer } from '../helpers/pattern.js';

const wsEcho = inject('wsEchoUrl');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createWebSocketStream', () => {
  it('round-trips chunks as binary messages, end() closes cleanly, then close is emitted', async () => {
    const conn = await connect(wsEcho);
    const duplex = createWebSocketStream(conn);
    const chunks: Buffer[] = [];
    duplex.on('data', (c: Buffer) => chunks.push(c));
    duplex.write('abc');
    duplex.write(Buffer.from([1, 2]));
    while (chunks.length < 2) await wait(5);
    duplex.end();
    await new Promise((r) => duplex.on('close', r));
    expect(chunks).toEqual([Buffer.from('abc'), Buffer.from([1, 2])]);
    expect(conn.readyState).toBe(3);
  });

  it('objectMode delivers text as strings and binary as Buffers', async () => {
    const conn = await connect(wsEcho);
    const duplex = createWebSocketStream(conn, { objectMode: true });
    const got: unknown[] = [];
    duplex.on('data', (c: unknown) => got.push(c));
    duplex.write('text');
    duplex.write(Buffer.from('bin'));
    while (got.length < 2) await wait(5);
    duplex.destroy();
    await new Promise((r) => duplex.on('close', r));
    expect(got).toEqual(['text', Buffer.from('bin')]);
  });

  it('pauses the connection while the readable side is full and resumes on read', async () => {
    const count = 64;
    const size = 64 * 1024;
    const conn = await connect(`${wsEcho}push?count=${count}&size=${size}`);
    const duplex = createWebSocketStream(conn, { readableHighWaterMark: size });
    await wait(200);
    expect(conn.isPaused).toBe(true);
    const received: Buffer[] = [];
    for await (const chunk of duplex) received.push(chunk as Buffer);
    // A byte stream may coalesce chunks: compare the bytes.
    const expected = Buffer.concat(Array.from({ length: count }, (_, i) => patternBuffer(size, i)));
    expect(Buffer.concat(received).equals(expected)).toBe(true);
  });

  it('destroy() terminates the connection and emits close once', async () => {
    const conn = await connect(wsEcho);
    const duplex = createWebSocketStream(conn);
    let closes = 0;
    duplex.on('close', () => closes++);
    duplex.destroy();
    await new Promise((r) => conn.once('close', r));
    await wait(20);
    expect(closes).toBe(1);
    expect(conn.readyState).toBe(3);
  });
});

describe('WebSocketStream', () => {
  it('opened gives readable/writable/protocol/extensions; close() resolves closed with code and reason', async () => {
    const wss = new WebSocketStream(wsEcho, { protocols: ['chat'] });
    const { readable, writable, protocol, extensions } = await wss.opened;
    expect([protocol, extensions]).toEqual(['chat', '']);
    const writer = writable.getWriter();
    const reader = readable.getReader();
    await writer.write('hello');
    await writer.write(new Uint8Array([1, 2, 3]));
    expect(await reader.read()).toEqual({ value: 'hello', done: false });
    const bin = await reader.read();
    expect(bin.value).toBeInstanceOf(Uint8Array);
    expect([...(bin.value as Uint8Array)]).toEqual([1, 2, 3]);
    wss.close({ closeCode: 4000, reason: 'done' });
    expect(await wss.closed).toEqual({ closeCode: 4000, reason: 'done' });
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  it('has real receive backpressure: a slow reader still gets every message, in order', async () => {
    const count = 64;
    const size = 64 * 1024;
    const wss = new WebSocketStream(`${wsEcho}push?count=${count}&size=${size}`, { highWaterMark: 2 });
    const { readable } = await wss.opened;
    await wait(200); // the queue fills to 2 and reading pauses
    let i = 0;
    for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>) {
      expect(Buffer.from(chunk as Uint8Array).equals(patternBuffer(size, i))).toBe(true);
      i++;
    }
    expect(i).toBe(count);
    expect(await wss.closed).toEqual({ closeCode: 1000, reason: 'pushed' });
  });

  it('a failed handshake rejects opened and closed with a WebSocketError', async () => {
    const wss = new WebSocketStream('ws://127.0.0.1:1/');
    await expect(wss.opened).rejects.toBeInstanceOf(WebSocketError);
    await expect(wss.closed).rejects.toBeInstanceOf(WebSocketError);
  });

  it('close() during the handshake aborts it; bad close arguments throw DOMExceptions', async () => {
    const wss = new WebSocketStream(wsEcho);
    expect(() => wss.close({ closeCode: 1001 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => wss.close({ reason: 'x'.repeat(124) })).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    wss.close();
    await expect(wss.opened).rejects.toBeInstanceOf(WebSocketError);
  });
});

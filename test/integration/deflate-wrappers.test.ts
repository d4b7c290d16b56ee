/**
 * perMessageDeflate defaults and reporting in every API, against a ws server that accepts the
 * extension: off for connect() and ReconnectingWebSocket (opt in, passed through), on for
 * curlws/ws (as ws) and the WHATWG WebSocket (as browsers and undici), `false` off everywhere;
 * `extensions` in each reference's shape.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ReconnectingWebSocket, WebSocket, WsWebSocket, connect } from '../../lib/index.js';
import { binding } from '../../lib/core/native.js';

let wss: WebSocketServer;
let url: string;
const offers: string[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0, serverNoContextTakeover: true } as never });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(wss as unknown as { address(): AddressInfo }).address().port}/`;
  wss.on('connection', (socket, req) => {
    offers.push(req.headers['sec-websocket-extensions'] ?? '');
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
});
afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

const AGREED = 'permessage-deflate; server_no_context_takeover';

describe('connect()', () => {
  it('offers nothing by default', async () => {
    const conn = await connect(url);
    expect(offers.at(-1)).toBe('');
    expect(conn.extensions).toBe('');
    await conn.close();
  });
  it('perMessageDeflate: true: the agreed element in extensions', async () => {
    const conn = await connect(url, { perMessageDeflate: true });
    expect(conn.extensions).toBe(AGREED);
    await conn.close();
  });
});

describe('curlws/ws', () => {
  const open = (options?: object): Promise<WsWebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WsWebSocket(url, options);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });

  it('offers by default and reports extension names as ws does', async () => {
    const ws = await open();
    expect(offers.at(-1)).toBe('permessage-deflate; client_max_window_bits');
    expect(ws.extensions).toBe('permessage-deflate');
    const echoed = new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('x'.repeat(5000));
    expect(await echoed).toBe('x'.repeat(5000));
    ws.close();
  });
  it("takes ws's settings object, zlibDeflateOptions included", async () => {
    const ws = await open({ perMessageDeflate: { clientMaxWindowBits: 10, zlibDeflateOptions: { level: 1 }, concurrencyLimit: 4 } });
    expect(offers.at(-1)).toBe('permessage-deflate; client_max_window_bits=10');
    expect(ws.extensions).toBe('permessage-deflate');
    ws.close();
  });
  it('perMessageDeflate: false offers nothing', async () => {
    const ws = await open({ perMessageDeflate: false });
    expect(offers.at(-1)).toBe('');
    expect(ws.extensions).toBe('');
    ws.close();
  });
});

describe('WHATWG WebSocket', () => {
  const open = (options?: object): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [], options);
      ws.onopen = () => resolve(ws);
      ws.onerror = reject;
    });
  it('offers by default; extensions is the agreed header value', async () => {
    const ws = await open();
    expect(offers.at(-1)).toBe('permessage-deflate; client_max_window_bits');
    expect(ws.extensions).toBe(AGREED);
    ws.close();
  });
  it('perMessageDeflate: false offers nothing', async () => {
    const ws = await open({ perMessageDeflate: false });
    expect(offers.at(-1)).toBe('');
    expect(ws.extensions).toBe('');
    ws.close();
  });
});

describe('ReconnectingWebSocket', () => {
  it('passes perMessageDeflate through to every connection', async () => {
    const rws = new ReconnectingWebSocket(url, { perMessageDeflate: { serverMaxWindowBits: 12 } });
    const reply = new Promise((resolve) => rws.once('message', (d: unknown) => resolve(String(d))));
    await new Promise((resolve) => rws.once('open', resolve));
    await rws.send('y'.repeat(3000));
    expect(await reply).toBe('y'.repeat(3000));
    expect(offers.at(-1)).toBe('permessage-deflate; server_max_window_bits=12; client_max_window_bits');
    await rws.close();
  });
});

describe('zlib memory', () => {
  const zlib = (): number => binding.diagnostics().zlibBytes;
  const settle = async (pred: (n: number) => boolean, what: string): Promise<number> => {
    for (let i = 0; i < 200; i++) {
      if (pred(zlib())) return zlib();
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`zlib memory never ${what}: ${zlib()} bytes`);
  };

  it('none until a compressed message needs it; the compressor is released once sending stops', async () => {
    const before = zlib();
    const conn = await connect(url, { perMessageDeflate: true });
    expect(zlib()).toBe(before); // negotiated, nothing made yet
    const echoed = new Promise((resolve) => conn.once('message', resolve));
    await conn.send('z'.repeat(4000));
    await echoed;
    // Both streams exist now: the compressor (~256 KiB at 15/8) and the inflater.
    expect(zlib() - before).toBeGreaterThan(200 * 1024);
    // No send for a while: the compressor's stream goes (its window is parked); the inflater
    // was freed after the message already (this server agreed to server_no_context_takeover).
    const idle = await settle((n) => n - before < 64 * 1024, 'went down after sending stopped');
    expect(idle - before).toBeLessThan(64 * 1024);
    // And compressing again works from the parked window.
    const again = new Promise((resolve) => conn.once('message', resolve));
    await conn.send('z'.repeat(4000));
    expect(await again).toBe('z'.repeat(4000));
    await conn.close();
    await settle((n) => n === before, 'returned to its level after close');
  });
});

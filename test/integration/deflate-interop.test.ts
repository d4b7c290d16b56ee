/**
 * permessage-deflate (RFC 7692) against two independent implementations: npm ws (server side
 * with perMessageDeflate, every parameter combination from both ends) and Debian's
 * python3-websockets (compression on, its default). Text and binary from 0 B to 16 MiB come back
 * identical; the server really saw compressed frames (its byte count on the wire); bursts of
 * similar JSON shrink further with context takeover than without it.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { PerMessageDeflateOptions } from '../../lib/index.js';
import { connect } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { patternBuffer, patternText, sha256 } from '../helpers/pattern.js';
import { pyEchoUnavailableReason, startPyEcho, type PyEcho } from '../servers/py-echo.js';

const MiB = 1024 * 1024;

interface EchoServer {
  url: string;
  /** bytes the server read from its sockets (what the client put on the wire) */
  wireIn(): number;
  /** the Sec-WebSocket-Extensions each connection offered */
  offers: string[];
  close(): Promise<void>;
}

/** A ws echo server with these perMessageDeflate settings (threshold 0: it compresses all). */
async function wsServer(perMessageDeflate: Record<string, unknown> | false): Promise<EchoServer> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    maxPayload: 64 * MiB,
    // The shim types no perMessageDeflate object (test/servers/ws-shim.d.ts).
    perMessageDeflate: (perMessageDeflate && { threshold: 0, ...perMessageDeflate }) as boolean,
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let wire = 0;
  const offers: string[] = [];
  wss.on('connection', (socket, req) => {
    offers.push(req.headers['sec-websocket-extensions'] ?? '');
    (socket as unknown as { _socket: NodeJS.ReadableStream })._socket.on('data', (d: Buffer) => {
      wire += d.length;
    });
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  return {
    url: `ws://127.0.0.1:${(wss as unknown as { address(): AddressInfo }).address().port}/`,
    wireIn: () => wire,
    offers,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

/** Sends each payload and expects it back unchanged (same type, same bytes), in order. */
async function roundTrip(url: string, options: PerMessageDeflateOptions | boolean, payloads: (string | Buffer)[]) {
  const conn = await connect(url, { perMessageDeflate: options, maxPayload: 64 * MiB });
  const t = track(conn);
  for (const p of payloads) conn.send(p);
  const got = await t.messagesAfter(payloads.length);
  payloads.forEach((p, i) => {
    const m = got[i]!;
    expect(m.isBinary).toBe(typeof p !== 'string');
    if (typeof p === 'string') expect(m.data === p).toBe(true);
    else expect(sha256(m.data as Buffer)).toBe(sha256(p));
  });
  const extensions = conn.extensions;
  await conn.close(1000);
  expect(t.errors()).toEqual([]);
  return extensions;
}

const SIZES = [0, 1, 125, 126, 1023, 1024, 65535, 65536, MiB];
const mixed = (sizes: number[]): (string | Buffer)[] => sizes.flatMap((n) => [patternText(n, n), patternBuffer(n, n + 1)]);
// Compressible: what a JSON feed looks like (pattern data barely compresses).
const json = (i: number): string =>
  JSON.stringify({ id: i, type: 'trade', symbol: 'ABCDEF', price: 100 + (i % 50), qty: i % 7, tags: ['a', 'b', 'c'] });

// Each server setting against each client setting: both sides' parameters, accepted, declined
// and clamped (the server answers with a lower window than the client allowed).
const SERVER_SIDES: [string, Record<string, unknown>][] = [
  ['defaults', {}],
  ['server_no_context_takeover', { serverNoContextTakeover: true }],
  ['client_no_context_takeover', { clientNoContextTakeover: true }],
  ['server_max_window_bits=9', { serverMaxWindowBits: 9 }],
  ['client_max_window_bits=8', { clientMaxWindowBits: 8 }],
  ['everything', { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }],
];
const CLIENT_SIDES: [string, PerMessageDeflateOptions | true][] = [
  ['true', true],
  ['serverNoContextTakeover', { serverNoContextTakeover: true }],
  ['clientNoContextTakeover', { clientNoContextTakeover: true, threshold: 0 }],
  ['serverMaxWindowBits 10', { serverMaxWindowBits: 10 }],
  // 13 against a server limiting it to 11 (or 8): clamped by the answer; a value below the
  // server's own would make ws refuse the upgrade (400).
  ['clientMaxWindowBits 13', { clientMaxWindowBits: 13 }],
  ['level 9 memLevel 9', { level: 9, memLevel: 9 }],
  ['level 0 memLevel 1', { level: 0, memLevel: 1 }],
  [
    'every parameter',
    { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 12, threshold: 16 },
  ],
];

describe('permessage-deflate against ws', () => {
  describe.each(SERVER_SIDES)('server %s', (_name, serverOptions) => {
    let server: EchoServer;
    beforeAll(async () => {
      server = await wsServer(serverOptions);
    });
    afterAll(() => server.close());

    it.each(CLIENT_SIDES)('client %s: text and binary 0 B-1 MiB and a JSON burst come back identical', async (_c, clientOptions) => {
      const extensions = await roundTrip(server.url, clientOptions, [...mixed(SIZES), ...Array.from({ length: 300 }, (_, i) => json(i))]);
      expect(extensions).toMatch(/^permessage-deflate\b/);
    });
  });

  describe('one server', () => {
    let server: EchoServer;
    beforeAll(async () => {
      server = await wsServer({});
    });
    afterAll(() => server.close());

    it('16 MiB text and binary come back identical', async () => {
      await roundTrip(server.url, true, [patternText(16 * MiB, 3), patternBuffer(16 * MiB, 4)]);
    });

    it('16 MiB of zeros crosses the wire in a few KiB each way', async () => {
      const before = server.wireIn();
      await roundTrip(server.url, true, [Buffer.alloc(16 * MiB)]);
      expect(server.wireIn() - before).toBeLessThan(64 * 1024);
    });

    it('fragments sent with fin=false form one compressed message', async () => {
      const conn = await connect(server.url, { perMessageDeflate: true });
      const t = track(conn);
      const parts = [json(1), json(2), '', json(3)];
      await conn.send(parts[0]!, { fin: false });
      await conn.send(parts[1]!, { fin: false });
      await conn.send(parts[2]!, { fin: false });
      await conn.send(parts[3]!);
      const [m] = await t.messagesAfter(1);
      expect(m!.data).toBe(parts.join(''));
      await conn.close(1000);
    });

    it('offers the extension (client_max_window_bits, as ws does) and reports the agreed element', async () => {
      const conn = await connect(server.url, { perMessageDeflate: true });
      expect(server.offers.at(-1)).toBe('permessage-deflate; client_max_window_bits');
      expect(conn.extensions).toBe('permessage-deflate');
      await conn.close(1000);
    });

    it('a burst of similar JSON costs less on the wire with context takeover than without', async () => {
      const burst = Array.from({ length: 500 }, (_, i) => json(i));
      const raw = burst.reduce((n, s) => n + Buffer.byteLength(s), 0);
      let before = server.wireIn();
      await roundTrip(server.url, true, burst);
      const withContext = server.wireIn() - before;
      before = server.wireIn();
      await roundTrip(server.url, { clientNoContextTakeover: true, threshold: 0 }, burst);
      const withoutContext = server.wireIn() - before;
      expect(withContext).toBeLessThan(withoutContext);
      expect(withContext).toBeLessThan(raw / 3);
    });

    it('perMessageDeflate false (the connect() default) offers nothing and sends plain frames', async () => {
      const conn = await connect(server.url);
      expect(server.offers.at(-1)).toBe('');
      expect(conn.extensions).toBe('');
      await conn.close(1000);
    });
  });

  it('a server without the extension declines: the connection works uncompressed', async () => {
    const server = await wsServer(false);
    try {
      const extensions = await roundTrip(server.url, true, mixed([0, 200, 70000]));
      expect(extensions).toBe('');
      expect(server.offers.at(-1)).toMatch(/^permessage-deflate/);
    } finally {
      await server.close();
    }
  });
});

const pySkip = pyEchoUnavailableReason();
describe.skipIf(pySkip !== '')(`permessage-deflate against python3-websockets${pySkip ? ` (skipped: ${pySkip})` : ''}`, () => {
  let py: PyEcho;
  beforeAll(async () => {
    py = await startPyEcho(['--deflate']);
  });
  afterAll(() => py?.close());

  it('negotiates with its default offer answer and echoes 0 B-16 MiB text and binary', async () => {
    // The server's max_size (16 MiB + 1 KiB) applies to the compressed frame too, and pattern
    // data barely compresses (stored blocks add 5 bytes per 64 KiB): stay a little below.
    const big = 16 * MiB - 64 * 1024;
    const extensions = await roundTrip(`ws://127.0.0.1:${py.port}/`, true, [
      ...mixed(SIZES),
      patternText(big, 5),
      patternBuffer(big, 6),
      Buffer.alloc(16 * MiB),
    ]);
    expect(extensions).toMatch(/^permessage-deflate/);
  });

  it.each(CLIENT_SIDES)('client %s: a JSON burst relying on context takeover', async (_c, clientOptions) => {
    const burst = Array.from({ length: 300 }, (_, i) => json(i));
    await roundTrip(`ws://127.0.0.1:${py.port}/`, clientOptions, burst);
  });
});

/**
 * permessage-deflate against a peer that lies: a raw TCP server (no library) answers the upgrade
 * with a chosen Sec-WebSocket-Extensions value and then writes crafted frames. Checked: the
 * answer is validated (WS_ERR_UNEXPECTED_EXTENSION naming the parameter), a compression bomb
 * stops at maxPayload (1009) before the rest of its frame has even arrived, RSV1 where RFC 7692
 * forbids it is 1002, corrupt compressed data is 1007 (as ws) — and in each case the CLOSE the
 * server receives carries that code.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import type { ConnectOptions } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { rawFrame as frame } from '../servers/raw-server.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MiB = 1024 * 1024;

interface Script {
  /** the Sec-WebSocket-Extensions answer ('' sends none) */
  answer: string;
  /** what to write after the 101; may wait for the client's CLOSE */
  run?: (socket: net.Socket, closeFromClient: Promise<number>) => Promise<void> | void;
}

const scripts = new Map<string, Script>();
let port = 0;
let server: net.Server;
const sockets = new Set<net.Socket>();

/** RFC 7692 §7.2.1: raw deflate, sync flush, the 00 00 ff ff tail removed. */
function compress(data: Buffer): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Resolves with the close code of the first CLOSE frame the client sends (masked frames). */
function clientClose(socket: net.Socket, initial: Buffer): Promise<number> {
  return new Promise((resolve) => {
    let buf = initial;
    const scan = (): void => {
      while (buf.length >= 2) {
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + 4 + len) return;
        const key = buf.subarray(off, off + 4);
        const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len));
        for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
        if ((buf[0]! & 0x0f) === 0x8) {
          resolve(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
          return;
        }
        buf = buf.subarray(off + 4 + len);
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      scan();
    });
    socket.on('close', () => resolve(-1));
    scan();
  });
}

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const request = head.subarray(0, end).toString('latin1');
      const rest = head.subarray(end + 4);
      const path = /^GET (\S+)/.exec(request)?.[1] ?? '/';
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(request)?.[1] ?? '';
      const script = scripts.get(path);
      if (!script) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n` +
          (script.answer ? `Sec-WebSocket-Extensions: ${script.answer}\r\n` : '') +
          '\r\n',
      );
      const closed = clientClose(socket, rest);
      void Promise.resolve(script.run?.(socket, closed)).then(() => closed.then(() => socket.end()));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

let next = 0;
function route(script: Script): string {
  const path = `/s${next++}`;
  scripts.set(path, script);
  return `ws://127.0.0.1:${port}${path}`;
}

describe('the server answer is validated', () => {
  it.each([
    ['an unknown parameter', 'permessage-deflate; foo=1', 'foo'],
    ['a repeated parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'server_no_context_takeover'],
    ['a value on server_no_context_takeover', 'permessage-deflate; server_no_context_takeover=1', 'server_no_context_takeover'],
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16', 'server_max_window_bits'],
    ['server_max_window_bits=08 (leading zero)', 'permessage-deflate; server_max_window_bits=08', 'server_max_window_bits'],
    ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7', 'client_max_window_bits'],
    ['two permessage-deflate elements', 'permessage-deflate, permessage-deflate', 'permessage-deflate'],
    ['another extension', 'x-webkit-deflate-frame', 'x-webkit-deflate-frame'],
  ])('%s fails the handshake with WS_ERR_UNEXPECTED_EXTENSION', async (_what, answer, named) => {
    const err = (await connect(route({ answer }), { perMessageDeflate: true }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('WS_ERR_UNEXPECTED_EXTENSION');
    expect(err.message).toContain(named);
  });

  it('client_max_window_bits in the answer when not offered (clientMaxWindowBits: false) is refused', async () => {
    const url = route({ answer: 'permessage-deflate; client_max_window_bits=10' });
    const err = (await connect(url, { perMessageDeflate: { clientMaxWindowBits: false } }).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(err.code).toBe('WS_ERR_UNEXPECTED_EXTENSION');
    expect(err.message).toContain('client_max_window_bits');
  });

  it('client_no_context_takeover is refused when clientNoContextTakeover is false (as ws)', async () => {
    const url = route({ answer: 'permessage-deflate; client_no_context_takeover' });
    const err = (await connect(url, { perMessageDeflate: { clientNoContextTakeover: false } }).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(err.code).toBe('WS_ERR_UNEXPECTED_EXTENSION');
    expect(err.message).toContain('client_no_context_takeover');
  });

  it('an extension answered when none was offered is refused (the plain path)', async () => {
    const err = (await connect(route({ answer: 'permessage-deflate' })).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('WS_ERR_UNEXPECTED_EXTENSION');
  });
});

/** Opens with `options`, waits for the connection's end; returns the error and the CLOSE code the server got. */
async function violation(script: Script, options: ConnectOptions) {
  let serverGot!: Promise<number>;
  const url = route({
    answer: script.answer,
    run: (socket, closed) => {
      serverGot = closed;
      return script.run?.(socket, closed);
    },
  });
  const conn = await connect(url, options);
  const t = track(conn);
  const close = await t.closed;
  const [error] = t.errors();
  return { error, close, serverGot: await serverGot, messages: t.messages() };
}

describe('hostile frames after permessage-deflate was agreed', () => {
  const agreed = { answer: 'permessage-deflate' };

  it('a 256 MiB bomb in one frame stops at maxPayload 1 MiB with 1009 before the frame has even arrived', async () => {
    const bomb = compress(Buffer.alloc(256 * MiB));
    const r = await violation(
      {
        ...agreed,
        run: async (socket, closed) => {
          // The header declares the whole frame, but only an eighth of it is sent before the
          // client answers: everything it needed to fail was the first 1 MiB's worth.
          const whole = frame(0xc2, bomb);
          socket.write(whole.subarray(0, 10 + (bomb.length >> 3)));
          await closed;
        },
      },
      { perMessageDeflate: true, maxPayload: MiB },
    );
    expect(r.error?.code).toBe('WS_ERR_MESSAGE_TOO_BIG');
    expect(r.error?.closeCode).toBe(1009);
    expect(r.serverGot).toBe(1009);
    expect(r.messages).toEqual([]);
  });

  it('a message inflating to exactly maxPayload is delivered; one byte more is 1009', async () => {
    const close1000 = frame(0x88, Buffer.from([0x03, 0xe8]));
    const ok = await violation(
      { ...agreed, run: (s) => void s.write(Buffer.concat([frame(0xc2, compress(Buffer.alloc(MiB, 1))), close1000])) },
      { perMessageDeflate: true, maxPayload: MiB },
    );
    expect(ok.messages.length).toBe(1);
    expect((ok.messages[0]!.data as Buffer).length).toBe(MiB);
    expect(ok.error).toBeUndefined();
    expect(ok.close.code).toBe(1000);
    const over = await violation(
      { ...agreed, run: (s) => void s.write(frame(0xc2, compress(Buffer.alloc(MiB + 1, 1)))) },
      { perMessageDeflate: true, maxPayload: MiB },
    );
    expect(over.error?.closeCode).toBe(1009);
    expect(over.serverGot).toBe(1009);
  });

  it.each([
    ['RSV1 on a PING', frame(0xc9, Buffer.from('x'))],
    ['RSV1 on a CLOSE', frame(0xc8, Buffer.from([0x03, 0xe8]))],
    ['RSV1 on a continuation frame', Buffer.concat([frame(0x41, compress(Buffer.from('ab'))), frame(0xc0, Buffer.from([0]))])],
    ['RSV2 on a text frame', frame(0xa1, Buffer.from('x'))],
  ])('%s is a protocol error: 1002', async (_what, bytes) => {
    const r = await violation({ ...agreed, run: (s) => void s.write(bytes) }, { perMessageDeflate: true });
    expect(r.error?.code).toBe('WS_ERR_PROTOCOL');
    expect(r.error?.closeCode).toBe(1002);
    expect(r.serverGot).toBe(1002);
  });

  it('corrupt compressed data is 1007 (as ws): WS_ERR_INVALID_COMPRESSED_DATA', async () => {
    const r = await violation(
      { ...agreed, run: (s) => void s.write(frame(0xc1, Buffer.from([0xff, 0xff, 0xff, 0x00, 0x12]))) },
      { perMessageDeflate: true },
    );
    expect(r.error?.code).toBe('WS_ERR_INVALID_COMPRESSED_DATA');
    expect(r.error?.closeCode).toBe(1007);
    expect(r.serverGot).toBe(1007);
  });

  it.each(['string', 'bytes'] as const)('compressed text that inflates to invalid UTF-8 is 1007 (textAs %s)', async (textAs) => {
    const r = await violation(
      { ...agreed, run: (s) => void s.write(frame(0xc1, compress(Buffer.from([0x61, 0xc3, 0x28])))) },
      { perMessageDeflate: true, textAs },
    );
    expect(r.error?.code).toBe('WS_ERR_INVALID_UTF8');
    expect(r.error?.closeCode).toBe(1007);
    expect(r.serverGot).toBe(1007);
    expect(r.messages).toEqual([]);
  });

  it("textAs 'bytes' on the engine's receive path: compressed text, small and 100 KiB, arrives as its UTF-8 bytes, isBinary false", async () => {
    const small = Buffer.from('héllo €');
    const large = Buffer.from('ü'.repeat(50 * 1024));
    const close1000 = frame(0x88, Buffer.from([0x03, 0xe8]));
    const r = await violation(
      { ...agreed, run: (s) => void s.write(Buffer.concat([frame(0xc1, compress(small)), frame(0xc1, compress(large)), close1000])) },
      { perMessageDeflate: true, textAs: 'bytes' },
    );
    expect(r.error).toBeUndefined();
    expect(r.messages.map((m) => [Buffer.isBuffer(m.data), m.isBinary])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect((r.messages[0]!.data as Buffer).equals(small)).toBe(true);
    expect((r.messages[1]!.data as Buffer).equals(large)).toBe(true);
  });
});

describe('RSV1 without negotiation', () => {
  const rsv1Text = frame(0xc1, compress(Buffer.from('hello')));

  it('offered but declined by the server (the engine parser): 1002', async () => {
    const r = await violation({ answer: '', run: (s) => void s.write(rsv1Text) }, { perMessageDeflate: true });
    expect(r.error?.closeCode).toBe(1002);
    expect(r.serverGot).toBe(1002);
  });

  it('not offered (libcurl decoder): 1002', async () => {
    const r = await violation({ answer: '', run: (s) => void s.write(rsv1Text) }, {});
    expect(r.error?.closeCode).toBe(1002);
    expect(r.serverGot).toBe(1002);
  });
});

/**
 * A deliberately broken permessage-deflate client, to prove the fuzzer's 12.x/13.x grading can
 * fail a client (test/conformance/deflate-cases.test.ts). It negotiates like ws's default offer,
 * echoes every message compressed, and breaks one promise of the negotiation:
 *   'context'    keeps its LZ77 window across messages although the server asked for
 *                client_no_context_takeover (13.2.x, 13.5.x, 13.6.x)
 *   'window'     deflates with a 15-bit window although the server asked for
 *                client_max_window_bits=8 (13.3.x, 13.5.x)
 *   'rsv1-cont'  sets RSV1 on a continuation frame too (every case with a fragmented echo)
 * Raw sockets and node:zlib only; loopback only.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { parseExtensions, pass, TAIL } from './deflate.mjs';

function frame(opcode, payload, { fin = true, rsv1 = false } = {}) {
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, 0x80 | n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  head[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

export async function cheatAgent(name, cheat) {
  return {
    name,
    version: `deflate-cheat (${cheat})`,
    open(url, { onMessage, echo = true } = {}) {
      return new Promise((resolve) => {
        const u = new URL(url);
        const key = randomBytes(16).toString('base64');
        const socket = net.connect(Number(u.port), u.hostname);
        let buf = Buffer.alloc(0);
        let open = false;
        let params = null;
        let inflater = null;
        let deflater = null;
        const parts = [];
        let opcode0 = 0;
        let compressed = false;
        let chain = Promise.resolve();
        let code = null;
        let error;
        socket.on('connect', () =>
          socket.write(
            `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
              'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
          ),
        );
        const echoMessage = async (message, binary) => {
          if (!params) {
            socket.write(frame(binary ? 2 : 1, message));
            return;
          }
          const bits = cheat === 'window' ? 15 : Number(params.client_max_window_bits ?? 15);
          if (!deflater || (params.client_no_context_takeover && cheat !== 'context')) {
            deflater = zlib.createDeflateRaw({ windowBits: bits });
          }
          const out = await pass(deflater, [message]);
          const payload = out.subarray(0, out.length - 4);
          if (payload.length > 2 && cheat === 'rsv1-cont') {
            socket.write(frame(binary ? 2 : 1, payload.subarray(0, 1), { fin: false, rsv1: true }));
            socket.write(frame(0, payload.subarray(1), { rsv1: true }));
          } else {
            socket.write(frame(binary ? 2 : 1, payload, { rsv1: true }));
          }
        };
        const onFrame = (fin, rsv1, opcode, payload) => {
          if (opcode === 8) {
            code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
            socket.end(frame(8, payload.subarray(0, 2)));
            return;
          }
          if (opcode === 9) {
            socket.write(frame(10, payload));
            return;
          }
          if (opcode === 10) return;
          if (opcode !== 0) {
            opcode0 = opcode;
            compressed = rsv1;
            parts.length = 0;
          }
          parts.push(payload);
          if (!fin) return;
          const whole = Buffer.concat(parts);
          const binary = opcode0 === 2;
          chain = chain.then(async () => {
            let message = whole;
            if (compressed) {
              if (!inflater || params.server_no_context_takeover) {
                inflater = zlib.createInflateRaw({ windowBits: Number(params.server_max_window_bits ?? 15) });
              }
              message = await pass(inflater, [whole, TAIL]);
            }
            onMessage?.(message, binary);
            if (echo) await echoMessage(message, binary);
          });
        };
        socket.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          if (!open) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head = buf.subarray(0, end).toString('latin1');
            buf = buf.subarray(end + 4);
            const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
            if (!head.startsWith('HTTP/1.1 101') || !head.includes(accept)) {
              error = `handshake failed: ${head.split('\r\n')[0]}`;
              socket.destroy();
              return;
            }
            const ext = /^sec-websocket-extensions:\s*(.*)$/im.exec(head)?.[1];
            if (ext) params = Object.fromEntries(parseExtensions(ext)[0].params);
            open = true;
          }
          while (buf.length >= 2) {
            const len7 = buf[1] & 0x7f;
            const hlen = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
            if (buf.length < hlen) return;
            const n = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
            if (buf.length < hlen + n) return;
            const payload = buf.subarray(hlen, hlen + n);
            onFrame((buf[0] & 0x80) !== 0, (buf[0] & 0x40) !== 0, buf[0] & 0x0f, payload);
            buf = buf.subarray(hlen + n);
          }
        });
        socket.on('error', (e) => {
          error ??= e.message;
        });
        socket.on('close', () => resolve({ code, reason: '', wasClean: code !== null, error }));
      });
    },
  };
}

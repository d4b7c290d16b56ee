// WebSocket frame encoding that can lie (wrong lengths, reserved bits, masks, non-minimal
// length forms) and an incremental parser for what the client sends, for the hostile server.
import { createHash } from 'node:crypto';

export const Op = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa };
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key) {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * @param {object} f
 * @param {number} f.opcode
 * @param {Buffer} [f.payload]
 * @param {boolean} [f.fin=true]
 * @param {number} [f.rsv=0] 3-bit RSV1..3
 * @param {Buffer} [f.mask] 4-byte key: the server must not mask, so this is a violation
 * @param {number|bigint} [f.declared] length written in the header instead of the real one
 * @param {'auto'|'16'|'64'} [f.form='auto'] length encoding; 16/64 on small payloads is non-minimal
 */
export function encodeFrame(f) {
  const payload = f.payload ?? Buffer.alloc(0);
  const declared = BigInt(f.declared ?? payload.length);
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | (((f.rsv ?? 0) & 7) << 4) | (f.opcode & 0x0f);
  const maskBit = f.mask ? 0x80 : 0;
  let form = f.form ?? 'auto';
  if (form === 'auto') form = declared < 126n ? '7' : declared < 65536n ? '16' : '64';
  if (form === '16' && declared >= 65536n) form = '64';
  let header;
  if (form === '7') {
    header = Buffer.from([b0, maskBit | Number(declared)]);
  } else if (form === '16') {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(declared), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt.asUintN(64, declared), 2);
  }
  if (!f.mask) return Buffer.concat([header, payload]);
  const masked = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ f.mask[i & 3];
  return Buffer.concat([header, f.mask, masked]);
}

/** Client→server frames. Gives up (returns null forever) on a frame it cannot make sense of. */
export class FrameParser {
  #buf = Buffer.alloc(0);
  #broken = false;

  /** @returns {{fin: boolean, opcode: number, payload: Buffer}[]} */
  push(data) {
    if (this.#broken) return [];
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
    const out = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > 64n * 1024n * 1024n) {
          this.#broken = true; // our client never sends that much in one frame
          return out;
        }
        len = Number(big);
        off = 10;
      }
      if (masked) off += 4;
      if (b.length < off + len) break;
      const payload = Buffer.from(b.subarray(off, off + len));
      if (masked) {
        const key = b.subarray(off - 4, off);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      }
      out.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload });
      this.#buf = b.subarray(off + len);
    }
    return out;
  }
}

import { createHash } from 'node:crypto';

/** Deterministic, non-repeating-looking bytes: the same size always gives the same content. */
export function patternBuffer(size: number, seed = 0): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0;
  for (let i = 0; i < size; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** Deterministic printable ASCII text of exactly `size` characters (= bytes in UTF-8). */
export function patternText(size: number, seed = 0): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_';
  const bytes = patternBuffer(size, seed);
  let out = '';
  const chunk: string[] = [];
  for (let i = 0; i < size; i++) {
    chunk.push(alphabet[bytes[i]! % alphabet.length]!);
    if (chunk.length === 65536) {
      out += chunk.join('');
      chunk.length = 0;
    }
  }
  return out + chunk.join('');
}

/** Payload of message `index` of the raw server's `/many` path: uint32 BE index, then (index & 0xff). */
export function manyPayload(index: number, size: number): Buffer {
  const buf = Buffer.alloc(size, index & 0xff);
  if (size >= 4) buf.writeUInt32BE(index >>> 0, 0);
  return buf;
}

export function sha256(data: string | Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

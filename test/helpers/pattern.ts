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

/** Pieces of UTF-8 of every length: 1 byte, 2 bytes, 3 bytes, 4 bytes (a surrogate pair in JS). */
const TEXT_PIECES = ['a', 'Zz', 'é', 'ß', '€', '中文', '😀', '𝄞', ' ', 'abcdefghijklmn', '\u0000', 'ÿ'];

/**
 * Text message `index` of the raw server's `/mixed` path: ASCII or not, empty, short, or (every
 * 97th) over 64 KiB, so each kind of text delivery is exercised.
 */
export function mixedText(index: number): string {
  if (index % 50 === 0) return '';
  let s = `${index}:`;
  const pieces = index % 97 === 5 ? 40_000 : index % 17;
  for (let k = 0; k < pieces; k++) s += TEXT_PIECES[(index * 7 + k * 3) % TEXT_PIECES.length];
  return index % 3 === 0 ? s.replace(/[^\x20-\x7e]/g, '.') : s; // every third one pure ASCII
}

/** One event of the `/mixed` sequence, as the client must see it. */
export type MixedItem =
  | { kind: 'text'; data: string; fragments: number }
  | { kind: 'binary'; data: Buffer; fragments: number }
  | { kind: 'ping' | 'pong'; data: Buffer };

/**
 * What the raw server's `/mixed` path sends in one socket write: small and large, text and
 * binary, whole and fragmented messages, with PINGs and PONGs between them.
 */
export function mixedSequence(count = 600): MixedItem[] {
  const out: MixedItem[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 6) {
      case 0:
        out.push({ kind: 'text', data: mixedText(i), fragments: 1 });
        break;
      case 1:
        out.push({ kind: 'binary', data: manyPayload(i, i % 40), fragments: 1 });
        break;
      case 2:
        out.push({ kind: 'ping', data: Buffer.from(`ping ${i}`) });
        break;
      case 3: // every 10th of these is large: received straight into its Buffer
        out.push({ kind: 'binary', data: patternBuffer(i % 60 === 3 ? 70_000 + i : 1000, i), fragments: i % 8 === 3 ? 3 : 1 });
        break;
      case 4:
        out.push({ kind: 'text', data: mixedText(i), fragments: 3 });
        break;
      default:
        out.push({ kind: 'pong', data: Buffer.from(`pong ${i}`) });
    }
  }
  // A large binary message whose first fragments are small and whose final one is large.
  out.push({ kind: 'binary', data: patternBuffer(200_000, 7), fragments: 2 });
  return out;
}

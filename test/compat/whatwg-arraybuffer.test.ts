/**
 * binaryType 'arraybuffer': every message gets an ArrayBuffer of its own, exactly its bytes, that
 * the application may keep and write to without touching any other message. A message that
 * arrives alone in its read is handed the engine's batch memory itself (no copy); messages that
 * share a read get copies. Both must look the same from outside.
 */
import { describe, expect, inject, it } from 'vitest';
import { WebSocket } from '../../lib/index.js';
import { manyPayload } from '../helpers/pattern.js';
import { rawTarget } from '../helpers/raw.js';
import { firstMessages } from '../helpers/whatwg.js';

const wsEcho = inject('wsEchoUrl');

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('connection failed'));
  });
}

describe("binaryType 'arraybuffer'", () => {
  it('one message per read: each ArrayBuffer holds exactly that message and is independent', async () => {
    const ws = await open(wsEcho);
    const got: ArrayBuffer[] = [];
    for (let i = 0; i < 20; i++) {
      const next = firstMessages(ws, 1);
      ws.send(manyPayload(i, 64));
      got.push((await next)[0] as ArrayBuffer);
    }
    for (const [i, ab] of got.entries()) {
      expect(ab).toBeInstanceOf(ArrayBuffer);
      expect(Buffer.from(ab).equals(manyPayload(i, 64))).toBe(true);
    }
    // Writing into one changes no other.
    new Uint8Array(got[0]!).fill(0xee);
    for (const [i, ab] of got.entries()) if (i > 0) expect(Buffer.from(ab).equals(manyPayload(i, 64))).toBe(true);
    ws.close();
  });

  it('many messages in one read: each gets a copy of its own bytes, none sees the others', async () => {
    const count = 500;
    const ws = await open(rawTarget('/many', { count, size: 16 }).url);
    const got = (await firstMessages(ws, count)) as ArrayBuffer[];
    for (const ab of got) new Uint8Array(ab).reverse(); // the application scribbles on each
    for (const [i, ab] of got.entries()) {
      expect(ab.byteLength).toBe(16);
      expect(Buffer.from(ab).reverse().equals(manyPayload(i, 16))).toBe(true);
    }
    ws.close();
  });
});

/**
 * The receive path's batching (native/session/event_batch.h): many messages of every kind in one socket
 * write arrive in order and intact, values the application keeps stay intact while more arrive,
 * and a flood lets the event loop run.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket, connect } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { manyPayload, mixedSequence } from '../helpers/pattern.js';
import type { MixedItem } from '../helpers/pattern.js';
import { rawTarget } from '../helpers/raw.js';
import { firstMessages } from '../helpers/whatwg.js';

type Seen = { kind: string; data: string | Buffer };

function describeItem(item: MixedItem | Seen): string {
  const d = item.data;
  return `${item.kind} ${typeof d === 'string' ? `string(${d.length}) ${JSON.stringify(d.slice(0, 20))}` : `buffer(${d.length})`}`;
}

function sameItem(got: Seen, want: MixedItem): boolean {
  if (got.kind !== want.kind) return false;
  if (typeof want.data === 'string') return got.data === want.data;
  return Buffer.isBuffer(got.data) && got.data.equals(want.data);
}

describe('receive path', () => {
  it('/mixed: text (ASCII or not, empty, over 64 KiB), binary (small, large, fragmented), PINGs and PONGs from one write arrive in order, intact', async () => {
    const want = mixedSequence();
    const r = rawTarget('/mixed');
    const conn = await connect(r.url);
    const t = track(conn);
    const messages = want.filter((w) => w.kind === 'text' || w.kind === 'binary').length;
    await t.messagesAfter(messages);
    await t.until(
      (ev) => ev.filter((e) => e.type === 'ping' || e.type === 'pong').length === want.length - messages,
      'all PINGs and PONGs',
    );
    const seen: Seen[] = t.events.flatMap((e): Seen[] => {
      if (e.type === 'message') return [{ kind: e.isBinary ? 'binary' : 'text', data: e.data }];
      if (e.type === 'ping' || e.type === 'pong') return [{ kind: e.type, data: e.payload }];
      return [];
    });
    expect(seen).toHaveLength(want.length);
    // Checked only now, after everything arrived: every value must still hold its own bytes.
    for (let i = 0; i < want.length; i++) {
      if (!sameItem(seen[i]!, want[i]!)) expect.fail(`event ${i}: got ${describeItem(seen[i]!)}, want ${describeItem(want[i]!)}`);
    }
    // Both big-text forms were in there (Latin-1 and UTF-8 strings made from their own block).
    const bigTexts = want.filter((w) => w.kind === 'text' && Buffer.byteLength(w.data) > 65536) as { data: string }[];
    expect(bigTexts.some((w) => /^[\x00-\x7f]*$/.test(w.data))).toBe(true);
    expect(bigTexts.some((w) => !/^[\x00-\x7f]*$/.test(w.data))).toBe(true);
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });

  it.each(['arraybuffer', 'nodebuffer', 'blob'] as const)(
    'WebSocket with binaryType %s: every /mixed message arrives in order as its own value, exactly its bytes',
    async (binaryType) => {
      const want = mixedSequence().filter((w) => w.kind === 'text' || w.kind === 'binary');
      const ws = new WebSocket(rawTarget('/mixed').url);
      ws.binaryType = binaryType;
      const got = await firstMessages(ws, want.length);
      ws.close();
      for (let i = 0; i < want.length; i++) {
        const w = want[i]!;
        let data = got[i];
        if (w.kind === 'text') {
          if (data !== w.data) expect.fail(`message ${i}: text differs`);
          continue;
        }
        if (binaryType === 'arraybuffer') {
          if (!(data instanceof ArrayBuffer)) expect.fail(`message ${i}: not an ArrayBuffer`);
        } else if (binaryType === 'blob') {
          if (!(data instanceof Blob)) expect.fail(`message ${i}: not a Blob`);
          data = await (data as Blob).arrayBuffer();
        } else if (!Buffer.isBuffer(data)) {
          expect.fail(`message ${i}: not a Buffer`);
        }
        const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        if (!bytes.equals(w.data)) expect.fail(`message ${i}: ${bytes.length} bytes, want ${w.data.length}`);
      }
    },
  );

  it.each(['/truncated', '/rst'])(
    '%s in the middle of a 1 MiB frame (being received into its Buffer) → close 1006, no message',
    async (path) => {
      const r = rawTarget(path, { have: 300_000, declared: 1024 * 1024 });
      const conn = await connect(r.url);
      const t = track(conn);
      const c = await t.closed;
      expect(c.code).toBe(1006);
      expect(t.types()).not.toContain('message');
      expect(t.types().at(-1)).toBe('close');
    },
  );

  it('message Buffers and strings the application keeps are not overwritten by the 20,000 messages after them', async () => {
    const count = 20_000;
    const r = rawTarget('/many', { count, size: 24 });
    const conn = await connect(r.url);
    const kept: Buffer[] = [];
    const copies: Buffer[] = [];
    let n = 0;
    const done = new Promise<void>((resolve) => {
      conn.on('message', (data) => {
        if (n < 300 || n % 1000 === 0) {
          kept.push(data as Buffer);
          copies.push(Buffer.from(data as Buffer));
        }
        if (++n === count) resolve();
      });
    });
    await done;
    expect(kept).toHaveLength(319);
    for (let i = 0; i < kept.length; i++) {
      if (!kept[i]!.equals(copies[i]!)) expect.fail(`kept message ${i} changed`);
    }
    expect(kept[5]!.equals(manyPayload(5, 24))).toBe(true);
    expect(kept[kept.length - 1]!.equals(manyPayload(19_000, 24))).toBe(true);
    await conn.close(1000);
  });

  it('a flood does not starve the event loop: an immediate queued at the first of 64 × 256 KiB messages runs before the last arrives', async () => {
    const count = 64;
    const r = rawTarget('/many', { count, size: 256 * 1024 });
    const conn = await connect(r.url);
    let n = 0;
    let atImmediate = -1;
    const done = new Promise<void>((resolve) => {
      conn.on('message', (data) => {
        if (!(data as Buffer).equals(manyPayload(n, 256 * 1024))) expect.fail(`message ${n} wrong`);
        if (n === 0) setImmediate(() => (atImmediate = n));
        if (++n === count) resolve();
      });
    });
    await done;
    expect(atImmediate).toBeGreaterThan(0);
    expect(atImmediate).toBeLessThan(count);
    await conn.close(1000);
  });
});

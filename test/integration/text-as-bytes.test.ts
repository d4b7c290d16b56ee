/**
 * `textAs: 'bytes'`: text messages reach the application as Buffers of their UTF-8 bytes (never
 * decoded to a string), still validated (1007), on every path a message takes (a small one in the
 * batch's arena, a large one in its own block); the wrappers that want strings still get them.
 * The engine's own receive path (permessage-deflate) is covered in deflate-hostile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket, WsWebSocket, connect, createWebSocketStream } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { mixedSequence } from '../helpers/pattern.js';
import { rawTarget } from '../helpers/raw.js';
import { firstMessages } from '../helpers/whatwg.js';

const wantMessages = () => mixedSequence().filter((w) => w.kind === 'text' || w.kind === 'binary');

describe("textAs: 'bytes'", () => {
  it('/mixed: every text message (ASCII or not, empty, over 64 KiB, fragmented) is a Buffer of its UTF-8 bytes with isBinary false; binary is unchanged', async () => {
    const want = wantMessages();
    const conn = await connect(rawTarget('/mixed').url, { textAs: 'bytes' });
    const t = track(conn);
    await t.messagesAfter(want.length);
    const got = t.messages();
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const g = got[i]!;
      if (!Buffer.isBuffer(g.data)) expect.fail(`message ${i}: not a Buffer`);
      if (g.isBinary !== (w.kind === 'binary')) expect.fail(`message ${i}: isBinary ${g.isBinary}, want ${w.kind}`);
      const bytes = typeof w.data === 'string' ? Buffer.from(w.data) : w.data;
      if (!g.data.equals(bytes)) expect.fail(`message ${i}: ${g.data.length} bytes, want ${bytes.length}`);
    }
    // Both kinds of text delivery were exercised: in the arena and in a block of its own.
    const textSizes = want.filter((w) => w.kind === 'text').map((w) => Buffer.byteLength(w.data as string));
    expect(textSizes.some((n) => n > 65536)).toBe(true);
    expect(textSizes.some((n) => n > 0 && n < 1024)).toBe(true);
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });

  it.each(['/badutf8', '/badutf8-split'])('%s still fails with WS_ERR_INVALID_UTF8 / 1007 and delivers nothing', async (path) => {
    const conn = await connect(rawTarget(path).url, { textAs: 'bytes' });
    const t = track(conn);
    const closed = await t.closed;
    expect(closed.code).toBe(1006);
    expect(t.errors().map((e) => [e.code, e.closeCode])).toEqual([['WS_ERR_INVALID_UTF8', 1007]]);
    expect(t.messages()).toEqual([]);
  });

  it('/mixed with maxPayload just under a large text message: that text fails with 1009 and is not delivered; what came before it is whole', async () => {
    const want = wantMessages();
    const sizes = want.map((w) => (typeof w.data === 'string' ? Buffer.byteLength(w.data) : w.data.length));
    // The first text message over 64 KiB that is larger than everything before it: a limit one
    // byte under its size lets everything before it through and stops it.
    const overAt = want.findIndex((w, i) => w.kind === 'text' && sizes[i]! > 65536 && sizes.slice(0, i).every((n) => n < sizes[i]!));
    expect(overAt).toBeGreaterThan(0);
    const limit = sizes[overAt]! - 1;
    const conn = await connect(rawTarget('/mixed').url, { textAs: 'bytes', maxPayload: limit });
    const t = track(conn);
    await t.closed;
    expect(t.errors().map((e) => [e.code, e.closeCode])).toEqual([['WS_ERR_MESSAGE_TOO_BIG', 1009]]);
    const got = t.messages();
    expect(got.length).toBe(overAt);
    for (let i = 0; i < got.length; i++) {
      const w = want[i]!;
      const bytes = typeof w.data === 'string' ? Buffer.from(w.data) : w.data;
      const data = got[i]!.data;
      if (!Buffer.isBuffer(data) || !data.equals(bytes)) expect.fail(`message ${i} differs`);
    }
  });

  it('the WHATWG WebSocket still hands text as a string when given textAs: bytes', async () => {
    const want = wantMessages();
    const ws = new WebSocket(rawTarget('/mixed').url, [], { textAs: 'bytes' });
    const got = await firstMessages(ws, want.length);
    ws.close();
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      if (w.kind === 'text' && got[i] !== w.data) expect.fail(`message ${i}: text differs or is not a string`);
    }
  });

  it("curlws/ws: text reaches 'message' as a Buffer of its bytes with isBinary false (as ws)", async () => {
    const want = wantMessages();
    const ws = new WsWebSocket(rawTarget('/mixed').url);
    const got: [unknown, boolean][] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: unknown, isBinary: boolean) => {
        got.push([data, isBinary]);
        if (got.length === want.length) resolve();
      });
    });
    ws.terminate();
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      if (w.kind !== 'text') continue;
      const [data, isBinary] = got[i]!;
      if (!Buffer.isBuffer(data) || isBinary) expect.fail(`message ${i}: not a text Buffer`);
      if (!data.equals(Buffer.from(w.data))) expect.fail(`message ${i}: bytes differ`);
    }
  });

  it('createWebSocketStream over a textAs bytes connection: the bytes as they came; in objectMode, text as a string', async () => {
    const want = wantMessages();
    const bytesOf = (w: (typeof want)[number]) => (typeof w.data === 'string' ? Buffer.from(w.data) : w.data);
    const all = Buffer.concat(want.map(bytesOf));

    const bytes = createWebSocketStream(await connect(rawTarget('/mixed').url, { textAs: 'bytes' }));
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of bytes) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= all.length) break;
    }
    expect(Buffer.concat(chunks).equals(all)).toBe(true);

    const objects = createWebSocketStream(await connect(rawTarget('/mixed').url, { textAs: 'bytes' }), { objectMode: true });
    const got: unknown[] = [];
    for await (const chunk of objects) {
      got.push(chunk);
      if (got.length === want.length) break;
    }
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const g = got[i];
      if (w.kind === 'text') {
        if (g !== w.data) expect.fail(`objectMode message ${i}: not the string`);
      } else if (!Buffer.isBuffer(g) || !g.equals(w.data)) expect.fail(`objectMode message ${i}: bytes differ`);
    }
  });
});

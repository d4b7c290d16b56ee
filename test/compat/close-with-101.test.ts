/**
 * A server whose CLOSE arrives in the same read as its 101 (raw server `?together=1`): what the
 * application sends from its 'open' handler, or wrote to a stream while CONNECTING, is still
 * sent before the close reply, and its callback succeeds, as with ws (whose 'open' handler runs
 * before it parses the CLOSE). Run on ws, curlws/ws and the WHATWG WebSocket (undici when it
 * loads).
 */
import { describe, expect, it } from 'vitest';
import { createWebSocketStream } from 'ws';
import { curlWhatwg, undici, within, wsImpls } from './impls.js';
import type { WhatwgCtor, WsCtor } from './impls.js';
import { rawTarget, waitForSocketClosed } from '../helpers/raw.js';
import type { RawConnLog } from '../helpers/raw.js';

/** The client's frames as the server saw them: "opcode:text" in order. */
function clientFrames(log: RawConnLog): string[] {
  return log.received.map((f) => `${f.opcode}:${f.opcode === 0x8 ? (f.closeCode ?? '') : Buffer.from(f.payload, 'base64').toString()}`);
}

function closingTarget() {
  return rawTarget('/server-close', { code: 4000, reason: 'bye', together: 1 });
}

describe('server CLOSE in the same read as the 101 (ws-style API)', () => {
  for (const [name, Ctor] of wsImpls as [string, WsCtor][]) {
    it(`${name}: send() from 'open' reaches the server before the close reply; its callback gets no error`, async () => {
      const r = closingTarget();
      const ws = new Ctor(r.url);
      const events: unknown[] = [];
      const sent = new Promise<unknown>((resolve) => {
        ws.on('open', () => {
          events.push(['open', ws.readyState]);
          ws.send('from open', (err?: Error) => resolve(err ? err.message : 'ok'));
        });
      });
      const closed = new Promise<void>((resolve) =>
        ws.on('close', (code: number, reason: Buffer) => {
          events.push(['close', code, reason.toString()]);
          resolve();
        }),
      );
      ws.on('error', (err: Error) => events.push(['error', err.message]));
      expect(await within(sent, 10_000, 'the send callback')).toBe('ok');
      await within(closed, 10_000, 'close');
      expect(events).toEqual([
        ['open', 1],
        ['close', 4000, 'bye'],
      ]);
      const log = await waitForSocketClosed(r.id);
      expect(clientFrames(log)).toEqual(['1:from open', '8:4000']);
    });

    it(`${name}: a stream write made while CONNECTING goes out once open`, async () => {
      const r = closingTarget();
      const ws = new Ctor(r.url);
      const duplex = createWebSocketStream(ws as never);
      duplex.on('error', () => {});
      const written = new Promise<unknown>((resolve) => duplex.write('queued', (err?: Error | null) => resolve(err ? err.message : 'ok')));
      expect(await within(written, 10_000, 'the write callback')).toBe('ok');
      const log = await waitForSocketClosed(r.id);
      expect(clientFrames(log)).toEqual(['2:queued', '8:4000']);
      duplex.destroy();
    });
  }
});

describe('server CLOSE in the same read as the 101 (WHATWG API)', () => {
  const legs: [string, WhatwgCtor | undefined, string][] = [
    ['curlws', curlWhatwg, ''],
    ['undici', undici.ctor, undici.reason],
  ];
  for (const [name, Ctor, reason] of legs) {
    it.skipIf(!Ctor)(`${name}: send() from onopen reaches the server before the close reply${reason ? ` (${reason})` : ''}`, async () => {
      const r = closingTarget();
      const ws = new Ctor!(r.url);
      const events: unknown[] = [];
      ws.onopen = () => {
        events.push(['open', ws.readyState]);
        ws.send('from onopen');
      };
      ws.onerror = () => events.push(['error']);
      const closed = new Promise<void>((resolve) => {
        ws.onclose = (e: { code: number; wasClean: boolean }) => {
          events.push(['close', e.code, e.wasClean]);
          resolve();
        };
      });
      await within(closed, 10_000, 'close');
      expect(events).toEqual([
        ['open', 1],
        ['close', 4000, true],
      ]);
      const log = await waitForSocketClosed(r.id);
      expect(clientFrames(log)).toEqual(['1:from onopen', '8:4000']);
    });
  }
});

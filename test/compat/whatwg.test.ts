/**
 * The WHATWG WebSocket API (websockets.spec.whatwg.org), written once as spec expectations and run
 * against undici's WebSocket (the reference; skipped with a reason when undici is not installed)
 * and curlws's WebSocket, on the same local servers.
 */
import { describe, expect, inject, it } from 'vitest';
import { curlWhatwg, describeData, describeThrow, undici, within } from './impls.js';
import type { WhatwgCtor } from './impls.js';
import { rawTarget } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');

const legs: [string, WhatwgCtor | undefined, string][] = [
  ['curlws', curlWhatwg, ''],
  ['undici', undici.ctor, undici.reason],
];

if (!undici.ctor) {
  describe('WHATWG API on undici', () => {
    it.skip(`skipped: ${undici.reason}`, () => {});
  });
}

/** Records every event as [type, readyState, details]. */
function record(Ctor: WhatwgCtor, url: string, protocols?: string | string[]) {
  const ws = protocols === undefined ? new Ctor(url) : new Ctor(url, protocols);
  const log: unknown[][] = [];
  const raw: unknown[] = [];
  let onOpen!: () => void;
  let onClose!: () => void;
  const opened = new Promise<void>((r) => (onOpen = r));
  const closed = new Promise<void>((r) => (onClose = r));
  ws.addEventListener('open', (e: Event) => {
    log.push(['open', ws.readyState, e.constructor.name, e.target === ws]);
    onOpen();
  });
  ws.addEventListener('message', (e: MessageEvent) => {
    raw.push(e.data);
    log.push(['message', ws.readyState, e instanceof Event, e.target === ws]);
  });
  ws.addEventListener('error', (e: Event) => log.push(['error', ws.readyState, e instanceof Event, e.target === ws]));
  ws.addEventListener('close', (e: any) => {
    log.push(['close', ws.readyState, e.code, e.reason, e.wasClean, e instanceof Event]);
    onClose();
  });
  return { ws, log, raw, opened, closed };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [name, Ctor, reason] of legs) {
  describe.skipIf(!Ctor)(`WHATWG API on ${name}${reason ? ` (${reason})` : ''}`, () => {
    const C = Ctor as WhatwgCtor;
    // Where undici departs from the standard, its leg asserts what it does instead (listed in
    // docs/compat.md, "undici vs the standard"); curlws follows the standard's text.
    const undiciDeviates = name === 'undici';

    it('event order open → message → close with readyState 0 → 1 → 2 → 3 and event objects', async () => {
      const r = record(C, wsEcho);
      const states = [r.ws.readyState];
      await within(r.opened, 5000, 'open');
      r.ws.send('hello');
      while (r.raw.length < 1) await wait(5);
      r.ws.close(1000, 'bye');
      states.push(r.ws.readyState);
      await within(r.closed, 5000, 'close');
      states.push(r.ws.readyState);
      expect(states).toEqual([0, 2, 3]);
      expect(r.log).toEqual([
        ['open', 1, 'Event', true],
        ['message', 1, true, true],
        ['close', 3, 1000, 'bye', true, true],
      ]);
      expect(r.raw).toEqual(['hello']);
      expect(r.ws.protocol).toBe('');
      expect(r.ws.extensions).toBe('');
    });

    it('sends every data type in order (Blob in the middle included) and receives Blob by default', async () => {
      const r = record(C, wsEcho);
      await r.opened;
      expect(r.ws.binaryType).toBe('blob');
      r.ws.send('a');
      r.ws.send(new Blob(['blob-1']));
      r.ws.send(new Uint8Array([1, 2, 3]).buffer);
      r.ws.send(new Uint8Array([9, 8, 7, 6]).subarray(1, 3));
      r.ws.send(new DataView(new Uint8Array([0xaa]).buffer));
      r.ws.send(5 as unknown as string);
      r.ws.send(new Blob([]));
      r.ws.send('z');
      while (r.raw.length < 8) await wait(5);
      r.ws.close();
      await r.closed;
      const got = await Promise.all(r.raw.map(describeData));
      expect(got).toEqual([
        { type: 'string', value: 'a' },
        { type: 'Blob', value: Buffer.from('blob-1').toString('hex') },
        { type: 'Blob', value: '010203' },
        { type: 'Blob', value: '0807' },
        { type: 'Blob', value: 'aa' },
        { type: 'string', value: '5' },
        { type: 'Blob', value: '' },
        { type: 'string', value: 'z' },
      ]);
    });

    it('binaryType switches live between blob and arraybuffer; invalid values are ignored', async () => {
      const r = record(C, wsEcho);
      await r.opened;
      r.ws.binaryType = 'arraybuffer';
      r.ws.send(new Uint8Array([1]));
      while (r.raw.length < 1) await wait(5);
      r.ws.binaryType = 'bogus';
      // WebIDL: assigning a value outside the enum is ignored. undici resets to 'blob' instead.
      expect(r.ws.binaryType).toBe(undiciDeviates ? 'blob' : 'arraybuffer');
      r.ws.binaryType = 'blob';
      r.ws.send(new Uint8Array([2]));
      while (r.raw.length < 2) await wait(5);
      r.ws.close();
      await r.closed;
      expect(await Promise.all(r.raw.map(describeData))).toEqual([
        { type: 'ArrayBuffer', value: '01' },
        { type: 'Blob', value: '02' },
      ]);
    });

    it('bufferedAmount counts queued bytes at once, drains to 0, and only grows after close', async () => {
      const r = record(C, wsEcho);
      await r.opened;
      r.ws.send('12345');
      r.ws.send(new Uint8Array(10));
      const queued = r.ws.bufferedAmount;
      while (r.raw.length < 2) await wait(5);
      const drained = r.ws.bufferedAmount;
      r.ws.close();
      r.ws.send('abc');
      const closing = r.ws.bufferedAmount;
      await r.closed;
      r.ws.send(new Uint8Array(7));
      // The standard: send() while CLOSING/CLOSED still increases bufferedAmount. undici does not.
      expect({ queued, drained, closing, closed: r.ws.bufferedAmount }).toEqual(
        undiciDeviates ? { queued: 15, drained: 0, closing: 0, closed: 0 } : { queued: 15, drained: 0, closing: 3, closed: 10 },
      );
    });

    it('throws the spec exceptions: send while CONNECTING, bad close codes and reasons', async () => {
      const r = record(C, wsEcho);
      expect(describeThrow(() => r.ws.send('x'))).toMatchObject({ threw: true, ctor: 'DOMException', name: 'InvalidStateError' });
      await r.opened;
      for (const code of [999, 1001, 1005, 2999, 5000, 'reason only']) {
        expect(
          describeThrow(() => r.ws.close(code)),
          String(code),
        ).toMatchObject({ threw: true, ctor: 'DOMException', name: 'InvalidAccessError' });
      }
      expect(describeThrow(() => r.ws.close(1000, 'é'.repeat(62)))).toMatchObject({
        threw: true,
        ctor: 'DOMException',
        name: 'SyntaxError',
      });
      expect(describeThrow(() => r.ws.send())).toMatchObject({ threw: true, ctor: 'TypeError' });
      expect(r.ws.readyState).toBe(1);
      r.ws.close(3000.4, 'é'.repeat(61)); // [Clamp] rounds; 122 bytes is fine
      await r.closed;
      expect(r.log.at(-1)).toEqual(['close', 3, 3000, 'é'.repeat(61), true, true]);
      r.ws.close(); // no-op once closed
    });

    it('constructor throws SyntaxError DOMExceptions for bad URLs and subprotocols', () => {
      const bad: [unknown, unknown?][] = [
        ['not a url'],
        ['/relative'],
        ['ftp://127.0.0.1/'],
        [`${wsEcho}#frag`],
        [`${wsEcho}#`],
        [wsEcho, ['chat', 'chat']],
        [wsEcho, ['a b']],
        [wsEcho, ''],
        [wsEcho, ['ok', 'bad,comma']],
      ];
      for (const [url, protocols] of bad) {
        expect(
          describeThrow(() => new C(url as string, protocols as string)),
          `${String(url)} ${JSON.stringify(protocols)}`,
        ).toMatchObject({ threw: true, ctor: 'DOMException', name: 'SyntaxError' });
      }
      expect(describeThrow(() => new (C as any)())).toMatchObject({ threw: true, ctor: 'TypeError' });
    });

    it('maps http: to ws:, exposes the constants on the class and the instance', async () => {
      const ws = new C(wsEcho.replace('ws:', 'http:') + 'path?q=1');
      expect(ws.url).toBe(`${wsEcho}path?q=1`);
      expect([C.CONNECTING, C.OPEN, C.CLOSING, C.CLOSED]).toEqual([0, 1, 2, 3]);
      expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
      ws.onerror = () => {};
      await new Promise((r) => {
        ws.onclose = r;
        ws.close();
      });
    });

    it('close() while CONNECTING fails the connection: error, then close 1006 not clean', async () => {
      const r = record(C, wsEcho);
      r.ws.close();
      expect(r.ws.readyState).toBe(2);
      await within(r.closed, 5000, 'close');
      expect(r.log).toEqual([
        ['error', 3, true, true],
        ['close', 3, 1006, '', false, true],
      ]);
    });

    it('a server close reports its code and reason, clean', async () => {
      const r = record(C, `${wsEcho}close?code=4001&reason=server%20bye`);
      await within(r.closed, 5000, 'close');
      expect(r.log).toEqual([
        ['open', 1, 'Event', true],
        ['close', 3, 4001, 'server bye', true, true],
      ]);
    });

    it('close() without arguments sends no status: the peer answers likewise → 1005', async () => {
      const r = record(C, wsEcho);
      await r.opened;
      r.ws.close();
      await r.closed;
      expect(r.log.at(-1)).toEqual(['close', 3, 1005, '', true, true]);
    });

    it('connection refused and a 403 both give error then close 1006', async () => {
      for (const url of ['ws://127.0.0.1:1/', rawTarget('/status', { code: 403 }).url]) {
        const r = record(C, url);
        await within(r.closed, 5000, `close for ${url}`);
        expect(r.log, url).toEqual([
          ['error', 3, true, true],
          ['close', 3, 1006, '', false, true],
        ]);
      }
    });

    it('negotiates a subprotocol and exposes it once open', async () => {
      const r = record(C, wsEcho, ['other', 'chat']);
      expect(r.ws.protocol).toBe('');
      await r.opened;
      expect(r.ws.protocol).toBe('chat');
      r.ws.close();
      await r.closed;
    });

    it('on* attributes: get/set, non-callables become null, replacing keeps the listener position', async () => {
      const ws = new C(wsEcho);
      const order: string[] = [];
      expect(ws.onmessage).toBe(null);
      ws.onmessage = () => order.push('first-handler');
      ws.addEventListener('message', () => order.push('listener'));
      const replacement = () => order.push('replaced-handler');
      ws.onmessage = replacement; // same slot: still before 'listener'
      expect(ws.onmessage).toBe(replacement);
      ws.onopen = () => ws.send('x');
      await new Promise<void>((resolve) => {
        ws.addEventListener('message', () => resolve());
      });
      // HTML event handlers keep their first position when replaced; undici re-adds at the end.
      expect(order).toEqual(undiciDeviates ? ['listener', 'replaced-handler'] : ['replaced-handler', 'listener']);
      ws.onmessage = 'not callable' as any;
      expect(ws.onmessage).toBe(null);
      await new Promise((r) => {
        ws.onclose = r;
        ws.close();
      });
    });

    it('a protocol error from the server (masked frame) → error, then close not clean', async () => {
      const r = record(C, rawTarget('/masked').url);
      await within(r.closed, 5000, 'close');
      expect(r.log.map((e) => e[0])).toEqual(['open', 'error', 'close']);
      expect(r.log.at(-1)![4]).toBe(false);
    });
  });
}

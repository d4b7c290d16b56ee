/**
 * The `ws` client API, run against npm `ws` (the reference) and curlws/ws on the same local
 * servers. Each case runs one scenario on both and compares the recorded traces (event order,
 * argument types, codes, reasons, thrown errors). Where curlws differs on purpose the case says
 * so and docs/compat.md lists the difference.
 */
import { describe, expect, inject, it } from 'vitest';
import { describeData, describeThrow, within, wsImpls } from './impls.js';
import type { WsCtor } from './impls.js';
import { rawTarget } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');
const [[, Ref], [, Curl]] = wsImpls as [[string, WsCtor], [string, WsCtor]];

interface Recorded {
  ws: any;
  log: unknown[][];
  opened: Promise<void>;
  closed: Promise<void>;
}

/** Creates a client and records every event, in order, with raw arguments. */
function record(Ctor: WsCtor, url: string, protocols?: unknown, options?: unknown): Recorded {
  const ws = protocols === undefined && options === undefined ? new Ctor(url) : new Ctor(url, protocols as any, options);
  const log: unknown[][] = [];
  let onOpen!: () => void;
  let onClose!: () => void;
  const opened = new Promise<void>((r) => (onOpen = r));
  const closed = new Promise<void>((r) => (onClose = r));
  ws.on('upgrade', (res: any) => log.push(['upgrade', res.statusCode]));
  ws.on('open', () => {
    log.push(['open', ws.readyState]);
    onOpen();
  });
  ws.on('message', (data: unknown, isBinary: boolean) => log.push(['message', data, isBinary]));
  ws.on('ping', (d: Buffer) => log.push(['ping', d.toString()]));
  ws.on('pong', (d: Buffer) => log.push(['pong', d.toString()]));
  ws.on('error', (err: Error) => log.push(['error', err.constructor.name, ws.readyState]));
  ws.on('close', (code: number, reason: Buffer) => {
    log.push(['close', code, Buffer.isBuffer(reason) ? `Buffer:${reason.toString()}` : reason, ws.readyState]);
    onClose();
  });
  return { ws, log, opened, closed };
}

/** Message payloads become {type, value} so Blob/ArrayBuffer/Buffer compare structurally. */
async function normalize(log: unknown[][]): Promise<unknown[][]> {
  return Promise.all(log.map(async (e) => (e[0] === 'message' ? ['message', await describeData(e[1]), e[2]] : e)));
}

/** Runs `scenario` on ws and on curlws; returns both traces. */
async function both<T>(scenario: (Ctor: WsCtor) => Promise<T>): Promise<{ ref: T; curl: T }> {
  const ref = await within(scenario(Ref), 10_000, 'the ws scenario');
  const curl = await within(scenario(Curl), 10_000, 'the curlws scenario');
  return { ref, curl };
}

describe('ws API: events and data (ws vs curlws/ws)', () => {
  it('echoes every data type with the same message arguments and callback results', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      const cbs: unknown[] = [];
      const cb = (i: number) => (err?: Error) => cbs.push([i, err == null ? 'ok' : err.message]);
      const u8 = new Uint8Array([9, 8, 7, 6]);
      r.ws.send('text', cb(0));
      r.ws.send(Buffer.from([1, 2, 3]), cb(1));
      r.ws.send(new Uint8Array([4, 5]).buffer, cb(2));
      r.ws.send(u8.subarray(1, 3), cb(3));
      r.ws.send(new DataView(new Uint8Array([0xaa, 0xbb]).buffer), cb(4));
      r.ws.send(new Blob(['blob!']), cb(5));
      r.ws.send(42, cb(6));
      r.ws.send('', cb(7));
      r.ws.send(Buffer.from('as text'), { binary: false }, cb(8));
      r.ws.send('as binary', { binary: true }, cb(9));
      r.ws.send(new Uint16Array([0x0102]), cb(10));
      while (r.log.filter((e) => e[0] === 'message').length < 11) await new Promise((res) => setTimeout(res, 5));
      r.ws.close(1000, 'bye');
      await r.closed;
      return { log: await normalize(r.log), cbs: cbs.sort((a: any, b: any) => a[0] - b[0]), after: r.ws.readyState };
    });
    expect(curl).toEqual(ref);
    // sanity on the reference itself: text arrives as a Buffer with isBinary false
    expect(ref.log[2]).toEqual(['message', { type: 'Buffer', value: Buffer.from('text').toString('hex') }, false]);
  });

  it('honours binaryType nodebuffer/arraybuffer/fragments/blob, switched live; text stays a Buffer', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      const types: string[] = [r.ws.binaryType];
      for (const t of ['arraybuffer', 'fragments', 'blob', 'bogus', 'nodebuffer']) {
        r.ws.binaryType = t;
        types.push(r.ws.binaryType);
        const n = r.log.length;
        r.ws.send(Buffer.from(t));
        r.ws.send(t);
        while (r.log.length < n + 2) await new Promise((res) => setTimeout(res, 5));
      }
      r.ws.close();
      await r.closed;
      return { types, log: await normalize(r.log) };
    });
    expect(curl).toEqual(ref);
  });

  it('ping/pong: events carry the payload; numbers become strings; >125 bytes throws RangeError', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      const cbs: unknown[] = [];
      r.ws.ping('hello', undefined, (err?: Error) => cbs.push(['ping', err == null]));
      r.ws.ping(7);
      r.ws.ping();
      r.ws.pong('unsolicited', (err?: Error) => cbs.push(['pong', err == null]));
      const big = describeThrow(() => r.ws.ping(Buffer.alloc(126)));
      while (r.log.filter((e) => e[0] === 'pong').length < 3) await new Promise((res) => setTimeout(res, 5));
      r.ws.close(1000);
      await r.closed;
      return { log: r.log, cbs, big };
    });
    expect(curl).toEqual(ref);
    expect(ref.big).toMatchObject({ threw: true, ctor: 'RangeError', message: 'The data size must not be greater than 125 bytes' });
  });

  it('a server close surfaces the code and the reason as a Buffer, readyState CLOSED', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, `${wsEcho}close?code=4001&reason=server%20bye`);
      await r.closed;
      return r.log;
    });
    expect(curl).toEqual(ref);
    expect(ref.at(-1)).toEqual(['close', 4001, 'Buffer:server bye', 3]);
  });

  it('close() without a code: the echo server answers with no status → 1005', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      const states = [r.ws.readyState];
      r.ws.close();
      states.push(r.ws.readyState);
      r.ws.close(); // closing twice is a no-op
      await r.closed;
      states.push(r.ws.readyState);
      r.ws.close(); // and once closed too
      r.ws.terminate();
      return { log: r.log, states };
    });
    expect(curl).toEqual(ref);
    expect(ref.states).toEqual([1, 2, 3]);
  });

  it('terminate() when open → close 1006, no error', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      r.ws.terminate();
      const state = r.ws.readyState;
      await r.closed;
      return { log: r.log, state };
    });
    expect(curl).toEqual(ref);
    expect(ref.log.at(-1)).toEqual(['close', 1006, 'Buffer:', 3]);
  });

  it('pause() holds messages until resume(); isPaused follows; no-ops while CONNECTING', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      r.ws.pause();
      const pausedWhileConnecting = r.ws.isPaused;
      await r.opened;
      r.ws.pause();
      const paused = r.ws.isPaused;
      r.ws.send('a');
      await new Promise((res) => setTimeout(res, 100));
      const during = r.log.filter((e) => e[0] === 'message').length;
      r.ws.resume();
      while (r.log.filter((e) => e[0] === 'message').length < 1) await new Promise((res) => setTimeout(res, 5));
      r.ws.close(1000);
      await r.closed;
      return { pausedWhileConnecting, paused, during, resumed: r.ws.isPaused };
    });
    expect(curl).toEqual(ref);
    expect(ref).toEqual({ pausedWhileConnecting: false, paused: true, during: 0, resumed: false });
  });

  it('upgrade fires before open with the 101 response; protocol is the negotiated one', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho, ['chat', 'other']);
      await r.opened;
      const out = { log: [...r.log], protocol: r.ws.protocol, extensions: r.ws.extensions, url: r.ws.url };
      r.ws.close();
      await r.closed;
      return out;
    });
    expect(curl).toEqual(ref);
    expect(ref.log).toEqual([
      ['upgrade', 101],
      ['open', 1],
    ]);
    expect(ref.protocol).toBe('chat');
  });

  it('protocols offered but none chosen → error, close 1006 ("Server sent no subprotocol")', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho, 'nochat');
      const messages: string[] = [];
      r.ws.on('error', (e: Error) => messages.push(e.message));
      await r.closed;
      return { log: r.log, messages };
    });
    expect(curl).toEqual(ref);
    expect(ref.messages).toEqual(['Server sent no subprotocol']);
  });

  it('the WHATWG-style on*/addEventListener API gives events with type, target, string text', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const ws = new Ctor(wsEcho);
      const log: unknown[] = [];
      const onmsg = (e: any) => log.push(['message', e.type, e.target === ws, typeof e.data, String(e.data)]);
      ws.onopen = (e: any) => {
        log.push(['open', e.type, e.target === ws]);
        ws.send('hi');
      };
      ws.addEventListener('message', onmsg);
      ws.addEventListener('message', onmsg); // duplicate: ignored
      const attrs = [typeof ws.onopen, ws.onmessage, ws.onclose];
      await new Promise<void>((resolve) => {
        ws.onmessage = () => ws.close(4000, 'done');
        ws.onclose = (e: any) => {
          log.push(['close', e.type, e.code, e.reason, e.wasClean, e.target === ws]);
          resolve();
        };
      });
      ws.removeEventListener('message', onmsg);
      return { log, attrs, left: ws.listenerCount('message') };
    });
    expect(curl).toEqual(ref);
  });
});

describe('ws API: readyState rules and bad calls (ws vs curlws/ws)', () => {
  it('send/ping/pong while CONNECTING throw the same Error', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const ws = new Ctor(wsEcho);
      const out = [describeThrow(() => ws.send('x')), describeThrow(() => ws.ping()), describeThrow(() => ws.pong())];
      ws.on('error', () => {});
      ws.terminate();
      await new Promise((r) => ws.once('close', r));
      return out;
    });
    expect(curl).toEqual(ref);
    expect(ref[0]).toEqual({ threw: true, ctor: 'Error', name: 'Error', message: 'WebSocket is not open: readyState 0 (CONNECTING)' });
  });

  it('send/ping after close → callback error, bufferedAmount grows by the data size', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      r.ws.close();
      const errs: string[] = [];
      await new Promise<void>((resolve) => r.ws.send('12345', (e?: Error) => (errs.push(e!.message), resolve())));
      const during = r.ws.bufferedAmount;
      await r.closed;
      await new Promise<void>((resolve) => r.ws.send(Buffer.alloc(10), (e?: Error) => (errs.push(e!.message), resolve())));
      await new Promise<void>((resolve) => r.ws.ping('abc', undefined, (e?: Error) => (errs.push(e!.message), resolve())));
      r.ws.send('no callback'); // must not throw
      return { errs, during, after: r.ws.bufferedAmount };
    });
    expect(curl).toEqual(ref);
    expect(ref.errs).toEqual([
      'WebSocket is not open: readyState 2 (CLOSING)',
      'WebSocket is not open: readyState 3 (CLOSED)',
      'WebSocket is not open: readyState 3 (CLOSED)',
    ]);
  });

  it('close() argument checks throw the same errors', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, wsEcho);
      await r.opened;
      const out = [999, 1004, 1005, 1006, 1016, 2999, 5000, '1000'].map((c) => describeThrow(() => r.ws.close(c)));
      out.push(describeThrow(() => r.ws.close(1000, 'x'.repeat(124))));
      r.ws.close(1013, 'x'.repeat(123));
      await r.closed;
      return { out, log: r.log };
    });
    expect(curl).toEqual(ref);
    expect(ref.out[0]).toMatchObject({ ctor: 'TypeError', message: 'First argument must be a valid error code number' });
    expect(ref.out.at(-1)).toMatchObject({ ctor: 'RangeError', message: 'The message must not be greater than 123 bytes' });
  });

  it('close() and terminate() while CONNECTING abort: error then close 1006', async () => {
    for (const method of ['close', 'terminate'] as const) {
      const { ref, curl } = await both(async (Ctor) => {
        const r = record(Ctor, wsEcho);
        const messages: string[] = [];
        r.ws.on('error', (e: Error) => messages.push(e.message));
        r.ws[method]();
        const state = r.ws.readyState;
        await r.closed;
        return { log: r.log, messages, state };
      });
      expect(curl).toEqual(ref);
      expect(ref.messages).toEqual(['WebSocket was closed before the connection was established']);
      expect(ref.state).toBe(2);
    }
  });

  it('constructor errors: URL, scheme, fragment, subprotocols', () => {
    const cases: [string, unknown?][] = [
      ['not a url'],
      ['ftp://127.0.0.1/'],
      [`${wsEcho}#frag`],
      [wsEcho, ['a b']],
      [wsEcho, ['chat', 'chat']],
      [wsEcho, [1]],
      [wsEcho, ''],
      ['ws+unix:'],
      ['ws+unix://'],
    ];
    for (const [url, protocols] of cases) {
      const ref = describeThrow(() => new Ref(url, protocols as any).terminate());
      const curl = describeThrow(() => new Curl(url, protocols as any).terminate());
      expect(curl, `${url} ${JSON.stringify(protocols)}`).toEqual(ref);
      expect(ref.threw).toBe(true);
    }
  });

  it('enumerable prototype accessors and on* attributes, as ws defines them', () => {
    const shape = (Ctor: WsCtor) => {
      const names = ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url'];
      const accessors = names.map((name) => {
        const d = Object.getOwnPropertyDescriptor(Ctor.prototype, name);
        return [name, d?.enumerable, typeof d?.get, name === 'binaryType' ? typeof d?.set : undefined];
      });
      const handlers = ['onopen', 'onerror', 'onclose', 'onmessage'].map((name) => [
        name,
        Object.getOwnPropertyDescriptor(Ctor.prototype, name)?.enumerable,
      ]);
      // what for…in sees on an instance beyond its own fields
      const ws = new Ctor('ws://127.0.0.1:1/');
      ws.on('error', () => {});
      const inherited: string[] = [];
      for (const key in ws) if (!Object.hasOwn(ws, key) && typeof ws[key] !== 'function') inherited.push(key);
      ws.terminate();
      return { accessors, handlers, inherited: inherited.sort() };
    };
    const ref = shape(Ref);
    expect(ref.accessors.every(([, enumerable]) => enumerable === true)).toBe(true);
    expect(shape(Curl)).toEqual(ref);
  });

  it('static and prototype constants and the mapped url', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const ws = new Ctor(wsEcho.replace('ws:', 'http:'));
      ws.on('error', () => {});
      const out = {
        statics: [Ctor.CONNECTING, Ctor.OPEN, Ctor.CLOSING, Ctor.CLOSED],
        proto: [ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED],
        url: ws.url,
        binaryType: ws.binaryType,
        bufferedAmount: ws.bufferedAmount,
        readyState: ws.readyState,
      };
      ws.terminate();
      await new Promise((r) => ws.once('close', r));
      return out;
    });
    expect(curl).toEqual(ref);
  });
});

describe('ws API: failures (ws vs curlws/ws)', () => {
  it('connection refused → one error, then close 1006 (error classes differ: see docs/compat.md)', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, 'ws://127.0.0.1:1/');
      await r.closed;
      return r.log.map((e) => (e[0] === 'error' ? ['error', e[2]] : e));
    });
    expect(curl).toEqual(ref);
    expect(ref).toEqual([
      ['error', 2],
      ['close', 1006, 'Buffer:', 3],
    ]);
  });

  it('a 403 → error then close 1006 without a listener; unexpected-response with status and headers with one', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, rawTarget('/status', { code: 403 }).url);
      await r.closed;
      const plain = r.log.map((e) => (e[0] === 'error' ? ['error', e[2]] : e));
      const ws = new Ctor(rawTarget('/status', { code: 403 }).url);
      const seen = await new Promise<unknown>((resolve) => {
        ws.on('unexpected-response', (_req: unknown, res: any) => {
          resolve([res.statusCode, res.headers['x-reason']]);
          ws.on('error', () => {});
          ws.terminate();
        });
      });
      await new Promise((res) => (ws.readyState === 3 ? res(null) : ws.once('close', res)));
      return { plain, seen };
    });
    expect(curl).toEqual(ref);
    expect(ref.seen).toEqual([403, 'nope']);
  });

  // ws offers permessage-deflate unless told not to: without the offer an extension is invalid
  it.each([
    ['/bad-accept', undefined],
    ['/unoffered-protocol', undefined],
    ['/unoffered-protocol', ['chat']],
    ['/extension', undefined],
  ])('a 101 that fails validation (%s, protocols %j) → upgrade with the 101, then error, then close 1006', async (path, protocols) => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, rawTarget(path).url, protocols ?? [], { perMessageDeflate: false });
      await r.closed;
      return r.log.map((e) => (e[0] === 'error' ? ['error', e[2]] : e));
    });
    expect(curl).toEqual(ref);
    expect(ref).toEqual([
      ['upgrade', 101],
      ['error', 2],
      ['close', 1006, 'Buffer:', 3],
    ]);
  });

  it('a 101 without an Upgrade header → error, then close 1006, no upgrade event (Node parses no upgrade)', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, rawTarget('/no-upgrade').url);
      await r.closed;
      return r.log.map((e) => (e[0] === 'error' ? ['error', e[2]] : e));
    });
    expect(curl).toEqual(ref);
    expect(ref).toEqual([
      ['error', 2],
      ['close', 1006, 'Buffer:', 3],
    ]);
  });

  it('a masked server frame → one error, then close; later sends report errors', async () => {
    const { ref, curl } = await both(async (Ctor) => {
      const r = record(Ctor, rawTarget('/masked').url);
      await r.closed;
      return r.log.filter((e) => e[0] !== 'close').map((e) => (e[0] === 'error' ? ['error'] : e));
    });
    expect(curl).toEqual(ref);
    expect(ref).toEqual([['upgrade', 101], ['open', 1], ['error']]);
  });
});

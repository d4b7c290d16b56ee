/** Synchronous checks of the WHATWG WebSocket constructor (they throw before any connection). */
import { describe, expect, it } from 'vitest';
import { WebSocket, toArrayBuffer } from '../../lib/api/websocket.js';

function thrown(fn: () => unknown): DOMException | TypeError {
  try {
    fn();
  } catch (err) {
    return err as DOMException;
  }
  throw new Error('expected a throw');
}

describe('WebSocket constructor', () => {
  it.each([['not a url'], ['/relative'], ['ftp://x/'], ['ws://x/#frag'], ['ws://x/#']])(
    'rejects %s with a SyntaxError DOMException',
    (url) => {
      const err = thrown(() => new WebSocket(url));
      expect(err).toBeInstanceOf(DOMException);
      expect(err.name).toBe('SyntaxError');
    },
  );

  it.each([[['a', 'a']], [['a b']], [''], [['ok', 'x,y']]])('rejects protocols %j with a SyntaxError DOMException', (protocols) => {
    const err = thrown(() => new WebSocket('ws://127.0.0.1:1/', protocols as string[]));
    expect(err).toBeInstanceOf(DOMException);
    expect(err.name).toBe('SyntaxError');
  });

  it('requires a URL argument', () => {
    expect(thrown(() => new (WebSocket as any)())).toBeInstanceOf(TypeError);
  });

  it('rejects a protocols key in the options (subprotocols are the second argument)', () => {
    const err = thrown(() => new WebSocket('ws://127.0.0.1:1/', [], { protocols: ['x'] } as any)) as TypeError & { code: string };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('rejects unknown curlws options with a did-you-mean', () => {
    expect(() => new WebSocket('ws://127.0.0.1:1/', [], { maxPayLoad: 1 } as any)).toThrow(/did you mean "maxPayload"/);
  });

  it('exposes the readyState constants on the class and the prototype', () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(Object.getOwnPropertyDescriptor(WebSocket.prototype, 'OPEN')).toMatchObject({ value: 1, enumerable: true, writable: false });
  });
});

describe('toArrayBuffer', () => {
  it('copies a slice of a pooled Buffer and reuses a whole one', () => {
    const pooled = Buffer.from('abc');
    const ab = toArrayBuffer(pooled);
    expect(Buffer.from(ab).toString()).toBe('abc');
    const whole = Buffer.alloc(4096);
    expect(toArrayBuffer(whole)).toBe(whole.buffer);
  });
});

/** Synchronous checks of the ws-compatible constructor: options curlws cannot honour throw. */
import { describe, expect, it } from 'vitest';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import WsDefault from '../../lib/ws.js';

describe('WsWebSocket options', () => {
  it.each([
    [{ createConnection: () => null }, /createConnection/],
    [{ generateMask: () => null }, /generateMask/],
  ])('throws ERR_CURLWS_UNSUPPORTED for %j', (options, message) => {
    let err: (Error & { code?: string }) | undefined;
    try {
      new WsWebSocket('ws://127.0.0.1:1/', options as any);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.code).toBe('ERR_CURLWS_UNSUPPORTED');
    expect(err?.message).toMatch(message);
  });

  it('validates perMessageDeflate settings synchronously, naming the setting', () => {
    expect(() => new WsWebSocket('ws://127.0.0.1:1/', { perMessageDeflate: { serverMaxWindowBits: 7 } })).toThrow(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: expect.stringContaining('perMessageDeflate.serverMaxWindowBits'),
      }),
    );
    expect(() => new WsWebSocket('ws://127.0.0.1:1/', { perMessageDeflate: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it("takes ws's top-level TLS options into tls (validated there, named by their key)", () => {
    for (const key of ['rejectUnauthorized', 'cert', 'key', 'servername', 'minVersion']) {
      expect(() => new WsWebSocket('ws://127.0.0.1:1/', { [key]: 42 } as never)).toThrow(
        expect.objectContaining({ message: expect.stringContaining(`options.tls.${key}`) }),
      );
    }
  });

  it('refuses an origin with CR, LF or NUL naming the origin option', () => {
    expect(() => new WsWebSocket('ws://127.0.0.1:1/', { origin: 'https://a.test\r\nX-Injected: 1' })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('for options.origin') }),
    );
  });

  it('only protocolVersion 13 is accepted (RangeError otherwise)', () => {
    expect(() => new WsWebSocket('ws://127.0.0.1:1/', { protocolVersion: 8 })).toThrow(RangeError);
  });

  it('rejects a ws+unix: URL without a socket path', () => {
    expect(() => new WsWebSocket('ws+unix::/path')).toThrow(SyntaxError);
  });

  it('curlws/ws exports the class itself, with a WebSocket self-reference like ws', () => {
    expect(WsDefault).toBe(WsWebSocket);
    expect(WsDefault.WebSocket).toBe(WsWebSocket);
  });
});

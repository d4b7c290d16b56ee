/** Synchronous checks of the ws-compatible constructor: options curlws cannot honour throw. */
import { describe, expect, it } from 'vitest';
import { WsWebSocket } from '../../lib/ws-compat.js';
import WsDefault from '../../lib/ws.js';

describe('WsWebSocket options', () => {
  it.each([
    [{ perMessageDeflate: true }, /perMessageDeflate/],
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

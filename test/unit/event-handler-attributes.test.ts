/**
 * The on* attributes both WebSocket classes get from lib/api/facade/event-handler-attributes.ts:
 * installed the same way, each with its own API's rules (WHATWG: [LegacyTreatNonObjectAsNull],
 * not enumerable; ws: functions only, enumerable, in ws's order).
 */
import { describe, expect, it } from 'vitest';
import { HANDLER_EVENTS } from '../../lib/api/facade/event-handler-attributes.js';
import { WebSocket } from '../../lib/api/websocket.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';

const CLASSES = [
  { name: 'WebSocket', ctor: WebSocket, enumerable: false, keepsObjects: true },
  { name: 'WsWebSocket', ctor: WsWebSocket, enumerable: true, keepsObjects: false },
] as const;

/** A socket to an unused port whose failure is handled (no uncaught 'error'). */
function closedSocket(ctor: (typeof CLASSES)[number]['ctor']): { onerror: unknown; [k: string]: unknown } {
  const ws = new ctor('ws://127.0.0.1:1/') as unknown as { onerror: unknown; [k: string]: unknown };
  ws.onerror = () => {};
  return ws;
}

describe.each(CLASSES)('on* attributes of $name', ({ ctor, enumerable, keepsObjects }) => {
  it('are accessors on the prototype for open, error, close and message', () => {
    for (const type of HANDLER_EVENTS) {
      const d = Object.getOwnPropertyDescriptor(ctor.prototype, `on${type}`);
      expect(d).toMatchObject({ enumerable, configurable: true });
      expect(typeof d?.get).toBe('function');
      expect(typeof d?.set).toBe('function');
    }
  });

  it('read back what was set, and null after null', () => {
    const ws = closedSocket(ctor);
    const f = () => {};
    for (const type of ['open', 'message', 'close'] as const) {
      expect(ws[`on${type}`]).toBeNull();
      ws[`on${type}`] = f;
      expect(ws[`on${type}`]).toBe(f);
      ws[`on${type}`] = null;
      expect(ws[`on${type}`]).toBeNull();
    }
  });

  it('treat a non-callable value by their API’s rule', () => {
    const ws = closedSocket(ctor);
    const handler = { handleEvent() {} };
    ws.onmessage = handler;
    expect(ws.onmessage).toBe(keepsObjects ? handler : null);
    ws.onmessage = 42;
    expect(ws.onmessage).toBeNull();
  });

  it('a handler set twice runs once', async () => {
    const ws = closedSocket(ctor);
    let calls = 0;
    const closed = new Promise<void>((resolve) => {
      const handler = () => {
        calls++;
        resolve();
      };
      ws.onclose = handler;
      ws.onclose = handler;
    });
    await closed;
    expect(calls).toBe(1);
  });
});

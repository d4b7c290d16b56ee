import type { WebSocket } from '../../lib/index.js';

/** The `data` of the first `count` messages of a WHATWG WebSocket; rejects on its 'error'. */
export function firstMessages(ws: WebSocket, count: number): Promise<unknown[]> {
  const got: unknown[] = [];
  return new Promise((resolve, reject) => {
    ws.onerror = (e) => reject((e as unknown as { error: Error }).error);
    ws.onmessage = (e) => {
      got.push(e.data);
      if (got.length === count) resolve(got);
    };
  });
}

/**
 * Teardown safety matrix: `close()` and `terminate()` called from inside every event handler of
 * the three client APIs (`Connection`, the WHATWG `WebSocket`, the `ws`-compatible client).
 * Each cell asserts: no crash, no hang, exactly one final close event, with a code that fits
 * (1000 after close(1000), 1006 after terminate(), the failure's code after an error, the
 * peer's code when it closed first). A last check proves the engine still works afterwards.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, WebSocket, WsWebSocket } from '../../lib/index.js';
import type { Connection } from '../../lib/index.js';
import { rawTarget } from '../helpers/raw.js';

const BIG = 16 * 1024 * 1024; // enough to meet backpressure on loopback, so 'drain' comes

/** Echo server: `/ping` PINGs the client right after open, `/close` closes with 4001 at once. */
let base = '';
let stop: () => Promise<void>;
beforeAll(async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {});
    if (req.url === '/close') return ws.close(4001, 'server closes');
    if (req.url === '/ping') ws.ping('p');
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stop = async () => {
    for (const c of wss.clients) c.terminate();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
});
afterAll(() => stop());

type Action = 'close' | 'terminate';

/** Collects close events; resolves after the first one plus a few turns of the loop, so a second one would be seen. */
function closeCounter() {
  const codes: number[] = [];
  let first!: () => void;
  const firstClose = new Promise<void>((r) => (first = r));
  return {
    codes,
    record(code: number) {
      codes.push(code);
      first();
    },
    async settled(): Promise<number[]> {
      await firstClose;
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 20));
      return codes;
    },
  };
}

function expected(event: string, action: Action): number[] {
  if (event === 'close') return [4001];
  if (event === 'error') return [1006, 1007]; // the engine already failed the connection (1007)
  return action === 'close' ? [1000] : [1006];
}

describe('Connection: close()/terminate() inside every handler', () => {
  const setups: Record<string, (act: (c: Connection) => void) => Promise<Connection>> = {
    open: async (act) => {
      const c = await connect(`${base}/`);
      act(c);
      return c;
    },
    message: async (act) => {
      const c = await connect(`${base}/`);
      c.once('message', () => act(c));
      void c.send('hi').catch(() => {});
      return c;
    },
    ping: async (act) => {
      const c = await connect(`${base}/ping`);
      c.once('ping', () => act(c));
      return c;
    },
    pong: async (act) => {
      const c = await connect(`${base}/`);
      c.once('pong', () => act(c));
      void c.ping('x').catch(() => {});
      return c;
    },
    drain: async (act) => {
      const c = await connect(`${base}/`);
      c.once('drain', () => act(c));
      void c.send(Buffer.alloc(BIG)).catch(() => {});
      return c;
    },
    error: async (act) => {
      const c = await connect(rawTarget('/badutf8').url);
      c.once('error', () => act(c));
      return c;
    },
    close: async (act) => {
      const c = await connect(`${base}/close`);
      c.once('close', () => act(c));
      return c;
    },
  };
  for (const [event, setup] of Object.entries(setups)) {
    for (const action of ['close', 'terminate'] as const) {
      it(`${action}() in '${event}'`, async () => {
        const counter = closeCounter();
        let closeResult: Promise<unknown> | undefined;
        const conn = await setup((c) => {
          if (action === 'close') {
            closeResult = c.close(1000);
            void c.close(4999, 'second call: ignored');
          } else {
            c.terminate();
            c.terminate();
            void c.close(1000); // after terminate(): resolves with the 1006 result
          }
        });
        conn.on('error', () => {});
        conn.on('close', (code) => counter.record(code));
        const codes = await counter.settled();
        expect(codes).toHaveLength(1);
        expect(expected(event, action)).toContain(codes[0]);
        expect(conn.readyState).toBe(3);
        if (closeResult) expect(await closeResult).toMatchObject({ code: codes[0] });
        await expect(conn.send('after')).rejects.toMatchObject({ code: 'ERR_WS_CLOSED' });
      });
    }
  }

  it('the engine still works after the matrix', async () => {
    const c = await connect(`${base}/`);
    const echoed = new Promise((r) => c.once('message', r));
    await c.send('still fine');
    expect(await echoed).toBe('still fine');
    expect((await c.close(1000)).wasClean).toBe(true);
  });
});

describe('WHATWG WebSocket: close() inside every handler', () => {
  const cases: [event: string, url: () => string, start?: (ws: WebSocket) => void][] = [
    ['open', () => `${base}/`],
    ['message', () => `${base}/`, (ws) => ws.addEventListener('open', () => ws.send('hi'))],
    ['error', () => rawTarget('/badutf8').url],
    ['close', () => `${base}/close`],
  ];
  for (const [event, url, start] of cases) {
    it(`close() in '${event}'`, async () => {
      const ws = new WebSocket(url());
      const counter = closeCounter();
      start?.(ws);
      ws.addEventListener(event, () => {
        ws.close(1000);
        ws.close();
      });
      ws.addEventListener('close', (e) => counter.record((e as unknown as { code: number }).code));
      const codes = await counter.settled();
      expect(codes).toHaveLength(1);
      expect(expected(event, 'close')).toContain(codes[0]);
      expect(ws.readyState).toBe(3);
    });
  }
});

describe('ws-compatible client: close()/terminate() inside every handler', () => {
  const cases: [event: string, url: () => string, start?: (ws: WsWebSocket) => void][] = [
    ['open', () => `${base}/`],
    ['message', () => `${base}/`, (ws) => ws.on('open', () => ws.send('hi'))],
    ['ping', () => `${base}/ping`],
    ['pong', () => `${base}/`, (ws) => ws.on('open', () => ws.ping('x'))],
    ['error', () => rawTarget('/badutf8').url],
    ['close', () => `${base}/close`],
  ];
  for (const [event, url, start] of cases) {
    for (const action of ['close', 'terminate'] as const) {
      it(`${action}() in '${event}'`, async () => {
        const ws = new WsWebSocket(url());
        const counter = closeCounter();
        ws.on('error', () => {});
        start?.(ws);
        ws.on(event, () => {
          if (action === 'close') {
            ws.close(1000);
            ws.close(4999);
          } else {
            ws.terminate();
            ws.terminate();
          }
        });
        ws.on('close', (code: number) => counter.record(code));
        const codes = await counter.settled();
        expect(codes).toHaveLength(1);
        expect(expected(event, action)).toContain(codes[0]);
        expect(ws.readyState).toBe(3);
      });
    }
  }
});

/**
 * A WebSocket server (npm `ws`) that follows a script, one step per handshake, for the reconnect
 * tests: refuse with an HTTP status, echo then close with a code after N messages, drop the TCP
 * connection, or just echo. Steps run out → echo. It records every handshake and what each
 * connection received, so tests assert on what actually reached the server and in which order.
 * Start one per test (127.0.0.1, port 0 or a given port).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export type Step =
  /** answer the handshake with this HTTP status (no upgrade) */
  | { refuse: number }
  /** send `push` messages ("m0", "m1", …) on open; echo; after `after` messages received (0: at once) close with `code` */
  | { close: number; after?: number; reason?: string; push?: number }
  /** echo; after `after` messages received (0: at once) destroy the TCP connection (client sees 1006) */
  | { drop: true; after?: number }
  /** echo */
  | { echo: true };

export interface FlakyServer {
  port: number;
  url: string;
  /** one entry per handshake: the step it got, the request headers and the text of every message received */
  connections: { step: Step; headers: http.IncomingHttpHeaders; received: string[] }[];
  /** steps still to come (push more at any time) */
  steps: Step[];
  /** sends `text` to every open connection */
  broadcast(text: string): void;
  close(): Promise<void>;
}

export async function startFlakyServer(steps: Step[], port = 0): Promise<FlakyServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const connections: FlakyServer['connections'] = [];
  const state = { steps };
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const step = state.steps.shift() ?? { echo: true };
    const record = { step, headers: req.headers, received: [] as string[] };
    connections.push(record);
    if ('refuse' in step) {
      socket.end(`HTTP/1.1 ${step.refuse} ${http.STATUS_CODES[step.refuse] ?? 'Status'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      const after = 'echo' in step ? Infinity : (step.after ?? 0);
      const finish = (): void => {
        if ('close' in step) ws.close(step.close, step.reason ?? '');
        else if ('drop' in step) socket.destroy();
      };
      const push = 'push' in step ? (step.push ?? 0) : 0;
      for (let i = 0; i < push; i++) ws.send(`m${i}`);
      if (after === 0) finish();
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        record.received.push(data.toString());
        if (record.received.length >= after) {
          finish();
          return;
        }
        ws.send(data, { binary: isBinary });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `ws://127.0.0.1:${actual}/`,
    connections,
    get steps() {
      return state.steps;
    },
    set steps(s: Step[]) {
      state.steps = s;
    },
    broadcast(text: string) {
      for (const c of wss.clients) c.send(text);
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

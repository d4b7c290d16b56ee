/**
 * A raw TCP server on 127.0.0.1 that records every request exactly as it arrives (the head as
 * latin1, so every byte shows, plus anything sent after it) and answers without upgrading:
 *   /redirect?to=URL   302 to URL
 *   anything else      403 (also to a proxy's CONNECT)
 * Started by the test that needs it: the option-injection test reads what a client put on the
 * wire, and the Host/redirect tests what each hop received.
 */
import * as net from 'node:net';

export interface RecordedRequest {
  /** request line and header lines, without the final empty line */
  head: string;
  /** bytes after the head before the server answered (a GET has none: more means a smuggled request) */
  rest: string;
}

export interface Recorder {
  port: number;
  /** ws://127.0.0.1:PORT */
  origin: string;
  /** Everything recorded since the last call (the list is emptied). */
  take(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  let requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 65536) socket.destroy();
        return;
      }
      // Give a smuggled second request the same chance to arrive before answering.
      setImmediate(() => {
        if (socket.destroyed) return;
        const head = buf.slice(0, end);
        requests.push({ head, rest: buf.slice(end + 4) });
        const target = head.split(' ')[1] ?? '/';
        const to = target.startsWith('/redirect?') ? new URLSearchParams(target.slice('/redirect?'.length)).get('to') : null;
        socket.end(
          to !== null
            ? `HTTP/1.1 302 Found\r\nLocation: ${to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
            : 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        );
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: `ws://127.0.0.1:${port}`,
    take() {
      const out = requests;
      requests = [];
      return out;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The header lines of a recorded head (request line excluded), split at the first ':'. */
export function headerFields(head: string): [string, string][] {
  return head
    .split('\r\n')
    .slice(1)
    .map((line): [string, string] => {
      const colon = line.indexOf(':');
      return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
}

/**
 * The hostile peer of test/hostile/: a raw TCP WebSocket server (in the test process) whose
 * numbers lie. After a valid 101 it announces frame lengths it never sends, trickles or floods
 * payload, or splits a message into very many fragments; `/echo` is a well-behaved echo for
 * the connection that must keep working meanwhile. Every connection carries `?id=`; the test
 * reads what the peer did and received with `peer.conn(id)` and waits for `peer.done(id)`
 * (the peer has written everything it planned, or the client went away).
 *
 * Paths (query parameters in brackets, sizes in bytes, `len` may exceed 2^53):
 *   /echo                          echoes data frames, answers PING and CLOSE
 *   /idle                          sends nothing
 *   /declare[len, send, op, fin]   one frame header announcing `len` (opcode `op`, default 2),
 *                                  then `send` payload bytes, then nothing more
 *   /trickle[len, chunk, every, total]  a header announcing `len`, then `chunk` bytes every
 *                                  `every` ms until `total` were sent
 *   /flood[len, total]             a header announcing `len`, then `total` bytes as fast as the
 *                                  client reads
 *   /fragments[n, size, fin]       a binary message in `n` fragments of `size` bytes (the last
 *                                  one FIN if fin=1), in large writes
 *   /texts[big, kind]              one write: TEXT "one", TEXT "two", BINARY 3 bytes, a TEXT of
 *                                  `big` characters (kind=ascii: "x", kind=emoji: "😀", 2 UTF-16
 *                                  units each), TEXT "after"
 * All but /echo read and discard what the client sends, answer its CLOSE with CLOSE and end.
 */
import * as net from 'node:net';
import { acceptKey, closePayload, encodeFrame, FrameParser, Op } from '../servers/raw-server.js';

export interface PeerConn {
  id: string;
  path: string;
  /** payload bytes written after the 101 */
  sent: number;
  /** close codes of the CLOSE frames the client sent */
  closeCodes: number[];
  /** data frames the client sent */
  dataFrames: number;
  closed: boolean;
}

export interface HostilePeer {
  url: string;
  conn(id: string): PeerConn | undefined;
  /** resolves when the peer wrote all it planned for `id`, or that connection closed */
  done(id: string): Promise<PeerConn>;
  close(): Promise<void>;
}

const BLOCK = Buffer.alloc(1024 * 1024, 0x61); // 'a': valid as text and binary

export async function startHostilePeer(): Promise<HostilePeer> {
  const conns = new Map<string, PeerConn>();
  const waiters = new Map<string, ((c: PeerConn) => void)[]>();
  const finished = new Set<string>();
  const sockets = new Set<net.Socket>();
  const finish = (c: PeerConn): void => {
    if (finished.has(c.id)) return;
    finished.add(c.id);
    for (const w of waiters.get(c.id) ?? []) w(c);
    waiters.delete(c.id);
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    let head = Buffer.alloc(0);
    let conn: PeerConn | undefined;
    const parser = new FrameParser();
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      clearInterval(timer);
      if (conn) {
        conn.closed = true;
        finish(conn);
      }
    });
    socket.on('data', (d: Buffer) => {
      if (conn) {
        onFrames(parser.push(d));
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.subarray(0, end).toString('latin1');
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(text)?.[1] ?? '';
      const url = new URL(text.split(' ')[1] ?? '/', 'http://peer.invalid');
      const q = (name: string, def: string): string => url.searchParams.get(name) ?? def;
      conn = { id: q('id', ''), path: url.pathname, sent: 0, closeCodes: [], dataFrames: 0, closed: false };
      conns.set(conn.id, conn);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
      );
      const rest = head.subarray(end + 4);
      if (rest.length) onFrames(parser.push(rest));
      plan(conn, q);
    });

    function onFrames(frames: ReturnType<FrameParser['push']>): void {
      for (const f of frames) {
        if (f.opcode === Op.CLOSE) {
          conn!.closeCodes.push(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005);
          if (socket.writable) socket.end(encodeFrame({ opcode: Op.CLOSE, payload: f.payload.subarray(0, 2) }));
          return;
        }
        if (f.opcode === Op.PING) socket.write(encodeFrame({ opcode: Op.PONG, payload: f.payload }));
        if (f.opcode === Op.TEXT || f.opcode === Op.BINARY || f.opcode === Op.CONT) {
          conn!.dataFrames++;
          if (conn!.path === '/echo') socket.write(encodeFrame({ opcode: f.opcode, fin: f.fin, payload: f.payload }));
        }
      }
    }

    /** Writes `total` payload bytes from BLOCK, waiting for the client to read; then done. */
    function pump(c: PeerConn, total: number): void {
      while (c.sent < total && socket.writable) {
        const n = Math.min(BLOCK.length, total - c.sent);
        c.sent += n;
        if (!socket.write(BLOCK.subarray(0, n))) {
          socket.once('drain', () => pump(c, total));
          return;
        }
      }
      finish(c);
    }

    function plan(c: PeerConn, q: (name: string, def: string) => string): void {
      const len = BigInt(q('len', '0'));
      switch (c.path) {
        case '/echo':
        case '/idle':
          finish(c);
          return;
        case '/declare': {
          const op = Number(q('op', '2'));
          socket.write(encodeFrame({ opcode: op, fin: q('fin', '1') === '1', declaredLength: len }));
          pump(c, Number(q('send', '0')));
          return;
        }
        case '/trickle': {
          // Each chunk its own segment, at once: with Nagle's algorithm against the client's
          // delayed ACKs the chunks went out merged, up to 40 ms apart, and the end of a trickle
          // reached the client long after the peer was done with it.
          socket.setNoDelay(true);
          socket.write(encodeFrame({ opcode: Op.BINARY, declaredLength: len }));
          const chunk = Number(q('chunk', '1024'));
          const total = Number(q('total', '65536'));
          timer = setInterval(
            () => {
              if (c.sent >= total || socket.destroyed) {
                clearInterval(timer);
                finish(c);
                return;
              }
              c.sent += chunk;
              socket.write(BLOCK.subarray(0, chunk));
            },
            Number(q('every', '2')),
          );
          return;
        }
        case '/flood':
          socket.write(encodeFrame({ opcode: Op.BINARY, declaredLength: len }));
          pump(c, Number(q('total', '0')));
          return;
        case '/fragments': {
          const n = Number(q('n', '1000'));
          const size = Number(q('size', '8'));
          const fin = q('fin', '1') === '1';
          const frames: Buffer[] = [];
          for (let i = 0; i < n; i++) {
            frames.push(encodeFrame({ opcode: i === 0 ? Op.BINARY : Op.CONT, fin: fin && i === n - 1, payload: BLOCK.subarray(0, size) }));
            c.sent += size;
            if (frames.length === 4096 || i === n - 1) socket.write(Buffer.concat(frames.splice(0)));
          }
          finish(c);
          return;
        }
        case '/texts': {
          const big = Number(q('big', '1500'));
          const unit = q('kind', 'ascii') === 'emoji' ? '😀' : 'x';
          const frames = [
            encodeFrame({ opcode: Op.TEXT, payload: 'one' }),
            encodeFrame({ opcode: Op.TEXT, payload: 'two' }),
            encodeFrame({ opcode: Op.BINARY, payload: Buffer.from([1, 2, 3]) }),
            encodeFrame({ opcode: Op.TEXT, payload: unit.repeat(unit === 'x' ? big : big / 2) }),
            encodeFrame({ opcode: Op.TEXT, payload: 'after' }),
          ];
          socket.write(Buffer.concat(frames));
          finish(c);
          return;
        }
        default:
          socket.end(encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1008, 'unknown path') }));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    conn: (id) => conns.get(id),
    done: (id) =>
      new Promise<PeerConn>((resolve) => {
        const c = conns.get(id);
        if (c && finished.has(id)) resolve(c);
        else waiters.set(id, [...(waiters.get(id) ?? []), resolve]);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

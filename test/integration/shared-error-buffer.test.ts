/**
 * Open connections share one libcurl error buffer per engine (cleared before each curl_ws_recv /
 * curl_easy_recv / curl_easy_send, read right after). These make several connections fail at
 * once with different libcurl errors, in the same engine pass, and check that each reports
 * exactly the error it reports when it fails alone: no message taken from another connection,
 * none lost.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../lib/index.js';
import { acceptKey, encodeFrame } from '../servers/raw-server.js';

/** A peer that answers the upgrade and then does only what the test tells its socket to do. */
class Peer {
  readonly server = net.createServer((socket) => this.#accept(socket));
  #waiting: ((s: net.Socket) => void)[] = [];

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  #accept(socket: net.Socket): void {
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
      );
      this.#waiting.shift()?.(socket);
    };
    socket.on('data', onData);
  }

  /** Connects, and pauses reading at once: what the peer then sends waits in the kernel. */
  async open(): Promise<{ conn: Connection; socket: net.Socket }> {
    const socket = new Promise<net.Socket>((resolve) => this.#waiting.push(resolve));
    const conn = await connect(this.url);
    conn.pause();
    return { conn, socket: await socket };
  }
}

type Failure = 'opcode' | 'reset-read' | 'reset-send';

interface Seen {
  code: string | undefined;
  message: string;
  curlCode: number | undefined;
  turn: number;
}

let turn = 0; // counts event-loop turns, to tell whether errors came in the same one
let ticking = true;
function tick(): void {
  turn++;
  if (ticking) setImmediate(tick);
}

const peer = new Peer();
beforeAll(async () => {
  await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
  tick();
});
afterAll(async () => {
  ticking = false;
  await new Promise((resolve) => peer.server.close(resolve));
});

/** Opens one connection per failure, provokes them all, resumes them all in one turn. */
async function failTogether(failures: Failure[]): Promise<Seen[]> {
  const opened = await Promise.all(failures.map(() => peer.open()));
  const seen = opened.map(
    ({ conn }) =>
      new Promise<Seen>((resolve) => {
        conn.on('error', (e: Error & { code?: string; curlCode?: number }) =>
          resolve({ code: e.code, message: e.message, curlCode: e.curlCode, turn }),
        );
      }),
  );
  failures.forEach((failure, i) => {
    const socket = opened[i]!.socket;
    if (failure === 'opcode') socket.write(encodeFrame({ opcode: 3, payload: 'x' }));
    else socket.resetAndDestroy();
  });
  await new Promise((r) => setTimeout(r, 100)); // the bytes and RSTs reach the client's kernel
  failures.forEach((failure, i) => {
    const { conn } = opened[i]!;
    if (failure === 'reset-send') conn.send('x').catch(() => {});
    else conn.resume();
  });
  const results = await Promise.all(seen);
  // A protocol error waits for the peer's CLOSE, which this peer never sends.
  for (const { conn } of opened) conn.terminate();
  return results;
}

const strip = ({ turn: _t, ...rest }: Seen) => rest;

describe('one libcurl error buffer for all open connections', () => {
  it('each error alone is libcurl’s own message (not curl_easy_strerror’s)', async () => {
    const [opcode] = await failTogether(['opcode']);
    expect(opcode?.code).toBe('WS_ERR_PROTOCOL');
    const [read] = await failTogether(['reset-read']);
    expect(read?.curlCode).toBe(56);
    expect(read?.message).toMatch(/Connection reset by peer/);
    const [send] = await failTogether(['reset-send']);
    expect(send?.curlCode).toBeGreaterThan(0);
    expect(send?.message).toMatch(/Connection reset by peer|Broken pipe/);
  });

  it('connections failing in the same turn with different errors each report their own', async () => {
    const alone = {
      opcode: strip((await failTogether(['opcode']))[0]!),
      'reset-read': strip((await failTogether(['reset-read']))[0]!),
    };
    const order: Failure[] = ['opcode', 'reset-read', 'opcode', 'reset-read', 'reset-read', 'opcode'];
    const together = await failTogether(order);
    for (const [i, s] of together.entries()) {
      expect(strip(s), `${i}: ${order[i]}`).toEqual(alone[order[i] as 'opcode' | 'reset-read']);
    }
    // The engine read them in one pass (one turn), so their messages passed through one buffer.
    expect(new Set(together.map((s) => s.turn)).size).toBe(1);
    expect(alone.opcode.message).not.toBe(alone['reset-read'].message);
  });

  it('a send failing between reads of other connections keeps its own message', async () => {
    const alone = strip((await failTogether(['reset-send']))[0]!);
    const together = await failTogether(['opcode', 'reset-send', 'reset-read']);
    expect(strip(together[1]!)).toEqual(alone);
    expect(together[0]?.code).toBe('WS_ERR_PROTOCOL');
    expect(together[2]?.message).toMatch(/Connection reset by peer/);
  });
});

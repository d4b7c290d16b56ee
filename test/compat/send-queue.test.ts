/**
 * The Blob-ordered send queue both standard wrappers share (lib/api/facade/send-queue.ts), run
 * through each public class from one table: a new wrapper added to `APIS` gets every case.
 * A gated Blob (its read resolves or fails when the test says) makes "while a Blob is read"
 * exact; a local `ws` server records what really arrived and can drop the connection.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket as ServerSocket } from 'ws';
import { WebSocket } from '../../lib/api/websocket.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import { within } from './impls.js';

/** What one client connection looked like from the server. */
interface Peer {
  socket: ServerSocket;
  received: string[];
  /** the close code the client sent, or 1006 when the connection just ended */
  closed: Promise<number>;
}

let wss: WebSocketServer;
let url: string;
let nextPeer: ((peer: Peer) => void) | undefined;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (socket: ServerSocket) => {
    socket.on('error', () => {});
    const received: string[] = [];
    socket.on('message', (data: Buffer) => received.push(data.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', (code: number) => resolve(code)));
    nextPeer?.({ socket, received, closed });
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  url = `ws://127.0.0.1:${(wss as unknown as { address(): AddressInfo }).address().port}/`;
});
afterAll(() => new Promise((resolve) => wss.close(resolve)));

/** A Blob whose read waits for `release()` (or fails with `fail()`). */
class GatedBlob extends Blob {
  #open!: () => void;
  #refuse!: (err: Error) => void;
  #gate = new Promise<void>((resolve, reject) => {
    this.#open = resolve;
    this.#refuse = reject;
  });
  reads = 0;
  release(): void {
    this.#open();
  }
  fail(): void {
    this.#gate.catch(() => {}); // failing before anyone reads is not an unhandled rejection
    this.#refuse(new DOMException('The blob could not be read', 'NotReadableError'));
  }
  override async arrayBuffer(): Promise<ArrayBuffer> {
    this.reads++;
    await this.#gate;
    return super.arrayBuffer();
  }
}

/** One public class in the table's terms; `log` gets ['error', name] and ['close', code]. */
interface Client {
  send(data: string | Blob): void;
  close(code?: number, reason?: string): void;
  readonly bufferedAmount: number;
  log: unknown[];
  closed: Promise<void>;
}

interface Api {
  name: string;
  open(url: string): Promise<Client>;
}

const APIS: Api[] = [
  {
    name: 'WHATWG WebSocket',
    async open(address) {
      const ws = new WebSocket(address);
      const log: unknown[] = [];
      ws.onerror = (e) => log.push(['error', e.error?.name]);
      const closed = new Promise<void>((resolve) => {
        ws.onclose = (e) => {
          log.push(['close', e.code]);
          resolve();
        };
      });
      await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
      return {
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        log,
        closed,
      };
    },
  },
  {
    name: 'curlws/ws WsWebSocket',
    async open(address) {
      const ws = new WsWebSocket(address);
      const log: unknown[] = [];
      ws.on('error', (err: Error) => log.push(['error', err.name]));
      const closed = new Promise<void>((resolve) =>
        ws.on('close', (code: number) => {
          log.push(['close', code]);
          resolve();
        }),
      );
      await new Promise((resolve) => ws.once('open', resolve));
      return {
        send: (data) => ws.send(data, () => {}),
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        log,
        closed,
      };
    },
  },
];

async function connect(api: Api): Promise<{ client: Client; peer: Peer }> {
  const peer = new Promise<Peer>((resolve) => {
    nextPeer = resolve;
  });
  const client = await api.open(url);
  return { client, peer: await peer };
}

/** Resolves once the server has received `n` messages (or fails with what it has). */
async function receivedCount(peer: Peer, n: number): Promise<string[]> {
  await within(
    (async () => {
      while (peer.received.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
    })(),
    10_000,
    `${n} messages (have ${JSON.stringify(peer.received)})`,
  );
  return peer.received;
}

describe.each(APIS)('the Blob-ordered send queue through $name', (api) => {
  it('keeps send order across Blobs, whatever order their reads finish in', async () => {
    const { client, peer } = await connect(api);
    const b = new GatedBlob(['b']);
    const d = new GatedBlob(['d']);
    client.send('a');
    client.send(b);
    client.send('c');
    client.send(d);
    client.send('e');
    d.release(); // the later Blob is ready first: it must still wait for b
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peer.received).toEqual(['a']);
    b.release();
    expect(await receivedCount(peer, 5)).toEqual(['a', 'b', 'c', 'd', 'e']);
    client.close(1000);
    await within(client.closed, 10_000, 'close');
    expect(client.log).toEqual([['close', 1000]]);
  });

  it('reads one Blob at a time, at the head of the queue', async () => {
    const { client, peer } = await connect(api);
    const first = new GatedBlob(['1']);
    const second = new GatedBlob(['2']);
    client.send(first);
    client.send(second);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([first.reads, second.reads]).toEqual([1, 0]);
    first.release();
    second.release();
    expect(await receivedCount(peer, 2)).toEqual(['1', '2']);
    expect(second.reads).toBe(1);
    client.close();
    await within(client.closed, 10_000, 'close');
  });

  it('a close() after a Blob waits for it, then closes with its code', async () => {
    const { client, peer } = await connect(api);
    const blob = new GatedBlob(['last words']);
    client.send(blob);
    client.close(4001, 'bye');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peer.received).toEqual([]);
    blob.release();
    expect(await within(peer.closed, 10_000, 'server close')).toBe(4001);
    expect(peer.received).toEqual(['last words']);
    await within(client.closed, 10_000, 'close');
    expect(client.log).toEqual([['close', 4001]]);
  });

  it('an unreadable Blob mid-queue: what came before goes out, then error and close 1006', async () => {
    const { client, peer } = await connect(api);
    const bad = new GatedBlob(['never']);
    client.send('before');
    client.send(bad);
    client.send('after');
    client.close(1000); // pending behind the Blob: dropped with it
    await receivedCount(peer, 1);
    bad.fail();
    await within(client.closed, 10_000, 'close');
    expect(client.log).toEqual([
      ['error', 'NotReadableError'],
      ['close', 1006],
    ]);
    expect(await within(peer.closed, 10_000, 'server close')).toBe(1006);
    expect(peer.received).toEqual(['before']);
  });

  it('the connection ending while a Blob is read drops the queue; the read finishing later sends nothing', async () => {
    const { client, peer } = await connect(api);
    const blob = new GatedBlob(['too late']);
    client.send('sent');
    await receivedCount(peer, 1);
    client.send(blob);
    client.send('queued');
    peer.socket.terminate();
    await within(client.closed, 10_000, 'close');
    expect(client.log.at(-1)).toEqual(['close', 1006]);
    const logged = client.log.length;
    blob.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.log).toHaveLength(logged);
    expect(peer.received).toEqual(['sent']);
  });

  it('a send after close() is not transmitted but counts in bufferedAmount', async () => {
    const { client, peer } = await connect(api);
    client.close(1000);
    const before = client.bufferedAmount;
    client.send('late');
    client.send(new Blob(['later']));
    expect(client.bufferedAmount).toBe(before + 4 + 5);
    expect(await within(peer.closed, 10_000, 'server close')).toBe(1000);
    await within(client.closed, 10_000, 'close');
    expect(peer.received).toEqual([]);
    expect(client.log).toEqual([['close', 1000]]);
  });
});

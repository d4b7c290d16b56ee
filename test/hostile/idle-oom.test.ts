/**
 * Idle connections hold no receive chunk (libcurl patch
 * scripts/curl-patches/0004-ws-recvbuf-release-when-drained.patch) and no timer (Session makes
 * one on first use): both are allocated again on the next burst or close(). This is what
 * happens when that allocation fails. The addon's test hook `refuseChunksForTest` makes libcurl's
 * allocator refuse every 64 KiB chunk, exactly as an exhausted heap would, but deterministically
 * (exhausting the address space under `ulimit -v` takes V8's own heap down first: it aborts with
 * "Committing semi space failed" before a connection has read a byte). A child process
 * (idle-oom-client.mjs) opens connections, lets them go idle, turns the refusal on; then:
 * - each idle connection that receives a burst fails with WS_ERR_OUT_OF_MEMORY and closes once
 *   (never a crash, never a lost 'close');
 * - close() on an idle connection (its first timer since it went idle, and a CLOSE frame to
 *   buffer) does not throw, and fails with WS_ERR_OUT_OF_MEMORY and exactly one 'close';
 * - with `refuseTimersForTest`, close() on an idle connection whose close timeout needs a timer
 *   that cannot be made does not throw, and ends it at once: WS_ERR_OUT_OF_MEMORY ("arming a
 *   timeout") and exactly one 'close' (before the fix, close() threw and the connection stayed
 *   CLOSING with no timer to end it: a lost 'close');
 * - once chunks and timers are allowed again, a new connection in the same process works.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { distEntry } from '../helpers/child.js';

const clientScript = path.resolve(__dirname, 'idle-oom-client.mjs');
const CONNECTIONS = 20; // of each kind: more than the allocator's cache of 16 freed chunks
const burst = [Buffer.alloc(16, 1), Buffer.alloc(200_000, 2)];

let server: Server;
let child: ChildProcess | undefined; // killed at the end if a lost 'close' left it waiting
let wss: WebSocketServer;
let url: string;
const bursting: WebSocket[] = [];
beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wss = new WebSocketServer({ server });
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wss.on('connection', (ws, req) => {
    if (req.url === '/burst') bursting.push(ws);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
});
afterAll(async () => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  await new Promise((resolve) => server.close(resolve));
});

interface Recorded {
  events: { type: string; code: string | number; closeCode?: number; message?: string }[];
  messages: { length: number; sha256: string }[];
  readyState: number;
}
interface Outcome {
  burst: Recorded[];
  quiet: Recorded[];
  closeCalls: string[];
  timer: Recorded[];
  timerCloseCalls: string[];
  echo: string;
  fresh: Recorded;
}

const OOM_THEN_CLOSE = [
  ['error', 'WS_ERR_OUT_OF_MEMORY'],
  ['close', 1006],
];

describe('idle connections whose buffers cannot be allocated again', () => {
  it('a burst or close() with no chunk or no timer fails each with WS_ERR_OUT_OF_MEMORY and one close; a new connection works', {
    timeout: 60_000,
  }, async () => {
    const input = JSON.stringify({ url, connections: CONNECTIONS, messages: burst.length });
    const proc = spawn(process.execPath, [clientScript, input], {
      env: { ...process.env, CURLWS_DIST: distEntry },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child = proc;
    proc.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let result: Outcome | undefined;
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line === 'IDLE') {
        // Every connection is idle and chunks are refused: now the bursts.
        for (const ws of bursting) for (const b of burst) ws.send(b);
      } else if (line.startsWith('RESULT ')) {
        result = JSON.parse(line.slice(7)) as Outcome;
      }
    });
    const { code, signal } = await exited;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(result).toBeDefined();
    const r = result!;
    const quietEnds = r.quiet.map((c) => c.events.map((e) => e.code).join(' '));
    console.log(`close() after idle with chunks refused: ${[...new Set(quietEnds)].join(' | ')}`);
    expect(bursting).toHaveLength(CONNECTIONS);
    expect(r.burst).toHaveLength(CONNECTIONS);
    for (const [i, c] of r.burst.entries()) {
      // No chunk to read the burst into: nothing of it is delivered.
      expect(c.messages, `burst ${i}`).toEqual([]);
      expect(
        c.events.map((e) => [e.type, e.code]),
        `burst ${i}`,
      ).toEqual(OOM_THEN_CLOSE);
      expect(c.events[0]!.message, `burst ${i}`).toBe('Out of memory while reading from the connection');
      expect(c.events[0]!.closeCode, `burst ${i}`).toBe(1011);
      expect(c.readyState, `burst ${i}`).toBe(3);
    }
    // close() itself never throws; the CLOSE frame then finds no buffer to go into: one error and
    // one close, like a burst.
    expect(r.closeCalls).toEqual(Array(CONNECTIONS).fill('ok'));
    for (const [i, c] of r.quiet.entries()) {
      expect(
        c.events.map((e) => [e.type, e.code]),
        `quiet ${i}`,
      ).toEqual(OOM_THEN_CLOSE);
      expect(c.events[0]!.message, `quiet ${i}`).toMatch(/^Out of memory while (sending|reading from the connection)$/);
      expect(c.readyState, `quiet ${i}`).toBe(3);
    }
    expect(r.timerCloseCalls).toEqual(Array(CONNECTIONS).fill('ok'));
    for (const [i, c] of r.timer.entries()) {
      expect(
        c.events.map((e) => [e.type, e.code]),
        `timer ${i}`,
      ).toEqual(OOM_THEN_CLOSE);
      expect(c.events[0]!.message, `timer ${i}`).toBe('Out of memory while arming a timeout');
      expect(c.events[0]!.closeCode, `timer ${i}: no CLOSE frame was sent`).toBe(1006);
      expect(c.readyState, `timer ${i}`).toBe(3);
    }
    expect(r.echo).toBe('after the refusal');
    expect(r.fresh.events).toEqual([{ type: 'close', code: 1000 }]);
  });
});

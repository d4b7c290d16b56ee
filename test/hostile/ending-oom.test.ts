/**
 * A session's error and close record (what it reports when it fails, the reason of its 'close')
 * is allocated when first needed, not with the session: an open, idle connection does not hold
 * it. Its first use comes at every moment a connection can fail or end: a refused handshake
 * (status and headers), a handshake that fails below HTTP, an abort during the handshake, a
 * protocol error once open, the peer's CLOSE with a reason, our own close(). Each is run with
 * the record allocated as usual (the error and reason are exactly as before) and with its
 * allocation refused by the addon's test hook `refuseEndingsForTest` (as with no memory left):
 * never a crash, a connect() that still rejects, exactly one 'close' (1006 when the record was
 * needed and could not be made), and afterwards a new connection works.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { distEntry } from '../helpers/child.js';

const clientScript = path.resolve(__dirname, 'ending-oom-client.mjs');

let server: Server;
let wss: WebSocketServer;
let url: string;
let closedUrl: string;
let child: ChildProcess | undefined;
const held: Socket[] = []; // /slow upgrades, never answered
beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nX-Why: test\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (req.url === '/slow') {
      held.push(socket as Socket);
      socket.on('error', () => {});
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.on('message', (data) => {
        if (String(data) !== 'go') {
          ws.send(data);
          return;
        }
        // A data frame with the reserved opcode 3: a protocol error (1002).
        if (req.url === '/bad') (ws as unknown as { _socket: Socket })._socket.write(Buffer.from([0x83, 0x00]));
        if (req.url === '/bye') ws.close(4000, 'bye');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedUrl = `ws://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const s of held) s.destroy();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => server.close(resolve));
});

interface Event {
  type: string;
  code: string | number;
  closeCode?: number;
  reason?: string;
  wasClean?: boolean;
}
type Outcome = { rejected: { name: string; code: string; status?: number } } | { events: Event[]; readyState: number };
type Modes = Record<'refused' | 'allowed', Record<string, Outcome>> & { after: string };

describe("a session's error and close record, made on first use", () => {
  it('reports as before when it can be made; when it cannot, no crash and exactly one close', {
    timeout: 60_000,
  }, async () => {
    const proc = spawn(process.execPath, [clientScript, JSON.stringify({ url, closedUrl })], {
      env: { ...process.env, CURLWS_DIST: distEntry },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    let result: Modes | undefined;
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as Modes;
    });
    const exited = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect({ ...exited, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    const r = result!;

    // Allocated as usual: the errors and reasons each moment reports.
    expect(r.allowed).toEqual({
      refused: { rejected: { name: 'HandshakeError', code: 'WS_ERR_UNEXPECTED_RESPONSE', status: 403 } },
      unreachable: { rejected: { name: 'CurlError', code: 'CURLE_COULDNT_CONNECT' } },
      aborted: { rejected: { name: 'AbortError', code: 'ABORT_ERR' } },
      protocol: {
        events: [
          { type: 'error', code: 'WS_ERR_PROTOCOL', closeCode: 1002 },
          { type: 'close', code: 1006, reason: '', wasClean: false },
        ],
        readyState: 3,
      },
      peerClose: { events: [{ type: 'close', code: 4000, reason: 'bye', wasClean: true }], readyState: 3 },
      ourClose: { events: [{ type: 'close', code: 4001, reason: 'ours', wasClean: true }], readyState: 3 },
    });
    // Refused: a handshake that needed the record ends as a close during the handshake; an open
    // connection that needed it ends with one 'close' 1006 and no 'error' (there was no memory
    // to describe it, nor to keep the close reason the peer echoed). The abort needed none.
    const closedDuringHandshake = { rejected: { name: 'InvalidStateError', code: 'ERR_WS_CLOSED' } };
    const lost = { events: [{ type: 'close', code: 1006, reason: '', wasClean: false }], readyState: 3 };
    expect(r.refused).toEqual({
      refused: closedDuringHandshake,
      unreachable: closedDuringHandshake,
      aborted: r.allowed.aborted,
      protocol: lost,
      peerClose: lost,
      ourClose: lost,
    });
    expect(r.after).toBe('after');
  });
});

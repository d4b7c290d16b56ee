/**
 * A server that closes without any HTTP answer: one that reads the upgrade request and ends TCP
 * (the raw server's /hangup), and a TLS port spoken to over ws:// (the TLS server drops the
 * plaintext request). curl says CURLE_GOT_NOTHING (52) "Empty reply from server" for both; every
 * API must say the same, and treat it as the network failure it is (the reconnecting client
 * retries), not as an HTTP refusal with a status.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { connect, CurlError, ReconnectingWebSocket, WebSocket } from '../../lib/index.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import { rejectionOf } from '../helpers/conn.js';
import { rawTarget, waitForSocketClosed } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');
// The wss echo's port, addressed as plain ws:// (by IP: the client does not care about names).
const tlsPortAsWs = inject('wssEchoIpUrl').replace('wss:', 'ws:');

const peers: [string, () => string][] = [
  ['a server that reads the request and hangs up', () => rawTarget('/hangup').url],
  ['a TLS port spoken to over ws://', () => tlsPortAsWs],
];

function expectGotNothing(err: unknown): void {
  expect(err).toBeInstanceOf(CurlError);
  const e = err as CurlError;
  expect(e.code).toBe('CURLE_GOT_NOTHING');
  expect(e.curlCode).toBe(52);
  expect(e.message).toBe('Empty reply from server');
  expect((e as { status?: number }).status).toBeUndefined();
}

describe.each(peers)('%s', (_name, url) => {
  it('connect() rejects with CURLE_GOT_NOTHING (52), no status', async () => {
    expectGotNothing(await rejectionOf(connect(url(), { handshakeTimeout: 10_000 })));
  });

  it("curlws/ws emits 'error' CURLE_GOT_NOTHING then 'close' 1006, never 'unexpected-response'", async () => {
    const ws = new WsWebSocket(url(), { handshakeTimeout: 10_000 });
    const seen: string[] = [];
    let error: unknown;
    ws.on('unexpected-response', () => seen.push('unexpected-response'));
    ws.on('error', (err) => {
      seen.push('error');
      error = err;
    });
    const code = await new Promise<number>((resolve) => ws.on('close', resolve));
    expect(seen).toEqual(['error']);
    expectGotNothing(error);
    expect(code).toBe(1006);
  });

  it("the WHATWG WebSocket fires 'error' (ErrorEvent.error: CURLE_GOT_NOTHING) then 'close' 1006", async () => {
    const ws = new WebSocket(url());
    const events: { type: string; error?: unknown; code?: number }[] = [];
    ws.onerror = (e) => events.push({ type: 'error', error: (e as unknown as { error: unknown }).error });
    await new Promise<void>((resolve) => {
      ws.onclose = (e) => {
        events.push({ type: 'close', code: e.code });
        resolve();
      };
    });
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expectGotNothing(events[0]?.error);
    expect(events[1]?.code).toBe(1006);
  });

  it('ReconnectingWebSocket treats it as a network failure and retries', async () => {
    const rws = new ReconnectingWebSocket(url(), { initialDelay: 1, jitter: 0, maxAttempts: 1, handshakeTimeout: 10_000 });
    const causes: unknown[] = [];
    rws.on('reconnecting', ({ cause }) => causes.push(cause.error));
    const [{ cause }] = (await once(rws, 'giveup')) as [{ cause: { error: unknown } }];
    // the first failure was retried (maxAttempts: 1 retry), the retry's failure gave up
    expect(causes).toHaveLength(1);
    expectGotNothing(causes[0]);
    expectGotNothing(cause.error);
  });
});

it('the raw server saw the request and the client closed its socket after the empty reply', async () => {
  const t = rawTarget('/hangup');
  expectGotNothing(await rejectionOf(connect(t.url)));
  const log = await waitForSocketClosed(t.id);
  expect(log.request.method).toBe('GET');
});

it('ReconnectingWebSocket opens once a server that hung up starts answering', async () => {
  // A front that hangs up on its first connection and forwards the later ones to the echo.
  const echo = new URL(wsEcho);
  let accepted = 0;
  const front = net.createServer((socket) => {
    if (accepted++ === 0) {
      socket.once('data', () => socket.end());
      return;
    }
    const back = net.connect(Number(echo.port), echo.hostname);
    socket.pipe(back).pipe(socket);
    socket.on('error', () => back.destroy());
    back.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  try {
    const port = (front.address() as net.AddressInfo).port;
    const rws = new ReconnectingWebSocket(`ws://127.0.0.1:${port}/`, { initialDelay: 1, jitter: 0, maxAttempts: 3 });
    const causes: unknown[] = [];
    rws.on('reconnecting', ({ cause }) => causes.push(cause.error));
    const [conn, { attempt }] = (await once(rws, 'open')) as [unknown, { attempt: number }];
    expect(conn).toBeDefined();
    expect(attempt).toBe(1);
    expect(causes).toHaveLength(1);
    expectGotNothing(causes[0]);
    rws.close();
    await once(rws, 'end');
  } finally {
    front.close();
  }
});

describe('how much of an answer counts', () => {
  it('a truncated status line ("HTTP/1.") is still an empty reply, as curl says', async () => {
    expectGotNothing(await rejectionOf(connect(rawTarget('/hangup', { send: 'HTTP/1.' }).url)));
  });

  it('a status line without headers is an answer: WS_ERR_UNEXPECTED_RESPONSE with that status', async () => {
    const err = await rejectionOf(connect(rawTarget('/hangup', { send: 'HTTP/1.1 200 OK\r\n' }).url));
    expect(err.code).toBe('WS_ERR_UNEXPECTED_RESPONSE');
    expect(err.status).toBe(200);
  });

  it('a connection reset instead of an answer stays a receive error (56), not an empty reply', async () => {
    const front = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const err = await rejectionOf(connect(`ws://127.0.0.1:${(front.address() as net.AddressInfo).port}/`));
      expect(err.code).toBe('CURLE_RECV_ERROR');
    } finally {
      front.close();
    }
  });
});

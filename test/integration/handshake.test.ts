/**
 * Opening handshake against real peers: what curlws sends (seen by the raw server), what it
 * exposes once open, and how every kind of bad response rejects connect().
 */
import { describe, expect, inject, it } from 'vitest';
import { connect, CurlWsError } from '../../lib/index.js';
import { rejectionOf, track } from '../helpers/conn.js';
import { closedPort } from '../helpers/net.js';
import { getRawLog, rawTarget, waitForRawLog, waitForSocketClosed } from '../helpers/raw.js';
import { acceptKey } from '../servers/raw-server.js';

const wsEcho = inject('wsEchoUrl');
const pyEcho = inject('pyEchoUrl');

describe('successful handshake', () => {
  it('exposes status 101, lower-case response headers, readyState OPEN and empty protocol/extensions', async () => {
    const conn = await connect(wsEcho);
    try {
      expect(conn.readyState).toBe(1);
      expect(conn.protocol).toBe('');
      expect(conn.extensions).toBe('');
      expect(conn.handshake.status).toBe(101);
      const h = conn.handshake.headers;
      for (const name of Object.keys(h)) expect(name).toBe(name.toLowerCase());
      expect(h['upgrade']?.toLowerCase()).toBe('websocket');
      expect(h['connection']?.toLowerCase()).toContain('upgrade');
      expect(h['sec-websocket-accept']).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(conn.handshake.timings).toBeTypeOf('object');
    } finally {
      await conn.close(1000);
    }
  });

  it('handshake read for the first time after close is complete, and the same object on every read', async () => {
    // The object is built on first read (idle connections never pay for it): it must not
    // depend on the connection still being open.
    const conn = await connect(wsEcho);
    await conn.close(1000);
    expect(conn.readyState).toBe(3);
    const hs = conn.handshake;
    expect(hs.status).toBe(101);
    expect(hs.headers['upgrade']?.toLowerCase()).toBe('websocket');
    expect(hs.rawHeaders.length).toBeGreaterThan(0);
    expect(hs.timings.total).toBeGreaterThan(0);
    expect(conn.handshake).toBe(hs);
  });

  it('handshake.rawHeaders keeps every response header in order; headers folds repeats by lower-case name', async () => {
    const conn = await connect(rawTarget('/headers').url);
    try {
      const hs = conn.handshake;
      const extra = hs.rawHeaders.filter(([name]) => name.toLowerCase().startsWith('x-'));
      expect(extra).toEqual([
        ['X-Repeat', 'one'],
        ['X-Odd', 'a:b: c, d ;e=f'],
        ['x-repeat', 'two, three'],
        ['X-Empty', ''],
      ]);
      expect(hs.rawHeaders.map(([name]) => name.toLowerCase())).toContain('sec-websocket-accept');
      expect(hs.headers['x-repeat']).toBe('one, two, three');
      expect(hs.headers['x-odd']).toBe('a:b: c, d ;e=f');
      expect(hs.headers['x-empty']).toBe('');
      expect(hs.url).toBe(conn.url);
      expect(hs.tls).toBeUndefined();
      expect(hs.address.remoteAddress).toBe('127.0.0.1');
      expect(hs.address.remotePort).toBe(Number(new URL(conn.url).port));
      expect(hs.address.localPort).toBeGreaterThan(0);
    } finally {
      await conn.close(1000);
    }
  });

  it('sends a conformant upgrade request with custom headers', async () => {
    const t = rawTarget('/echo');
    const conn = await connect(t.url, { headers: { 'X-Test': 'abc 123', Authorization: 'Bearer tok' } });
    await conn.close(1000);
    const log = (await getRawLog(t.id))!;
    const { method, target, headers } = log.request;
    expect(method).toBe('GET');
    expect(target).toBe(new URL(t.url).pathname + new URL(t.url).search);
    expect(headers['host']).toBe(new URL(t.url).host);
    expect(headers['upgrade']?.toLowerCase()).toBe('websocket');
    expect(headers['connection']?.toLowerCase()).toContain('upgrade');
    expect(headers['sec-websocket-version']).toBe('13');
    const key = headers['sec-websocket-key'] ?? '';
    expect(Buffer.from(key, 'base64')).toHaveLength(16);
    expect(headers['x-test']).toBe('abc 123');
    expect(headers['authorization']).toBe('Bearer tok');
    // no extension offered: libcurl has no permessage-deflate, so none may be advertised
    expect(headers['sec-websocket-extensions']).toBeUndefined();
    expect(headers['sec-websocket-protocol']).toBeUndefined();
  });

  it('uses a fresh Sec-WebSocket-Key per connection and its accept value matches', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const t = rawTarget('/echo');
      const conn = await connect(t.url);
      const key = (await getRawLog(t.id))!.request.headers['sec-websocket-key']!;
      keys.push(key);
      expect(conn.handshake.headers['sec-websocket-accept']).toBe(acceptKey(key));
      await conn.close(1000);
    }
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('Sec-WebSocket-Key stays 16 fresh bytes across 300 connections (more than one refill of the pooled random bytes)', async () => {
    const keys = new Set<string>();
    for (let batch = 0; batch < 6; batch++) {
      const targets = Array.from({ length: 50 }, () => rawTarget('/echo'));
      const conns = await Promise.all(targets.map((t) => connect(t.url)));
      for (const [i, t] of targets.entries()) {
        const key = (await getRawLog(t.id))!.request.headers['sec-websocket-key']!;
        expect(Buffer.from(key, 'base64')).toHaveLength(16);
        expect(conns[i]!.handshake.headers['sec-websocket-accept']).toBe(acceptKey(key));
        keys.add(key);
      }
      await Promise.all(conns.map((c) => c.close(1000)));
    }
    expect(keys.size).toBe(300);
  });

  it('offers subprotocols in order and exposes the one selected (ws echo picks chat)', async () => {
    const t = rawTarget('/echo', { protocol: 'superchat' });
    const raw = await connect(t.url, { protocols: ['superchat', 'chat'] });
    expect(raw.protocol).toBe('superchat');
    await raw.close(1000);
    const offered = (await getRawLog(t.id))!.request.headers['sec-websocket-protocol']!;
    expect(offered.split(/\s*,\s*/)).toEqual(['superchat', 'chat']);

    const conn = await connect(wsEcho, { protocols: ['superchat', 'chat'] });
    expect(conn.protocol).toBe('chat');
    expect(conn.handshake.headers['sec-websocket-protocol']).toBe('chat');
    await conn.close(1000);

    const single = await connect(wsEcho, { protocols: 'chat' });
    expect(single.protocol).toBe('chat');
    await single.close(1000);
  });

  it.skipIf(!pyEcho)(`negotiates superchat with python3-websockets ${inject('pyEchoSkipReason')}`, async () => {
    const conn = await connect(pyEcho, { protocols: ['superchat'] });
    expect(conn.protocol).toBe('superchat');
    await conn.close(1000);
  });

  it('server closing right after open (ws /close?code=4001) is reported as a clean 4001', async () => {
    const conn = await connect(`${wsEcho}close?code=4001&reason=bye`);
    const t = track(conn);
    const c = await t.closed;
    expect(c).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    expect(t.errors()).toEqual([]);
    expect(conn.readyState).toBe(3);
  });
});

describe('connect() rejections', () => {
  it('CURLE_COULDNT_CONNECT for a closed port', async () => {
    const port = await closedPort();
    const err = await rejectionOf(connect(`ws://127.0.0.1:${port}/`));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('CURLE_COULDNT_CONNECT');
  });

  it('WS_ERR_UNEXPECTED_RESPONSE for a 403, with status and headers', async () => {
    const t = rawTarget('/status', { code: 403 });
    const err = await rejectionOf(connect(t.url));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('WS_ERR_UNEXPECTED_RESPONSE');
    expect(err.status).toBe(403);
    expect(err.headers?.['x-reason']).toBe('nope');
  });

  it('does not follow a redirect by default: 301 is an unexpected response with Location', async () => {
    const t = rawTarget('/redirect');
    const err = await rejectionOf(connect(t.url));
    expect(err.code).toBe('WS_ERR_UNEXPECTED_RESPONSE');
    expect(err.status).toBe(301);
    expect(err.headers?.['location']).toBe('/echo');
    expect(err.message).toBe('Unexpected server response: 301 — the server redirects to /echo; set followRedirects: true to follow it');
  });

  it.each([
    ['/bad-accept', 'WS_ERR_INVALID_ACCEPT'],
    ['/no-upgrade', 'WS_ERR_INVALID_UPGRADE'],
    ['/unoffered-protocol', 'WS_ERR_UNEXPECTED_PROTOCOL'],
    ['/extension', 'WS_ERR_UNEXPECTED_EXTENSION'],
  ])('%s → %s, and the client drops the TCP connection', async (path, code) => {
    const t = rawTarget(path);
    const err = await rejectionOf(connect(t.url));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe(code);
    // the 101 travels with the error (curlws/ws emits it as 'upgrade')
    expect(err.status).toBe(101);
    expect(err.headers?.['sec-websocket-accept']).toBeDefined();
    const log = await waitForSocketClosed(t.id);
    // nothing WebSocket-level may be sent after a failed handshake
    expect(log.received).toEqual([]);
  });

  it('a protocol not in the offered list is rejected too', async () => {
    const t = rawTarget('/unoffered-protocol');
    const err = await rejectionOf(connect(t.url, { protocols: ['chat'] }));
    expect(err.code).toBe('WS_ERR_UNEXPECTED_PROTOCOL');
  });

  it('WS_ERR_HANDSHAKE_TIMEOUT when the server never answers', async () => {
    const t = rawTarget('/silence');
    const err = await rejectionOf(connect(t.url, { handshakeTimeout: 300 }));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('WS_ERR_HANDSHAKE_TIMEOUT');
    // the request did reach the server; the client then gave up and closed the socket
    const log = await waitForSocketClosed(t.id);
    expect(log.request.method).toBe('GET');
  });

  it('ABORT_ERR when the signal aborts during the handshake', async () => {
    const t = rawTarget('/silence');
    const ac = new AbortController();
    const p = connect(t.url, { signal: ac.signal });
    // abort once the server has the request (event order, not a delay)
    await waitForRawLog(t.id, (l) => l.request.method === 'GET', 'the upgrade request');
    ac.abort(new Error('user gave up'));
    const err = await rejectionOf(p);
    expect(err.code).toBe('ABORT_ERR');
    expect(err.name).toBe('AbortError');
    await waitForSocketClosed(t.id);
  });

  it('ABORT_ERR for an already-aborted signal, without connecting', async () => {
    const t = rawTarget('/echo');
    const err = await rejectionOf(connect(t.url, { signal: AbortSignal.abort() }));
    expect(err.code).toBe('ABORT_ERR');
    expect(await getRawLog(t.id)).toBeNull();
  });

  it('a server that ends TCP right after the 101 gives close 1006', async () => {
    const t = rawTarget('/eof-after-open');
    let conn: Awaited<ReturnType<typeof connect>>;
    try {
      conn = await connect(t.url);
    } catch (err) {
      // acceptable only if the EOF was seen while still handshaking
      expect((err as { code?: string }).code).toMatch(/^(CURLE_|WS_ERR_)/);
      return;
    }
    const tr = track(conn);
    const c = await tr.closed;
    expect(c.code).toBe(1006);
    expect(c.wasClean).toBe(false);
  });
});

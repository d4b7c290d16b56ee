/**
 * The network options users pick libcurl for, each against a real peer on loopback, each with a
 * negative test that shows the clear error: TLS (client certs, pinning, versions, verification),
 * HTTP and SOCKS5 proxies (tinyproxy, microsocks), where to connect (Unix socket, --resolve,
 * --connect-to, local address, family, connect timeout), handshake credentials and headers,
 * redirects, introspection (handshake info, stats, verbose trace) and the curl: escape hatch.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect, type Connection } from '../../lib/index.js';
import { rejectionOf } from '../helpers/conn.js';
import { getRawLog, rawTarget } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');
const wssEcho = inject('wssEchoUrl');
const ca = inject('tlsCaPem');
const mtlsEcho = inject('mtlsEchoUrl');
const client = inject('tlsClient');
const unixSocketPath = inject('unixSocketPath');
const proxies = inject('proxies');
const proxiesSkipReason = inject('proxiesSkipReason');
const echoPort = Number(new URL(wsEcho).port);
const wssPort = Number(new URL(wssEcho).port);

/** The first message of a connection, as JSON (the /headers and /peer echo paths send one). */
async function firstJson<T>(conn: Connection): Promise<T> {
  const data = await new Promise<string | Buffer>((resolve) => conn.once('message', resolve));
  return JSON.parse(data.toString()) as T;
}

async function roundTrip(conn: Connection, text = 'ping through'): Promise<string> {
  const got = new Promise<string | Buffer>((resolve) => conn.once('message', resolve));
  await conn.send(text);
  return (await got).toString();
}

describe('TLS options', () => {
  it('a client certificate (PEM cert + key) is presented to a server that requires one', async () => {
    const conn = await connect(`${mtlsEcho}peer`, { tls: { ca, cert: client.cert, key: client.key } });
    expect((await firstJson<{ clientCn: string }>(conn)).clientCn).toBe('curlws client');
    await conn.close(1000);
  });

  it('a client certificate as PKCS#12 with its passphrase works too', async () => {
    const pfx = Buffer.from(client.pfx, 'base64');
    const conn = await connect(`${mtlsEcho}peer`, { tls: { ca, pfx, passphrase: 's3cret' } });
    expect((await firstJson<{ clientCn: string }>(conn)).clientCn).toBe('curlws client');
    await conn.close(1000);
  });

  it('without the client certificate the mutual-TLS server refuses: a CURLE_* error', async () => {
    const err = await rejectionOf(connect(mtlsEcho, { tls: { ca } }));
    expect(err.name).toBe('CurlError');
    expect(err.code).toMatch(/^CURLE_(RECV_ERROR|SSL_CONNECT_ERROR|SEND_ERROR|GOT_NOTHING)$/);
  });

  it('the right public-key pin connects; a wrong pin fails with CURLE_SSL_PINNEDPUBKEYNOTMATCH', async () => {
    const ok = await connect(wssEcho, { tls: { ca, pinnedPublicKey: client.serverPin } });
    expect(await roundTrip(ok)).toBe('ping through');
    await ok.close(1000);
    const wrong = `sha256//${Buffer.alloc(32, 7).toString('base64')}`;
    const err = await rejectionOf(connect(wssEcho, { tls: { ca, pinnedPublicKey: wrong } }));
    expect(err.code).toBe('CURLE_SSL_PINNEDPUBKEYNOTMATCH');
  });

  it('rejectUnauthorized: false connects to an untrusted server; the default refuses it', async () => {
    const self = inject('wssSelfSignedUrl');
    expect((await rejectionOf(connect(self))).code).toBe('CURLE_PEER_FAILED_VERIFICATION');
    const conn = await connect(self, { tls: { rejectUnauthorized: false } });
    expect(await roundTrip(conn)).toBe('ping through');
    await conn.close(1000);
  });

  it('minVersion/maxVersion pin the TLS version, and handshake.tls reports version and cipher', async () => {
    const v12 = await connect(wssEcho, { tls: { ca, maxVersion: 'TLSv1.2' } });
    expect(v12.handshake.tls?.version).toBe('TLSv1.2');
    expect(v12.handshake.tls?.cipher).toMatch(/\w/);
    await v12.close(1000);
    const v13 = await connect(wssEcho, { tls: { ca, minVersion: 'TLSv1.3' } });
    expect(v13.handshake.tls?.version).toBe('TLSv1.3');
    await v13.close(1000);
    expect(() => connect(wssEcho, { tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('options.tls.maxVersion') }),
    );
  });

  it('ciphers restricts the TLS 1.2 cipher suite', async () => {
    const conn = await connect(wssEcho, { tls: { ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } });
    expect(conn.handshake.tls?.cipher).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    await conn.close(1000);
  });

  it('servername and connectTo together: both routes apply (one CURLOPT_CONNECT_TO list)', async () => {
    const conn = await connect(`wss://127.0.0.1:${wssPort}/headers`, {
      tls: { ca, servername: 'localhost' },
      connectTo: ['unused.test:1:127.0.0.1:1'],
    });
    expect((await firstJson<Record<string, string>>(conn)).host).toBe(`127.0.0.1:${wssPort}`);
    await conn.close(1000);
  });

  it('servername sets SNI and the verified name when connecting by IP', async () => {
    // The certificate names "localhost"; 127.0.0.1 is in it too, so use a name that is not:
    // connecting to "127.0.0.1" while verifying "localhost" proves the override is used.
    const conn = await connect(`wss://127.0.0.1:${wssPort}/headers`, { tls: { ca, servername: 'localhost' } });
    const headers = await firstJson<Record<string, string>>(conn);
    expect(headers.host).toBe(`127.0.0.1:${wssPort}`);
    await conn.close(1000);
    const err = await rejectionOf(connect(`wss://127.0.0.1:${wssPort}/`, { tls: { ca, servername: 'not-in-cert.test' } }));
    expect(err.code).toBe('CURLE_PEER_FAILED_VERIFICATION');
  });
});

describe.skipIf(!proxies)(`proxies ${proxiesSkipReason}`, () => {
  const p = proxies!;

  it('ws:// through an HTTP proxy tunnels with CONNECT (tinyproxy)', async () => {
    const conn = await connect(wsEcho, { proxy: p.httpProxyUrl });
    expect(await roundTrip(conn)).toBe('ping through');
    // The TCP peer is the proxy, not the echo server.
    expect(conn.handshake.address.remotePort).toBe(Number(new URL(p.httpProxyUrl).port));
    await conn.close(1000);
  });

  it('wss:// through an HTTP proxy', async () => {
    const conn = await connect(wssEcho, { proxy: p.httpProxyUrl, tls: { ca } });
    expect(await roundTrip(conn)).toBe('ping through');
    await conn.close(1000);
  });

  it('a proxy that wants credentials: 407 without them is a clear error; with them it works', async () => {
    const err = await rejectionOf(connect(wsEcho, { proxy: p.httpAuthProxyUrl }));
    expect(err.name).toBe('CurlError');
    expect((err as unknown as { proxyStatus: number }).proxyStatus).toBe(407);
    expect(err.message).toContain('407');
    const inUrl = new URL(p.httpAuthProxyUrl);
    inUrl.username = 'alice';
    inUrl.password = 's3cret';
    const viaUrl = await connect(wsEcho, { proxy: inUrl.href });
    expect(await roundTrip(viaUrl)).toBe('ping through');
    await viaUrl.close(1000);
    const viaOption = await connect(wssEcho, {
      proxy: p.httpAuthProxyUrl,
      proxyAuth: { username: 'alice', password: 's3cret' },
      tls: { ca },
    });
    expect(await roundTrip(viaOption)).toBe('ping through');
    await viaOption.close(1000);
  });

  it('SOCKS5 (microsocks) for ws and wss, with and without authentication', async () => {
    for (const url of [wsEcho, wssEcho]) {
      const conn = await connect(url, { proxy: p.socksProxyUrl, tls: { ca } });
      expect(await roundTrip(conn)).toBe('ping through');
      await conn.close(1000);
    }
    const bad = await rejectionOf(connect(wsEcho, { proxy: p.socksAuthProxyUrl }));
    expect(bad.code).toMatch(/^CURLE_(PROXY|COULDNT_CONNECT)$/);
    const authed = await connect(wsEcho, { proxy: p.socksAuthProxyUrl, proxyAuth: { username: 'alice', password: 's3cret' } });
    expect(await roundTrip(authed)).toBe('ping through');
    await authed.close(1000);
  });

  it('noProxy bypasses the proxy for matching hosts', async () => {
    const conn = await connect(wsEcho, { proxy: 'http://127.0.0.1:1', noProxy: ['127.0.0.1'] });
    expect(conn.handshake.address.remotePort).toBe(echoPort);
    await conn.close(1000);
  });

  it('proxy: false ignores a proxy set in the environment', async () => {
    // libcurl reads the environment at handshake time; 127.0.0.1:1 refuses connections.
    const saved = process.env.ws_proxy;
    process.env.ws_proxy = 'http://127.0.0.1:1';
    try {
      const err = await rejectionOf(connect(wsEcho));
      expect(err.code).toBe('CURLE_COULDNT_CONNECT');
      const conn = await connect(wsEcho, { proxy: false });
      expect(await roundTrip(conn)).toBe('ping through');
      await conn.close(1000);
    } finally {
      if (saved === undefined) delete process.env.ws_proxy;
      else process.env.ws_proxy = saved;
    }
  });

  it('connectTimeout bounds TCP + TLS: a server that never answers the TLS hello times out', async () => {
    const err = await rejectionOf(connect(`wss://127.0.0.1:${p.blackHolePort}/`, { connectTimeout: 300, handshakeTimeout: 0 }));
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
  });
});

describe('where to connect', () => {
  it('unixSocket: the handshake goes over a Unix domain socket', async () => {
    const conn = await connect('ws://localhost/headers', { unixSocket: unixSocketPath });
    expect((await firstJson<Record<string, string>>(conn)).host).toBe('localhost');
    expect(await roundTrip(conn)).toBe('ping through');
    await conn.close(1000);
    const err = await rejectionOf(connect('ws://localhost/', { unixSocket: `${unixSocketPath}.missing` }));
    expect(err.code).toBe('CURLE_COULDNT_CONNECT');
  });

  it('resolve: a made-up name resolves to 127.0.0.1 (curl --resolve), and the Host header keeps the name', async () => {
    const conn = await connect(`ws://echo.curlws.test:${echoPort}/headers`, { resolve: [`echo.curlws.test:${echoPort}:127.0.0.1`] });
    expect((await firstJson<Record<string, string>>(conn)).host).toBe(`echo.curlws.test:${echoPort}`);
    await conn.close(1000);
    const err = await rejectionOf(connect(`ws://echo.curlws.test:${echoPort}/`, { resolve: ['other.test:1:127.0.0.1'] }));
    expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
  });

  it('connectTo: the URL names one host and port, the TCP connection goes to another', async () => {
    const conn = await connect('ws://virtual.test:9/headers', { connectTo: [`virtual.test:9:127.0.0.1:${echoPort}`] });
    expect((await firstJson<Record<string, string>>(conn)).host).toBe('virtual.test:9');
    expect(conn.handshake.address.remotePort).toBe(echoPort);
    await conn.close(1000);
  });

  it('localAddress binds the client side; the server sees it as the peer address', async () => {
    const conn = await connect(`${wsEcho}peer`, { localAddress: '127.0.0.2' });
    expect((await firstJson<{ remoteAddress: string }>(conn)).remoteAddress).toMatch(/127\.0\.0\.2$/);
    expect(conn.handshake.address.localAddress).toBe('127.0.0.2');
    await conn.close(1000);
  });

  it('interface: binding to "lo" works; a missing interface is a CURLE_INTERFACE_FAILED', async () => {
    const conn = await connect(wsEcho, { interface: 'lo' });
    expect(await roundTrip(conn)).toBe('ping through');
    await conn.close(1000);
    expect((await rejectionOf(connect(wsEcho, { interface: 'no-such-if0' }))).code).toBe('CURLE_INTERFACE_FAILED');
  });

  it('family: 6 cannot reach a server that only listens on IPv4 by the name localhost', async () => {
    const v4 = await connect(`ws://localhost:${echoPort}/`, { family: 4 });
    expect(v4.handshake.address.remoteAddress).toBe('127.0.0.1');
    await v4.close(1000);
    expect((await rejectionOf(connect(`ws://localhost:${echoPort}/`, { family: 6 }))).code).toMatch(
      /^CURLE_(COULDNT_CONNECT|COULDNT_RESOLVE_HOST)$/,
    );
  });
});

describe('handshake credentials and headers', () => {
  it('origin, userAgent, cookies and Basic auth are sent', async () => {
    const conn = await connect(`${wsEcho}headers`, {
      origin: 'https://app.example',
      userAgent: 'curlws-test/1',
      cookies: { session: 'abc', theme: 'dark' },
      auth: { username: 'alice', password: 'pw' },
    });
    const h = await firstJson<Record<string, string>>(conn);
    expect(h).toMatchObject({
      origin: 'https://app.example',
      'user-agent': 'curlws-test/1',
      cookie: 'session=abc; theme=dark',
      authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`,
    });
    await conn.close(1000);
  });

  it('credentials in the URL become Basic auth; a bearer token becomes Authorization: Bearer', async () => {
    const u = new URL(`${wsEcho}headers`);
    u.username = 'bob';
    u.password = 'secret';
    const basic = await connect(u);
    expect((await firstJson<Record<string, string>>(basic)).authorization).toBe(`Basic ${Buffer.from('bob:secret').toString('base64')}`);
    await basic.close(1000);
    const bearer = await connect(`${wsEcho}headers`, { auth: { bearer: 'tok123' } });
    expect((await firstJson<Record<string, string>>(bearer)).authorization).toBe('Bearer tok123');
    await bearer.close(1000);
  });
});

describe('redirects', () => {
  it('are not followed by default: the 301 is a WS_ERR_UNEXPECTED_RESPONSE with its Location', async () => {
    const err = await rejectionOf(connect(rawTarget('/redirect').url));
    expect(err).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RESPONSE', status: 301 });
    expect(err.headers?.location).toBe('/echo');
  });

  it.each([301, 302, 303, 307, 308])('followRedirects follows a %i to a same-origin URL, keeping credentials', async (status) => {
    const target = rawTarget('/echo');
    const start = rawTarget('/redirect', { status, to: new URL(target.url).pathname + new URL(target.url).search });
    const conn = await connect(start.url, { followRedirects: true, auth: 'alice:pw' });
    expect(await roundTrip(conn)).toBe('ping through');
    await conn.close(1000);
    const log = await getRawLog(target.id);
    expect(log?.request.headers.authorization).toBe(`Basic ${Buffer.from('alice:pw').toString('base64')}`);
  });

  it('drops Authorization and cookies when the redirect leaves the origin', async () => {
    const to = `ws://localhost:${echoPort}/headers`; // another host name than 127.0.0.1
    const start = rawTarget('/redirect', { to });
    const conn = await connect(start.url, {
      followRedirects: true,
      auth: 'alice:pw',
      cookies: 'session=abc',
      headers: { Authorization: 'Bearer x', 'X-Keep': 'yes' },
    });
    const h = await firstJson<Record<string, string>>(conn);
    expect(h.authorization).toBeUndefined();
    expect(h.cookie).toBeUndefined();
    expect(h['x-keep']).toBe('yes');
    await conn.close(1000);
  });

  it('maxRedirects bounds a redirect loop with WS_ERR_TOO_MANY_REDIRECTS', async () => {
    const loop = rawTarget('/redirect', { to: 'self' });
    const err = await rejectionOf(connect(loop.url, { followRedirects: true, maxRedirects: 3 }));
    expect(err.code).toBe('WS_ERR_TOO_MANY_REDIRECTS');
    expect(err.status).toBe(301);
  });
});

describe('introspection', () => {
  it('handshake reports status, headers, protocol, addresses and timings', async () => {
    const conn = await connect(wsEcho, { protocols: ['chat'] });
    const h = conn.handshake;
    expect(h.status).toBe(101);
    expect(h.protocol).toBe('chat');
    expect(h.headers.upgrade).toBe('websocket');
    expect(h.address).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: echoPort, localAddress: '127.0.0.1' });
    expect(h.address.localPort).toBeGreaterThan(0);
    expect(h.tls).toBeUndefined();
    expect(h.timings.total).toBeGreaterThanOrEqual(h.timings.connect);
    await conn.close(1000);
  });

  it('stats() counts messages and payload bytes both ways, and survives close', async () => {
    const conn = await connect(wsEcho);
    for (const m of ['one', 'two', Buffer.alloc(100)]) await roundTrip(conn, m as string);
    await conn.close(1000);
    expect(conn.stats()).toMatchObject({ messagesSent: 3, bytesSent: 106, messagesReceived: 3, bytesReceived: 106 });
  });

  it("verbose: a function receives libcurl's trace: connection text, request and response headers", async () => {
    const lines: string[] = [];
    const conn = await connect(wsEcho, { verbose: (line) => lines.push(line) });
    await conn.close(1000);
    expect(lines.some((l) => l.startsWith('*') && l.includes('127.0.0.1'))).toBe(true);
    expect(lines).toContain('> GET / HTTP/1.1');
    expect(lines.some((l) => /^< HTTP\/1\.1 101/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('=> Send data'))).toBe(false);
  });

  it('verbose: { data: true } adds the sizes of data sent and received', async () => {
    const lines: string[] = [];
    const conn = await connect(wsEcho, { verbose: { output: (line) => lines.push(line), data: true } });
    await roundTrip(conn);
    await conn.close(1000);
    expect(lines).toContain('=> Send TEXT 12 bytes');
    expect(lines).toContain('<= Recv TEXT 12 bytes');
    expect(lines).toContain('=> Send CLOSE 2 bytes');
  });
});

describe('the curl escape hatch', () => {
  it("passes any CURLOPT_* through, typed by libcurl's option table", async () => {
    const conn = await connect(`${wsEcho}headers`, { curl: { CURLOPT_USERAGENT: 'via-escape-hatch', CURLOPT_TCP_NODELAY: true } });
    expect((await firstJson<Record<string, string>>(conn))['user-agent']).toBe('via-escape-hatch');
    await conn.close(1000);
  });

  it('rejects unknown names, engine-owned options and wrong value types before connecting', () => {
    expect(() => connect(wsEcho, { curl: { CURLOPT_NOT_A_THING: 1 } })).toThrow(
      /Unknown libcurl option "CURLOPT_NOT_A_THING" in options.curl/,
    );
    expect(() => connect(wsEcho, { curl: { CURLOPT_CONNECT_ONLY: 1 } })).toThrow(
      'options.curl.CURLOPT_CONNECT_ONLY is refused by connect(): the engine drives the connection itself (CONNECT_ONLY = 2)',
    );
    expect(() => connect(wsEcho, { curl: { CURLOPT_HTTPPROXYTUNNEL: 0 } })).toThrow(/must tunnel/);
    expect(() => connect(wsEcho, { curl: { CURLOPT_WRITEFUNCTION: null } })).toThrow(/cannot be set from JavaScript/);
    expect(() => connect(wsEcho, { curl: { CURLOPT_USERAGENT: 5 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

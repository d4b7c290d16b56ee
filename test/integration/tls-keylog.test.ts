/**
 * TLS key logging: off unless asked for. libcurl's OpenSSL backend would write the secrets of
 * every wss connection to the file named by SSLKEYLOGFILE; curlws never lets it. `tls.keylog`
 * (CLI: --tls-keylog) turns it on for one connection, and the lines it writes are the secrets of
 * that connection: the same lines the server logs for it (Node's 'keylog' event).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connect, CurlWsError } from '../../lib/index.js';
import { binding } from '../../lib/core/native.js';
import { nativeSessionInit } from '../helpers/native-session.js';
import { rejectionOf } from '../helpers/conn.js';
import { startNodeChild } from '../helpers/child.js';
import { generatePki, type TestPki } from '../servers/tls-certs.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'curlws-keylog-test-'));
let pki: TestPki;
let server: https.Server;
let url: string;
const serverLines: string[] = []; // what the server logged, in its own words

beforeAll(async () => {
  pki = generatePki(dir);
  server = https.createServer({ cert: pki.serverCert, key: pki.serverKey });
  server.on('keylog', (line: Buffer) => serverLines.push(line.toString().trimEnd()));
  new WebSocketServer({ server }).on('connection', (s) => s.on('message', (m, binary) => s.send(m, { binary })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `wss://localhost:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string): string => path.join(dir, `${n++}-${name}`);
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

async function echoOnce(keylog?: string, extra: { maxVersion?: 'TLSv1.2' } = {}): Promise<void> {
  const conn = await connect(url, { tls: { ca: pki.caPem, ...(keylog === undefined ? {} : { keylog }), ...extra } });
  const echoed = once(conn, 'message');
  await conn.send('secret payload');
  await echoed;
  await conn.close(1000);
}

const TLS13 =
  /^(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64,}$|^EXPORTER_SECRET [0-9a-f]{64} [0-9a-f]{64,}$/;

describe('SSLKEYLOGFILE is not honoured', () => {
  // Runs in a child: libcurl reads the variable once, when the addon initialises it.
  const script = `
const { connect } = require(process.env.CURLWS_DIST);
const { Easy } = require(process.env.CURLWS_DIST.replace(/index\\.js$/, 'curl.js'));
(async () => {
  const c = await connect(process.env.URL, { tls: { ca: process.env.CA } });
  const echoed = new Promise((r) => c.once('message', r));
  await c.send('x');
  await echoed;
  await c.close(1000);
  // curlws/curl (libcurl's own API) follows the same rule.
  const easy = new Easy();
  easy.setopt('CURLOPT_URL', process.env.URL);
  easy.setopt('CURLOPT_CONNECT_ONLY', 2);
  easy.setopt('CURLOPT_CAINFO_BLOB', Buffer.from(process.env.CA));
  await easy.perform();
  easy.close();
  console.log('done');
})().catch((e) => { console.error(e); process.exit(3); });
`;

  it('a wss connection (connect() and curlws/curl) writes nothing to it', async () => {
    const envFile = fresh('env.keys');
    const before = serverLines.length;
    const { code, out } = await startNodeChild(script, { URL: url, CA: pki.caPem, SSLKEYLOGFILE: envFile }).exited;
    expect(out).toContain('done');
    expect(code).toBe(0);
    // the handshakes did happen (the server logged two connections' secrets)...
    expect(serverLines.length - before).toBeGreaterThanOrEqual(10);
    // ...and libcurl wrote none of them (it only creates the file when it initialises)
    expect(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '').toBe('');
  });

  it('with tls.keylog, only that file gets the secrets', async () => {
    const envFile = fresh('env.keys');
    const optFile = fresh('opt.keys');
    const child = `
const { connect } = require(process.env.CURLWS_DIST);
(async () => {
  const c = await connect(process.env.URL, { tls: { ca: process.env.CA, keylog: process.env.KEYLOG } });
  await c.close(1000);
  console.log('done');
})().catch((e) => { console.error(e); process.exit(3); });
`;
    const { code } = await startNodeChild(child, { URL: url, CA: pki.caPem, SSLKEYLOGFILE: envFile, KEYLOG: optFile }).exited;
    expect(code).toBe(0);
    expect(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '').toBe('');
    expect(lines(optFile).length).toBeGreaterThanOrEqual(5);
  });
});

describe('tls.keylog', () => {
  it('TLS 1.3: appends the connection secrets the server logged, to a file created 0600', async () => {
    const file = fresh('tls13.keys');
    const before = serverLines.length;
    await echoOnce(file);
    const got = lines(file);
    expect(got.length).toBe(5);
    for (const line of got) expect(line).toMatch(TLS13);
    expect(new Set(got)).toEqual(new Set(serverLines.slice(before)));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('TLS 1.2: one CLIENT_RANDOM line, the one the server logged', async () => {
    const file = fresh('tls12.keys');
    const before = serverLines.length;
    await echoOnce(file, { maxVersion: 'TLSv1.2' });
    expect(lines(file)).toEqual(serverLines.slice(before));
    expect(lines(file)[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  });

  it('appends: two connections, one file, both sets of secrets', async () => {
    const file = fresh('two.keys');
    await echoOnce(file);
    await echoOnce(file);
    const randoms = new Set(lines(file).map((l) => l.split(' ')[1]));
    expect(lines(file)).toHaveLength(10);
    expect(randoms.size).toBe(2);
  });

  it('only the connection that asked logs', async () => {
    const file = fresh('one.keys');
    await echoOnce(file);
    await echoOnce();
    expect(lines(file)).toHaveLength(5);
  });

  it('a file that cannot be opened rejects connect() with ERR_CURLWS_KEYLOG, naming the option', async () => {
    const bad = path.join(dir, 'no-such-dir', 'k.keys');
    const err = await rejectionOf(connect(url, { tls: { ca: pki.caPem, keylog: bad } }));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('ERR_CURLWS_KEYLOG');
    expect(err.message).toContain('options.tls.keylog');
    expect(err.message).toContain('no-such-dir');
    expect(existsSync(bad)).toBe(false);
  });

  it('a FIFO nobody reads fails at once (ENXIO) instead of blocking the event loop', async () => {
    const fifo = fresh('fifo');
    execFileSync('mkfifo', [fifo]);
    const err = await rejectionOf(connect(url, { tls: { ca: pki.caPem, keylog: fifo } }));
    expect(err.code).toBe('ERR_CURLWS_KEYLOG');
    expect(err.message).toMatch(/No such device or address/);
  });

  it('a file that cannot take the lines (/dev/full) loses them, the connection works', async () => {
    await echoOnce('/dev/full');
  });

  it('connections dropped in the middle of their TLS handshakes leave only whole lines', async () => {
    const file = fresh('dropped.keys');
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ac = new AbortController();
      const p = connect(url, { tls: { ca: pki.caPem, keylog: file }, signal: ac.signal }).then(
        (c) => {
          c.terminate(); // the handshake won the race
          return 'open';
        },
        (e: { code?: string }) => e.code,
      );
      // abort at a different point of the handshake each time (event-loop turns, not a delay)
      for (let turn = 0; turn < i; turn++) await new Promise<void>((r) => setImmediate(r));
      ac.abort();
      outcomes.push((await p) ?? '');
    }
    expect(outcomes[0]).toBe('ABORT_ERR');
    for (const o of outcomes) expect(['ABORT_ERR', 'open']).toContain(o);
    await echoOnce(file);
    const got = lines(file);
    expect(got.length).toBeGreaterThanOrEqual(5);
    for (const line of got) expect(line).toMatch(TLS13);
  });

  it.each([
    ['a number', 42, 'ERR_INVALID_ARG_TYPE'],
    ['an empty path', '', 'ERR_INVALID_ARG_VALUE'],
    ['a path with NUL', `${dir}/a\0b`, 'ERR_INVALID_ARG_VALUE'],
    ['a path with LF', `${dir}/a\nb`, 'ERR_INVALID_ARG_VALUE'],
  ])('%s is refused before anything happens', (_name, keylog, code) => {
    expect(() => connect(url, { tls: { keylog: keylog as string } })).toThrow(expect.objectContaining({ code }));
  });

  it('the engine itself refuses a NUL that would cut the file name short (a direct native call)', () => {
    const cut = `${dir}/cut`;
    expect(() => new binding.Session(nativeSessionInit({ url, keylog: `${cut}\0.keys` }), {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(existsSync(cut)).toBe(false);
  });
});

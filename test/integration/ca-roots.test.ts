/**
 * Where the CA roots go: into a sealed in-memory file that libcurl opens by name (so it parses
 * them once per multi), never onto disk. A plain ws:// connection needs no roots at all, and no
 * way the process ends (signals, an uncaught exception) may leave a file behind. Each scenario
 * runs in a child with a private TMPDIR, which must stay empty.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { binding } from '../../lib/core/native.js';
import { startNodeChild } from '../helpers/child.js';
import { rawTarget } from '../helpers/raw.js';

const wsEcho = inject('wsEchoUrl');
const wssEcho = inject('wssEchoUrl');
const root = mkdtempSync(path.join(os.tmpdir(), 'curlws-ca-roots-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// The test CA as NODE_EXTRA_CA_CERTS: wss then works with the default roots.
const extraCa = path.join(root, 'extra-ca.pem');
writeFileSync(extraCa, inject('tlsCaPem'));

let n = 0;
function privateTmp(): string {
  const dir = path.join(root, `tmp-${n++}`);
  mkdirSync(dir);
  return dir;
}

// Opens a ws:// and a wss:// connection (default roots, then tls.ca), echoes on each, prints
// "open", then ends as END says: "close" (normally), "wait" (to be killed) or "throw".
const script = `
const { connect } = require(process.env.CURLWS_DIST);
(async () => {
  const urls = process.env.URLS.split(' ');
  const conns = [];
  for (const url of urls) {
    const c = await connect(url, url.startsWith('wss:') && conns.length > 1 ? { tls: { ca: process.env.CA } } : {});
    const echoed = new Promise((r) => c.once('message', r));
    await c.send('x');
    await echoed;
    conns.push(c);
  }
  console.log('open');
  if (process.env.END === 'close') for (const c of conns) await c.close(1000);
  else if (process.env.END === 'throw') setImmediate(() => { throw new Error('uncaught on purpose'); });
  else setInterval(() => {}, 1000);
})().catch((e) => { console.error(e); process.exit(3); });
`;

function run(urls: string[], end: 'close' | 'wait' | 'throw', tmp: string) {
  return startNodeChild(script, {
    URLS: urls.join(' '),
    END: end,
    CA: inject('tlsCaPem'),
    TMPDIR: tmp,
    NODE_EXTRA_CA_CERTS: extraCa,
  });
}

describe('CA roots never touch the disk', () => {
  it.each([
    ['a ws:// connection', [wsEcho]],
    ['wss:// with the default roots and with tls.ca', [wsEcho, wssEcho, wssEcho]],
  ])('%s writes nothing to TMPDIR, while open or after a normal exit', async (_name, urls) => {
    const tmp = privateTmp();
    const c = run(urls, 'wait', tmp);
    await c.printed('open');
    expect(readdirSync(tmp)).toEqual([]);
    c.child.kill('SIGTERM');
    await c.exited;
    const { code, out } = await run(urls, 'close', tmp).exited;
    expect(out).toContain('open');
    expect(code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('a process ended by %s leaves nothing behind', async (signal) => {
    const tmp = privateTmp();
    const c = run([wsEcho, wssEcho, wssEcho], 'wait', tmp);
    await c.printed('open');
    c.child.kill(signal);
    const { signal: got } = await c.exited;
    expect(got).toBe(signal);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a process ended by an uncaught exception leaves nothing behind', async () => {
    const tmp = privateTmp();
    const { code, out } = await run([wsEcho, wssEcho, wssEcho], 'throw', tmp).exited;
    expect(out).toContain('uncaught on purpose');
    expect(code).toBe(1);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('the in-memory CA file', () => {
  it('holds the bundle, can be read by name, and is sealed against writes', () => {
    const bundle = Buffer.from(inject('tlsCaPem'));
    const file = binding.caFile(bundle);
    expect(file).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(readFileSync(file).equals(bundle)).toBe(true);
    expect(() => writeFileSync(file, 'an attacker-chosen root')).toThrow(/EPERM/);
    expect(() => writeFileSync(file, bundle, { flag: 'a' })).toThrow(/EPERM/);
    expect(readFileSync(file).equals(bundle)).toBe(true);
  });

  it('an empty bundle gives an empty file (libcurl then trusts nothing), not a crash', () => {
    const file = binding.caFile(Buffer.alloc(0));
    expect(readFileSync(file).length).toBe(0);
  });

  it('refuses anything but a Buffer', () => {
    expect(() => binding.caFile('pem' as never)).toThrow(TypeError);
  });
});

describe('roots for every hop that may use TLS', () => {
  it('a ws:// URL that redirects to wss:// verifies the wss hop against tls.ca', async () => {
    const to = rawTarget('/redirect', { to: wssEcho, status: 302 });
    const conn = await connect(to.url, { followRedirects: true, tls: { ca: inject('tlsCaPem') } });
    expect(conn.url).toBe(wssEcho);
    expect(conn.handshake.tls).toBeDefined();
    await conn.close(1000);
  });
});

// Regressions found by the review of curlws/curl (one test per fixed bug).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { rawTarget } from '../helpers/raw';

const root = path.resolve(__dirname, '../..');

function child(
  fixture: string,
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(__dirname, 'fixtures', fixture)], {
      cwd: root,
      env: { ...process.env, CURL_DIST: path.join(root, 'dist/curl.js'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code, signal) => resolve({ code, signal, out: Buffer.concat(out), err }));
  });
}

describe('CURLOPT_WRITEFUNCTION set to null', () => {
  it("restores libcurl's default (the frames go to stdout) instead of crashing", async () => {
    const r = await child('unset-writefunction.mjs', { URL: rawTarget('/frames-then-eof').url });
    expect(r.signal, r.err).toBeNull();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('perform done');
    expect(r.out.toString('latin1')).toBe('hello' + Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('latin1'));
  });
});

describe('a DEBUGFUNCTION that throws in the last step of a transfer', () => {
  it('does not abort the next perform() started right after the failure', async () => {
    const { Easy } = await import('../../lib/curl');
    const { createServer } = await import('node:net');
    // a port nobody listens on: the connect fails, and the trace line that says so throws
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', `ws://127.0.0.1:${port}/`);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_VERBOSE', 1);
    const boom = new Error('boom');
    easy.setopt('CURLOPT_DEBUGFUNCTION', (_h, _type, data) => {
      if (/refused|Failed to connect/i.test(data.toString())) throw boom;
      return 0;
    });
    // the retry runs in the microtasks of the failure's settlement, before the engine's
    // deferred work: a stale "abort" left by the first transfer used to kill it
    const second = easy.perform().catch((err: { cause?: unknown }) => {
      expect(err.cause).toBe(boom);
      easy.setopt('CURLOPT_DEBUGFUNCTION', null);
      easy.setopt('CURLOPT_URL', inject('wsEchoUrl'));
      return easy.perform();
    });
    await expect(second).resolves.toBeUndefined();
    easy.close();
  });
});

describe('a high-level send() from a curlws/curl callback that libcurl runs outside socket_action', () => {
  it("is queued, not written with libcurl's blocking in-callback send", async () => {
    const { Easy } = await import('../../lib/curl');
    const { connect } = await import('../../lib/index');
    const conn = await connect(inject('wsEchoUrl'));
    const echoed = new Promise((r) => conn.once('message', r));
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', inject('wsEchoUrl'));
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await easy.perform();
    let queued = -1;
    const big = Buffer.alloc(1 << 20, 7);
    easy.setopt('CURLOPT_VERBOSE', 1);
    easy.setopt('CURLOPT_DEBUGFUNCTION', () => {
      // libcurl has its "in callback" flag up for the whole multi here (this trace comes from
      // curl_multi_remove_handle inside reset()): curl_ws_send on any handle would block
      if (queued !== -1) return 0;
      void conn.send(big); // big enough to be written right away outside a callback
      queued = conn.stats().messagesSent;
      return 0;
    });
    easy.reset();
    expect(queued).toBe(0); // not written yet: it goes out once libcurl has returned
    expect(conn.stats().messagesSent).toBe(0);
    expect(Buffer.compare(Buffer.from((await echoed) as Buffer), big)).toBe(0);
    easy.close();
    await conn.close(1000);
  });
});

describe('a DEBUGFUNCTION that throws while reset() closes the connection', () => {
  it('reset() completes and then throws the exception (it used to be dropped)', async () => {
    const { Easy } = await import('../../lib/curl');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', inject('wsEchoUrl'));
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await easy.perform();
    const boom = new Error('boom');
    easy.setopt('CURLOPT_VERBOSE', 1);
    easy.setopt('CURLOPT_DEBUGFUNCTION', () => {
      throw boom;
    });
    let thrown: unknown;
    try {
      easy.reset();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe(boom);
    // the reset happened: no connection any more, and the handle is usable
    await expect(easy.wsReadable()).rejects.toMatchObject({ code: 'ERR_CURL_NOT_CONNECTED' });
    easy.setopt('CURLOPT_URL', inject('wsEchoUrl'));
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await easy.perform();
    easy.close();
  });
});

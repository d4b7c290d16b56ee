/**
 * Process lifecycle with the built package: after a connection is done (closed by us, by the
 * server, terminated, or never opened), a plain Node process exits on its own. Needs dist/
 * (`npm run build`); skipped otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { closedPort } from '../helpers/net.js';

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist', 'index.js');
const child = path.join(__dirname, 'fixtures', 'lifecycle-child.mjs');
const hasDist = existsSync(dist);

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the child; kills it (and reports timedOut) if it has not exited after `boundMs`. */
function runChild(args: string[], boundMs = 15_000): Promise<ChildResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, boundMs);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function parsed(r: ChildResult): unknown {
  expect(r.timedOut, `child did not exit on its own; stdout=${r.stdout} stderr=${r.stderr}`).toBe(false);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim());
}

describe.skipIf(!hasDist)('process exits on its own (built package in dist/)', () => {
  it('after a message exchange and close()', async () => {
    const r = await runChild(['echo', inject('wsEchoUrl')]);
    expect(parsed(r)).toEqual({
      message: { data: 'lifecycle', isBinary: false },
      closed: { code: 1000, reason: 'done', wasClean: true },
    });
  });

  it('after a server-initiated close', async () => {
    const r = await runChild(['server-close', `${inject('wsEchoUrl')}close?code=4001&reason=bye`]);
    expect(parsed(r)).toEqual({ closed: { code: 4001, reason: 'bye', wasClean: true } });
  });

  it('after terminate()', async () => {
    const r = await runChild(['terminate', inject('wsEchoUrl')]);
    expect(parsed(r)).toMatchObject({ closed: { code: 1006, wasClean: false } });
  });

  it('after a for-await loop that ended with the server close', async () => {
    const r = await runChild(['iterate', `${inject('wsEchoUrl')}push?count=20&size=100`]);
    expect(parsed(r)).toEqual({ count: 20 });
  });

  it('after a refused connection', async () => {
    const port = await closedPort();
    const r = await runChild(['refused', `ws://127.0.0.1:${port}/`]);
    expect(parsed(r)).toEqual({ error: 'CURLE_COULDNT_CONNECT' });
  });
});

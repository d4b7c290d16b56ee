// Regressions found by the review of curlws/curl (one test per fixed bug).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawTarget } from '../helpers/raw';

const root = path.resolve(__dirname, '../..');

function child(fixture: string, env: Record<string, string>): Promise<{ code: number | null; signal: string | null; out: Buffer; err: string }> {
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
  it('restores libcurl\'s default (the frames go to stdout) instead of crashing', async () => {
    const r = await child('unset-writefunction.mjs', { URL: rawTarget('/frames-then-eof').url });
    expect(r.signal, r.err).toBeNull();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('perform done');
    expect(r.out.toString('latin1')).toBe('hello' + Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('latin1'));
  });
});

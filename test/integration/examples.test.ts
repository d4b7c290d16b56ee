/**
 * Every file in examples/ runs with plain Node and what the package ships: the TypeScript twins of
 * libcurl's examples as the build compiled them (dist/examples/*.js, importing 'curlws/curl' by
 * the package's own name), and the demo. Child processes against the local servers, so the
 * examples cannot rot. (test/curl/ checks the twins' behaviour in detail, in-process.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawTarget, waitForClientClose } from '../helpers/raw.js';

const root = path.resolve(__dirname, '../..');

function run(file: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, file), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('examples/ run with plain Node', () => {
  it('every TypeScript example is compiled into dist/examples', () => {
    const sources = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(0);
    for (const f of sources) expect(existsSync(path.join(root, 'dist/examples', f.replace(/\.ts$/, '.js'))), f).toBe(true);
  });

  it('websocket.js (websocket.c): pings, gets the PONGs, closes; exit 0', async () => {
    const { url, id } = rawTarget('/echo');
    const r = await run('dist/examples/websocket.js', [url]);
    expect(r.err.split('\n').filter((l) => l === 'ws: received PONG with same payload back')).toHaveLength(11);
    expect(r.code).toBe(0);
    const { frame } = await waitForClientClose(id);
    expect(frame.length).toBe(0);
  });

  it('websocket.js reports a refused handshake as the C example does; exit 22', async () => {
    const r = await run('dist/examples/websocket.js', [rawTarget('/status', { code: 403 }).url]);
    expect(r.err).toBe('curl_easy_perform() failed: HTTP response code said error\n');
    expect(r.code).toBe(22);
  });

  it('websocket-cb.js (websocket-cb.c): prints each frame from the write callback until the server goes away', async () => {
    const r = await run('dist/examples/websocket-cb.js', [rawTarget('/frames-then-eof').url]);
    expect(r.err).toBe('Type: text\nBytes: 568 65 6c 6c 6f Type: binary\nBytes: 4de ad be ef ');
    expect(r.code).toBe(0);
  });

  it('demo.mjs holds its conversation and closes cleanly', async () => {
    const r = await run('examples/demo.mjs', []);
    expect(r.out).toContain('closed: 1000');
    expect(r.code).toBe(0);
  });
});

// Random re-entrancy from inside libcurl callbacks (see fixtures/reentrancy-stress.mjs): the
// engine must survive any mix of close/perform/connect/send/recv/throw/GC/pause/duphandle from
// callbacks, with random read-callback answers and write-callback pauses.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function run(seed: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures/reentrancy-stress.mjs')], {
      cwd: root,
      env: { ...process.env, SEED: String(seed), CURL_DIST: path.join(root, 'dist/curl.js'), INDEX_DIST: path.join(root, 'dist/index.js') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('re-entrancy stress', () => {
  it.each([12345, 31337])(
    'seed %i: 300 handles, random calls from inside callbacks, no crash, exits on its own',
    async (seed) => {
      const r = await run(seed);
      expect(r.signal, r.out).toBeNull();
      expect(r.code, r.out).toBe(0);
      const lines = r.out.trim().split('\n');
      expect(lines.pop()).toBe('stress done 300');
      // the callbacks really ran, and did each kind of thing
      const counts = JSON.parse(lines.pop()!) as Record<string, number>;
      expect(counts.writes).toBeGreaterThan(200);
      expect(counts.reads).toBeGreaterThan(5);
      expect(counts.writePauses).toBeGreaterThan(5);
      for (const op of ['close', 'send', 'performOther', 'closeOther', 'connect', 'throw', 'recv', 'pause', 'dup', 'rawSend'])
        expect(counts[op], op).toBeGreaterThan(5);
    },
    60_000,
  );
});

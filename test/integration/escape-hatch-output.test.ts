/**
 * The process's stdout and stderr belong to the application: no libcurl option connect()'s escape
 * hatch accepts may make libcurl write there (CURLOPT_HEADER used to put the 101 response on
 * stdout; CURLOPT_NOPROGRESS = 0 draws libcurl's progress meter on stderr). Generated from the
 * pinned option table: every integer option, set to 0 and to 1, in a child process whose stdout
 * and stderr must stay empty.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, inject, it } from 'vitest';

it('no integer option accepted by connect({ curl }) makes libcurl write to stdout or stderr', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'curlws-hatch-'));
  const out = path.join(dir, 'summary.json');
  try {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'escape-hatch-child.mjs'), inject('wsEchoUrl'), out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    const summary = JSON.parse(readFileSync(out, 'utf8')) as { refused: number; accepted: number; opened: number };
    // It did connect with most of them (a few options make the handshake fail, which is fine).
    expect(summary.accepted).toBeGreaterThan(100);
    expect(summary.opened).toBeGreaterThan(summary.accepted / 2);
    expect(summary.refused).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

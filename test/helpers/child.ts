import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built package (dist/), as a child process loads it: `require(process.env.CURLWS_DIST)`. */
export const distEntry = path.resolve(__dirname, '../../dist/index.js');

export interface ChildResult {
  code: number | null;
  signal: string | null;
  /** stdout and stderr, interleaved as they arrived */
  out: string;
}

/**
 * Runs `node [nodeArgs] -e script` with `CURLWS_DIST` and `env` in its environment. A crash is a
 * failed exit here, not a dead test runner. `killAfterMs`: SIGKILL it then (a child that hangs,
 * for example because its event loop is starved, then reports signal 'SIGKILL').
 */
export function runScript(
  script: string,
  options: { env?: Record<string, string>; nodeArgs?: string[]; killAfterMs?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '-e', script], {
      env: { ...process.env, CURLWS_DIST: distEntry, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/** A Node child process running a script against the built package (dist/), for tests that
 * need their own environment (variables read at load time, a private TMPDIR) or must kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export const distIndex = path.resolve(__dirname, '../../dist/index.js');

export interface NodeChild {
  child: ChildProcess;
  /** resolves when the child has printed `line` on stdout (rejects if it exits first) */
  printed(line: string): Promise<void>;
  /** resolves with the exit status and all output once the child has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/**
 * Runs `script` (CommonJS, `-e`) with `env` added to this process's environment; the script
 * finds the package at `process.env.CURLWS_DIST`.
 */
export function startNodeChild(script: string, env: Record<string, string> = {}): NodeChild {
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, ...env, CURLWS_DIST: distIndex },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    child.on('exit', (code, signal) => {
      // let the last output arrive
      setImmediate(() => resolve({ code, signal, out }));
    });
  });
  const printed = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.split('\n').includes(line)) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        }
      };
      waiters.push(check);
      check();
      void exited.then(() => reject(new Error(`the child exited before printing ${JSON.stringify(line)}:\n${out}`)));
    });
  return { child, printed, exited };
}

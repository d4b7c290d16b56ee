/**
 * Node child processes running scripts against the built package (dist/), for tests that need
 * their own environment (variables read at load time, a private TMPDIR), must kill the process,
 * or must survive what the child does (a crash is a failed exit here, not a dead test runner).
 * The script finds the package at `process.env.CURLWS_DIST`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built package (dist/), as a child process loads it: `require(process.env.CURLWS_DIST)`. */
export const distEntry = path.resolve(__dirname, '../../dist/index.js');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they arrived */
  out: string;
}

export interface NodeChild {
  child: ChildProcess;
  /** resolves when the child has printed `line` on stdout (rejects if it exits first) */
  printed(line: string): Promise<void>;
  /** resolves with the exit status and all output once the child has exited */
  exited: Promise<ChildResult>;
}

/** Starts `node [nodeArgs] -e script` (CommonJS) with `env` added to this process's environment. */
export function startNodeChild(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): NodeChild {
  const child = spawn(process.execPath, [...nodeArgs, '-e', script], {
    env: { ...process.env, ...env, CURLWS_DIST: distEntry },
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
  const exited = new Promise<ChildResult>((resolve) => {
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

/**
 * Runs a script to its end. `killAfterMs`: SIGKILL it then (a child that hangs, for example
 * because its event loop is starved, then reports signal 'SIGKILL').
 */
export async function runScript(
  script: string,
  options: { env?: Record<string, string>; nodeArgs?: string[]; killAfterMs?: number } = {},
): Promise<ChildResult> {
  const { child, exited } = startNodeChild(script, options.env, options.nodeArgs);
  const timer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
  const result = await exited;
  clearTimeout(timer);
  return result;
}

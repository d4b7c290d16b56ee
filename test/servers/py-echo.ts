/** Starts test/servers/pyecho.py with Debian's /usr/bin/python3 (not a pyenv python3 on PATH). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PyEcho {
  port: number;
  close(): Promise<void>;
}

/** Why the python echo can't run here, or '' if it can. */
export function pyEchoUnavailableReason(): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import websockets'], { stdio: 'pipe', timeout: 10_000 });
  if (r.error) return `${SYSTEM_PYTHON} not runnable: ${r.error.message}`;
  if (r.status !== 0) return `${SYSTEM_PYTHON} cannot import websockets (apt-get install python3-websockets)`;
  return '';
}

/** @param args - `['--deflate']`: permessage-deflate on, as python3-websockets has it by default */
export async function startPyEcho(args: string[] = []): Promise<PyEcho> {
  const script = path.join(__dirname, 'pyecho.py');
  const child: ChildProcess = spawn(SYSTEM_PYTHON, ['-u', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pyecho.py did not print PORT within 15 s: ${out}`)), 15_000);
    child.once('error', reject);
    child.once('exit', (code, sig) => reject(new Error(`pyecho.py exited early (code ${code}, signal ${sig}): ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^PORT (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  }).catch(async (err) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
  });
  return {
    port,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end(); // pyecho.py exits on stdin EOF
      const term = setTimeout(() => child.kill('SIGTERM'), 2_000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

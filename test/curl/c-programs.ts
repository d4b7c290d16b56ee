/**
 * Builds the C programs of test/curl/fixtures/ against the bundled static libcurl (the same
 * libcurl the addon links), into test/.tmp/, reused while newer than their source and libcurl.
 * They are the C originals the examples' JavaScript twins are compared with.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { root, runEnv } from '../helpers/native-build';

const curlVersion = /^CURL_VERSION=(.+)$/m.exec(readFileSync(path.join(root, 'scripts', 'libcurl.pin'), 'utf8'))?.[1] ?? '';
const curlDir = path.join(process.env.CURLWS_CACHE_DIR || path.join(root, '.cache', 'libcurl'), curlVersion);
const libcurl = path.join(curlDir, 'lib', 'libcurl.a');
// the compiler must not run under the sanitizer runtime `npm run test:asan` preloads
const toolEnv = { ...process.env, LD_PRELOAD: '' };

/** Why the C programs cannot be built here (no C compiler, no bundled libcurl), or undefined. */
export function cProgramsUnavailable(): string | undefined {
  if (!existsSync(libcurl)) return `no bundled libcurl at ${curlDir} (npm run build:curl)`;
  if (spawnSync('cc', ['--version'], { env: toolEnv }).status !== 0) return 'no C compiler (cc)';
  return undefined;
}

/** Compiles test/curl/fixtures/<name>.c; returns the program's path or throws with cc's output. */
export function buildCurlProgram(name: string): string {
  const source = path.join(root, 'test', 'curl', 'fixtures', `${name}.c`);
  const out = path.join(root, 'test', '.tmp', name);
  if (existsSync(out) && statSync(out).mtimeMs > Math.max(statSync(source).mtimeMs, statSync(libcurl).mtimeMs)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const args = ['-O1', '-g', '-Wall', '-Werror', '-o', out, source, `-I${path.join(curlDir, 'include')}`, libcurl];
  const cc = spawnSync('cc', [...args, '-lssl', '-lcrypto', '-lz', '-lpthread'], { env: toolEnv, encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building ${name} failed:\n${cc.stderr}`);
  return out;
}

/** Runs a program to its end; resolves with its exit code and what it wrote to stderr. */
export function runProgram(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = runEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('latin1');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

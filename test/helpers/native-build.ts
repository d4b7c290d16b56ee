/**
 * Builds a standalone C++ test program from native/ sources with the system compiler, for the
 * model and unit tests in test/native/ (send-queue-model, protocol): ASan + UBSan when the
 * toolchain has them, a plain build otherwise. Sources compile in parallel; the program is
 * reused while it is newer than every file under native/ and test/native/ and was built with the
 * same command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';

export const root = path.join(__dirname, '..', '..');
const curlVersion = /^CURL_VERSION=(.+)$/m.exec(readFileSync(path.join(root, 'scripts', 'libcurl.pin'), 'utf8'))?.[1];
const outDir = path.join(root, 'test', '.tmp');

// The toolchain must not run under the sanitizer runtime that `npm run test:asan` preloads into
// this process (the linker's own allocations would show up as leaks in the ASan report).
const toolEnv = { ...process.env, LD_PRELOAD: '' };

/** The environment to run a built program in (the test process may have the ASan runtime preloaded). */
export const runEnv = { ...process.env, LD_PRELOAD: '', ASAN_OPTIONS: 'detect_leaks=1' };

const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];

/** The first working C++ compiler: $CXX, c++, g++, clang++. */
export function compiler(): string | undefined {
  for (const cxx of [process.env.CXX, 'c++', 'g++', 'clang++']) {
    if (cxx && spawnSync(cxx, ['--version'], { env: toolEnv }).status === 0) return cxx;
  }
  return undefined;
}

function newestIn(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function run(cxx: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cxx, args, { env: toolEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stderr }));
    child.on('error', (e) => resolve({ status: -1, stderr: String(e) }));
  });
}

async function compileAll(cxx: string, jobs: string[][]): Promise<string | undefined> {
  const queue = [...jobs];
  let error: string | undefined;
  const worker = async () => {
    for (let job = queue.shift(); job && !error; job = queue.shift()) {
      const r = await run(cxx, job);
      if (r.status !== 0) error = r.stderr || `exit ${r.status}`;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), jobs.length)) }, worker));
  return error;
}

/**
 * Compiles `sources` (paths relative to the repository) into test/.tmp/<name>, with native/ and
 * the bundled libcurl's headers on the include path; `libs` go to the link. Returns the path, or
 * throws with the compiler's output.
 */
export async function buildTestProgram(cxx: string, name: string, sources: string[], libs: string[] = []): Promise<string> {
  const binary = path.join(outDir, name);
  const objDir = path.join(outDir, `${name}.objs`);
  mkdirSync(objDir, { recursive: true });
  const flags = [
    '-std=c++17',
    '-O1',
    '-g',
    `-I${path.join(root, 'native')}`,
    `-I${path.join(root, '.cache', 'libcurl', curlVersion ?? '', 'include')}`,
  ];
  const stampFile = `${binary}.stamp`;
  const newest = Math.max(newestIn(path.join(root, 'native')), newestIn(path.join(root, 'test', 'native')), statSync(__filename).mtimeMs);
  for (const sanitize of [SANITIZE, []]) {
    const stamp = JSON.stringify({ cxx, flags, sanitize, sources, libs });
    if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && statSync(binary).mtimeMs > newest) {
      return binary;
    }
    const objects = sources.map((s) => path.join(objDir, `${s.replace(/[/\\]/g, '_')}.o`));
    const compileError = await compileAll(
      cxx,
      sources.map((s, i) => [...sanitize, ...flags, '-c', path.join(root, s), '-o', objects[i]]),
    );
    if (compileError) {
      if (sanitize.length) continue; // no ASan/UBSan in this toolchain: build it plain
      throw new Error(`building ${name} failed:\n${compileError}`);
    }
    const link = await run(cxx, [...sanitize, ...objects, ...libs, '-o', binary]);
    if (link.status !== 0) {
      if (sanitize.length) continue;
      throw new Error(`linking ${name} failed:\n${link.stderr}`);
    }
    writeFileSync(stampFile, stamp);
    return binary;
  }
  throw new Error(`building ${name} failed`);
}

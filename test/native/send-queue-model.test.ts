/**
 * The send queue's wire rules under every write outcome libcurl can report (whole, partial,
 * CURLE_AGAIN with OpenSSL's retry rule): send-queue-model.cc links native/send_queue.cc and
 * frame_writer.cc against fakes of curl_easy_send and the masking-key source, drives them with
 * random pushes and pumps, and parses what went "on the wire". Built here with the system C++
 * compiler, with ASan/UBSan when the toolchain has them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const curlVersion = /^CURL_VERSION=(.+)$/m.exec(readFileSync(path.join(root, 'scripts', 'libcurl.pin'), 'utf8'))?.[1];
const outDir = path.join(root, 'test', '.tmp');
const binary = path.join(outDir, 'send-queue-model');

// The toolchain must not run under the sanitizer runtime that `npm run test:asan` preloads into
// this process (the linker's own allocations would show up as leaks in the ASan report).
const toolEnv = { ...process.env, LD_PRELOAD: '' };

function compiler(): string | undefined {
  for (const cxx of [process.env.CXX, 'c++', 'g++', 'clang++']) {
    if (cxx && spawnSync(cxx, ['--version'], { env: toolEnv }).status === 0) return cxx;
  }
  return undefined;
}

function build(cxx: string): string | undefined {
  mkdirSync(outDir, { recursive: true });
  const sources = ['test/native/send-queue-model.cc', 'native/send_queue.cc', 'native/frame_writer.cc'].map((f) => path.join(root, f));
  const base = [
    '-std=c++17',
    '-O1',
    '-g',
    `-I${path.join(root, 'native')}`,
    `-I${path.join(root, '.cache', 'libcurl', curlVersion ?? '', 'include')}`,
    ...sources,
    '-o',
    binary,
  ];
  const sanitized = spawnSync(cxx, ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', ...base], {
    encoding: 'utf8',
    env: toolEnv,
  });
  if (sanitized.status === 0) return undefined;
  const plain = spawnSync(cxx, base, { encoding: 'utf8', env: toolEnv });
  return plain.status === 0 ? undefined : plain.stderr;
}

const cxx = compiler();

describe.skipIf(!cxx)('send queue model check (native, fake transport)', () => {
  beforeAll(() => {
    expect(build(cxx!)).toBeUndefined();
  }, 180_000);

  it.each([
    ['plain', 1],
    ['plain', 3],
    ['tls', 1],
  ])('%s transport, seed %i: every frame well formed, control frames between frames, one CLOSE and nothing after it', (mode, seed) => {
    const run = spawnSync(binary, [String(mode), '200', String(seed)], {
      encoding: 'utf8',
      // The test process may run with the ASan runtime preloaded (npm run test:asan).
      env: { ...process.env, LD_PRELOAD: '', ASAN_OPTIONS: 'detect_leaks=1' },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^OK /);
    expect(run.status).toBe(0);
  });
});

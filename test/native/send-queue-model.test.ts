/**
 * The send queue's wire rules under every write outcome libcurl can report (whole, partial,
 * CURLE_AGAIN with OpenSSL's retry rule): send-queue-model.cc links native/protocol/send_queue.cc and
 * frame_writer.cc against fakes of curl_easy_send and the masking-key source, drives them with
 * random pushes and pumps, and parses what went "on the wire". Built here with the system C++
 * compiler, with ASan/UBSan when the toolchain has them.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestProgram, compiler, runEnv } from '../helpers/native-build';

const cxx = compiler();
let binary = '';

describe.skipIf(!cxx)('send queue model check (native, fake transport)', () => {
  beforeAll(async () => {
    binary = await buildTestProgram(cxx!, 'send-queue-model', [
      'test/native/send-queue-model.cc',
      'native/protocol/send_queue.cc',
      'native/protocol/frame_writer.cc',
    ]);
  }, 180_000);

  it.each([
    ['plain', 1],
    ['plain', 3],
    ['tls', 1],
  ])('%s transport, seed %i: every frame well formed, control frames between frames, one CLOSE and nothing after it', (mode, seed) => {
    const run = spawnSync(binary, [String(mode), '200', String(seed)], { encoding: 'utf8', env: runEnv });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^OK /);
    expect(run.status).toBe(0);
  });
});

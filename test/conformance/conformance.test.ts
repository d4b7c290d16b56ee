/**
 * Runs the Autobahn-style conformance suite (run.mjs: fuzzing server + curlws as the client under
 * test) and fails if any case is not graded OK/INFORMATIONAL. The driver is a plain Node script
 * (it uses dist/), so this test only spawns it and surfaces its pass table.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const driver = join(__dirname, 'run.mjs');

describe('Autobahn fuzzingserver conformance (groups 1-7, 9, 10)', () => {
  // Both receive paths: libcurl's decoder, and the engine's own parser (permessage-deflate offered).
  it('curlws passes every case, with and without permessage-deflate offered', () => {
    const extra = process.env.CONFORMANCE_ARGS ? process.env.CONFORMANCE_ARGS.split(' ').filter(Boolean) : [];
    const r = spawnSync(process.execPath, [driver, '--agent', 'curlws,curlws-deflate', '--quiet', ...extra], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 590_000,
    });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    console.log(output);
    expect(r.error).toBeUndefined();
    expect(
      r.status,
      output
        .split('\n')
        .filter((l) => /passed|FAIL|^---/.test(l))
        .join('\n'),
    ).toBe(0);
  });
});

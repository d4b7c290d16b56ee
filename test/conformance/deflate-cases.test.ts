/**
 * The fuzzer's permessage-deflate groups (12.x, 13.x) graded against reference clients, on a
 * sample (every corpus and every accept policy, 1 KiB messages and 128 KiB messages fragmented
 * to 1 KiB, 20 messages per case), so a broken fuzzer cannot pass or fail everything silently:
 *   ws (offers permessage-deflate) and ws offering every parameter: all OK;
 *   ws without the extension: all UNIMPLEMENTED, with the "needs permessage-deflate" line;
 *   clients that break a negotiated promise (cheat-agent.mjs): FAILED where the promise applies.
 * Part of `npm test` (the full groups: `node test/conformance/run.mjs --agent ws --cases '12.*,13.*'`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const driver = join(__dirname, 'run.mjs');
const outdir = mkdtempSync(join(tmpdir(), 'curlws-deflate-cases-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

type Grades = Record<string, Record<string, { behavior: string; behaviorClose: string }>>;

function run(agents: string, cases: string): { output: string; index: Grades } {
  const r = spawnSync(
    process.execPath,
    [driver, '--agent', agents, '--cases', cases, '--deflate-messages', '20', '--quiet', '--outdir', outdir],
    {
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  const output = `${r.stdout}${r.stderr}`;
  expect(r.error, output).toBeUndefined();
  return { output, index: JSON.parse(readFileSync(join(outdir, 'index.json'), 'utf8')) };
}

const grades = (index: Grades, agent: string) => Object.entries(index[agent]).map(([id, r]) => `${id} ${r.behavior}/${r.behaviorClose}`);

describe('Autobahn 12.x/13.x (permessage-deflate) on the in-repo fuzzing server', () => {
  it('ws passes every corpus and accept policy; ws without the extension is UNIMPLEMENTED', () => {
    const sample = '12.*.4,12.*.16,13.*.4,13.*.16';
    const { output, index } = run('ws,ws-deflate-params,ws-nodeflate', sample);
    for (const agent of ['ws', 'ws-deflate-params']) {
      const all = grades(index, agent);
      expect(all).toHaveLength(24);
      expect(all.filter((g) => !g.endsWith(' OK/OK'))).toEqual([]);
    }
    const none = grades(index, 'ws-nodeflate');
    expect(none).toHaveLength(24);
    expect(none.filter((g) => !g.endsWith(' UNIMPLEMENTED/OK'))).toEqual([]);
    expect(output).toContain('needs permessage-deflate: 24 of the 24 12.x/13.x cases UNIMPLEMENTED (ws-nodeflate did not offer');
    expect(output).toMatch(/ws-nodeflate: 24\/24 passed/);
  }, 300_000);

  it('fails clients that break client_no_context_takeover, client_max_window_bits or the RSV1 rule', () => {
    const { index } = run('deflate-cheat-context,deflate-cheat-window,deflate-cheat-rsv1', '12.1.4,13.1.4,13.2.4,13.3.4,13.6.16');
    const failed = (agent: string) =>
      grades(index, agent)
        .filter((g) => !g.endsWith(' OK/OK'))
        .map((g) => g.split(' ')[0]);
    // 13.2 and 13.6 ask for client_no_context_takeover: a client keeping its window is caught.
    expect(failed('deflate-cheat-context')).toEqual(['13.2.4', '13.6.16']);
    // 13.3 asks for client_max_window_bits=8: references past 256 bytes into the previous
    // message cannot be resolved by the fuzzer's 8-bit window.
    expect(failed('deflate-cheat-window')).toEqual(['13.3.4']);
    // RSV1 on a continuation frame: a protocol violation in every case.
    expect(failed('deflate-cheat-rsv1')).toEqual(['12.1.4', '13.1.4', '13.2.4', '13.3.4', '13.6.16']);
  }, 300_000);
});

// The short fuzz run of `npm test`: test/fuzz/run.mjs against its hostile server for a few
// seconds (main thread plus one worker thread that is terminated at random moments), once with
// a fixed seed and once with a random one (printed; replay it with
// `npm run test:fuzz -- --seed=<n>`). Each run is its own process, so a crash is a failed exit
// code, not a dead test runner. The long run is `npm run test:fuzz` (docs/testing.md).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const runner = path.resolve(__dirname, 'run.mjs');
const FIXED_SEED = 20261121;

interface FuzzSummary {
  seed: number;
  connections: number;
  opened: number;
  rejected: number;
  messages: number;
  native: { before: { uvHandles: number; sessions: number }; after: { uvHandles: number; sessions: number } };
  workers: { generations: number; terminated: number };
  failures: number;
}

function runFuzz(args: string[]): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

async function fuzz(seed: number): Promise<FuzzSummary> {
  const r = await runFuzz([`--seed=${seed}`, '--duration=3', '--connections=20']);
  console.log(`fuzz seed ${seed}: ${r.out.trim().split('\n').pop()}`);
  const line = /^FUZZ (PASS|FAIL) (.*)$/m.exec(r.out);
  expect(r.signal, `seed ${seed} crashed:\n${r.out}`).toBeNull();
  expect(line?.[1], `seed ${seed} failed (replay: npm run test:fuzz -- --seed=${seed}):\n${r.out}`).toBe('PASS');
  expect(r.code).toBe(0);
  return JSON.parse(line![2]!) as FuzzSummary;
}

describe('fuzz: hostile server, three client APIs', () => {
  it(`fixed seed ${FIXED_SEED}: no crash, one close per connection, no leaked handles`, { timeout: 90_000 }, async () => {
    const s = await fuzz(FIXED_SEED);
    expect(s.seed).toBe(FIXED_SEED);
    expect(s.failures).toBe(0);
    // The run did something: connections opened, others were refused at the handshake.
    expect(s.opened).toBeGreaterThan(0);
    expect(s.rejected).toBeGreaterThan(0);
    expect(s.native.after).toEqual(s.native.before);
    expect(s.native.after.sessions).toBe(0);
    // A worker running clients was terminated with connections open, and exited.
    expect(s.workers.terminated).toBeGreaterThan(0);
  });

  it('random seed (printed): same invariants', { timeout: 90_000 }, async () => {
    const seed = Math.floor(Math.random() * 2 ** 32);
    console.log(`fuzz random seed: ${seed} (replay: npm run test:fuzz -- --seed=${seed})`);
    const s = await fuzz(seed);
    expect(s.failures).toBe(0);
    expect(s.connections).toBeGreaterThan(0);
    expect(s.native.after).toEqual(s.native.before);
  });
});

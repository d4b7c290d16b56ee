/**
 * Unit tests of native/protocol/ (the pure wire logic of the raw receive path and
 * permessage-deflate): test/native/protocol/*.cc, built here with the system C++ compiler
 * (ASan/UBSan when the toolchain has them) against the system zlib, one process per suite.
 *   frame_parser_*  random valid frame streams in random pieces; every protocol violation;
 *                   non-minimal lengths; a 2^62-byte frame parsed without allocating
 *   deflate_*       round trips against a plain-zlib peer; context takeover; window bits 8-15;
 *                   256 MiB bombs against maxPayload; corrupt/truncated/BFINAL data; OOM;
 *                   memory per stream (printed as MEASURE lines)
 *   raw_receiver_*  curl_ws_recv()'s contract over a fake transport: random compressed and plain
 *                   streams in random pieces; bombs, violations, corrupt data, EOF, idle memory;
 *                   receivers sharing the thread's spare input buffer in random turns
 *   negotiation_*   the offer, and every good and bad server answer (RFC 7692 §7)
 *   frame_assembler_* large messages from reads of every size, intact; memory faulted in ahead
 *                   of the bytes only for what waits on the socket; maxPayload at the byte
 * The randomized suites run with seed 1 and with a random seed (CURLWS_PROTOCOL_SEED=N replays).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestProgram, compiler, runEnv } from '../helpers/native-build';

const cxx = compiler();
let binary = '';
const randomSeed = Number(process.env.CURLWS_PROTOCOL_SEED ?? Math.floor(Math.random() * 2 ** 31));

const sources = [
  ...readdirSync(`${__dirname}/protocol`)
    .filter((f) => f.endsWith('.cc'))
    .map((f) => `test/native/protocol/${f}`),
  'native/protocol/frame_parser.cc',
  'native/protocol/inflater.cc',
  'native/protocol/raw_receiver.cc',
  'native/protocol/deflater.cc',
  'native/protocol/zlib_heap.cc',
  'native/protocol/deflate_negotiation.cc',
  'native/protocol/frame_assembler.cc',
  'native/protocol/utf8_validator.cc',
  'native/memory/message_block.cc',
];

// [suite, iterations]: sized for a few seconds each under ASan on two shared cores.
const suites: [string, number][] = [
  ['frame_parser_streams', 150],
  ['frame_parser_violations', 1],
  ['frame_parser_lengths', 1],
  ['deflate_round_trip', 60],
  ['deflate_context_takeover', 1],
  ['deflate_window_bits', 1],
  ['deflate_corrupt', 50],
  ['deflate_slices', 1],
  ['deflate_bomb', 1],
  ['deflate_oom', 1],
  ['deflate_memory', 1],
  ['raw_receiver_streams', 60],
  ['raw_receiver_interleaved', 20],
  ['raw_receiver_failures', 1],
  ['negotiation_offer', 1],
  ['negotiation_answers', 1],
  ['frame_assembler_growth', 40],
  ['frame_assembler_max_payload', 1],
];

function run(suite: string, seed: number, iterations: number) {
  const r = spawnSync(binary, [suite, String(seed), String(iterations)], { encoding: 'utf8', env: runEnv, timeout: 120_000 });
  for (const line of (r.stdout ?? '').split('\n')) if (line.startsWith('MEASURE')) console.log(line);
  expect(r.stderr, r.stdout).toBe('');
  expect(r.stdout.split('\n').find((l) => /^(OK|FAIL)/.test(l))).toMatch(new RegExp(`^OK ${suite} `));
  expect(r.status).toBe(0);
}

describe.skipIf(!cxx)('native/protocol: raw frame parser, permessage-deflate, negotiation', () => {
  beforeAll(async () => {
    binary = await buildTestProgram(cxx!, 'protocol-tests', sources, ['-lz']);
  }, 300_000);

  it.each(suites)('%s (seed 1)', (suite, iterations) => run(suite, 1, iterations));
  it.each(suites.filter(([, n]) => n > 1))(`%s (random seed ${randomSeed})`, (suite, iterations) => run(suite, randomSeed, iterations));
});

#!/usr/bin/env node
// `npm run test:fuzz`: many connections against a hostile server (hostile-server.mjs), for a
// bounded time. Passes when the process survived, every connection ended with exactly one close
// event (or a rejected connect()), no uv handle or session of the addon is left behind, no
// Node handle beyond the start, and memory stayed bounded.
//
//   node test/fuzz/run.mjs [--seed=N] [--duration=S] [--connections=N] [--only=I[,I…]] [--max=N]
//     --seed         run seed (default: random; always printed, also on failure)
//     --duration     seconds to keep starting connections (default 30)
//     --connections  connections in flight at once (default 50)
//     --only         replay just these connection indexes of the seed (one at a time)
//     --max          stop after this many connections even if time is left
//     --rss-limit    MB the RSS may grow over the run, 0 = unchecked (default 256, or
//                    $CURLWS_FUZZ_RSS_LIMIT_MB)
//     --workers      worker threads that also run clients and are terminated at random
//                    moments, connections open (default 1; 0 = none; never with --only)
//     --verbose      print every connection's record
// The last line is "FUZZ PASS {json}" or "FUZZ FAIL {json}"; the exit code is 0 or 1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Rng, deriveSeed, randomSeed } from './prng.mjs';
import { describePlan, planConnection } from './scenario.mjs';
import { makeCertificate } from './hostile-server.mjs';
import { describeClient, runClient } from './clients.mjs';

// glibc raises its mmap threshold each time a large mmap'd block is freed (up to 32 MiB), after
// which multi-megabyte buffers come from the heap and stay mapped once freed: a scenario that
// queues hundreds of 1 MB sends left ~400 MB of RSS behind with nothing leaked (the same
// scenario run four times in one process ends at the same RSS). A fixed threshold makes the RSS
// check below measure leaks, not allocator retention, so the run re-executes itself with one.
const FIXED_MMAP_THRESHOLD = String(128 * 1024);
if (process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: FIXED_MMAP_THRESHOLD },
  });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = path.join(here, '../../dist');
const lib = require(path.join(dist, 'index.js'));
const { binding } = require(path.join(dist, 'core', 'native.js'));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/**
 * RSS may grow by this much over the run (after GC) before the run fails. `--rss-limit=0` or
 * CURLWS_FUZZ_RSS_LIMIT_MB=0 turns the check off (scripts/asan.sh: ASan's quarantine holds freed
 * memory, so RSS means nothing there).
 */
const RSS_GROWTH_LIMIT_MB = Number(process.env.CURLWS_FUZZ_RSS_LIMIT_MB ?? 256);

function parseArgs(argv) {
  const out = {
    seed: undefined,
    duration: 30,
    connections: 50,
    only: undefined,
    max: Infinity,
    verbose: false,
    rssLimit: RSS_GROWTH_LIMIT_MB,
    workers: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    let [k, v] = argv[i].split('=', 2);
    if (k === '--verbose') {
      out.verbose = true;
      continue;
    }
    if (v === undefined) v = argv[++i];
    if (k === '--seed') out.seed = Number(v) >>> 0;
    else if (k === '--duration') out.duration = Number(v);
    else if (k === '--connections') out.connections = Math.max(1, Number(v) | 0);
    else if (k === '--only') out.only = String(v).split(',').map(Number);
    else if (k === '--max') out.max = Number(v);
    else if (k === '--rss-limit') out.rssLimit = Number(v);
    else if (k === '--workers') out.workers = Math.max(0, Number(v) | 0);
    else throw new Error(`unknown argument ${k} (see the header of test/fuzz/run.mjs)`);
  }
  if (!Number.isFinite(out.duration) || out.duration <= 0) throw new Error('--duration must be a positive number of seconds');
  return out;
}

function resourceCounts() {
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function startServer(seed, tlsDir) {
  // CURLWS_TEST_SERVER_NODE: the Node that runs the server (scripts/cross/: the client under test
  // runs in an emulated arm64 Node, the server natively)
  const serverNode = process.env.CURLWS_TEST_SERVER_NODE || process.execPath;
  const args = [path.join(here, 'hostile-server.mjs'), '--seed', String(seed), ...(tlsDir ? ['--tls', tlsDir] : [])];
  const child = spawn(serverNode, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening (\d+) (\d+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      resolve({
        port: Number(m[1]),
        tlsPort: Number(m[2]),
        stop: () =>
          new Promise((done) => {
            let tail = '';
            child.stdout.on('data', (d2) => (tail += d2));
            child.once('exit', () => {
              const s = /stats (\{.*\})/.exec(tail);
              done(s ? JSON.parse(s[1]) : null);
            });
            child.stdin.end();
          }),
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`hostile server exited (${code}) before listening`)));
  });
}

const mb = (n) => Math.round((n / 1048576) * 10) / 10;

async function settle() {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const seed = args.seed ?? randomSeed();
  const failures = [];
  const fail = (msg) => failures.push(msg);
  console.log(
    `fuzz: seed=${seed} duration=${args.duration}s connections=${args.connections}` +
      (args.only ? ` only=${args.only.join(',')}` : '') +
      ` (replay: npm run test:fuzz -- --seed=${seed})`,
  );

  process.on('uncaughtException', (err) => fail(`uncaught exception: ${err?.stack ?? err}`));
  process.on('unhandledRejection', (err) => fail(`unhandled rejection: ${err?.stack ?? err}`));

  // wss: too, with a throwaway self-signed certificate, when the openssl CLI is there.
  const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'curlws-fuzz-'));
  const haveTls = makeCertificate(tlsDir);
  if (!haveTls) console.log('fuzz: no openssl CLI, so no wss: connections this run');
  const server = await startServer(seed, haveTls ? tlsDir : undefined);
  const target = { ws: `ws://127.0.0.1:${server.port}/f/` };
  if (haveTls) {
    target.wss = `wss://127.0.0.1:${server.tlsPort}/f/`;
    target.ca = readFileSync(path.join(tlsDir, 'cert.pem'), 'utf8');
  }

  await settle();
  const before = { resources: resourceCounts(), native: binding.diagnostics(), mem: process.memoryUsage() };
  let peakRss = before.mem.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

  const records = [];
  const totals = {
    started: 0,
    opened: 0,
    rejected: 0,
    forced: 0,
    messages: 0,
    errors: 0,
    byApi: {},
    codes: {},
    rejectCodes: {},
    secure: 0,
  };
  const deadline = Date.now() + args.duration * 1000;
  const queue = args.only ? [...args.only] : null;
  let next = 0;
  let maxLiveSessions = 0;
  const worker = async () => {
    for (;;) {
      let index;
      if (queue) {
        if (!queue.length) return;
        index = queue.shift();
      } else {
        if (Date.now() >= deadline || next >= args.max) return;
        index = next++;
      }
      totals.started++;
      const rec = await runClient(lib, target, seed, index);
      maxLiveSessions = Math.max(maxLiveSessions, binding.diagnostics().sessions);
      records.push(rec);
      if (args.verbose) console.log(JSON.stringify(rec));
    }
  };
  // Worker threads: each generation runs clients with indexes of its own (so the server's plans
  // stay reproducible) and is terminated after a random time with connections open. A worker
  // must then exit (the addon's environment teardown) without taking the process down.
  const WORKER_INDEX_BASE = 10_000_000;
  const WORKER_EXIT_LIMIT_MS = 10_000;
  const workerStats = { generations: 0, terminated: 0, records: 0 };
  const workerLane = async (lane) => {
    for (let gen = 0; Date.now() < deadline; gen++) {
      const r = new Rng(deriveSeed(seed, lane, gen, 4));
      const first = WORKER_INDEX_BASE + lane * 1_000_000 + gen * 1000;
      const w = new Worker(new URL('./worker.mjs', import.meta.url), {
        workerData: { dist: path.join(dist, 'index.js'), seed, target, first, count: 1000, parallel: r.int(1, 8) },
      });
      workerStats.generations++;
      w.on('message', (m) => {
        if (m === 'done') return;
        workerStats.records++;
        records.push(m);
      });
      w.on('error', (err) => fail(`worker ${lane}/${gen} threw: ${err?.stack ?? err}`));
      const exited = new Promise((resolve) => w.once('exit', resolve));
      let timer;
      const after = (ms, value) => new Promise((r2) => (timer = setTimeout(() => r2(value), ms)));
      await Promise.race([exited, after(r.int(100, 3000))]);
      clearTimeout(timer);
      const t = Date.now();
      void w.terminate(); // not awaited: a worker that cannot end must not hang the run
      workerStats.terminated++;
      const code = await Promise.race([exited, after(WORKER_EXIT_LIMIT_MS, 'timeout')]);
      clearTimeout(timer);
      if (code === 'timeout') fail(`worker ${lane}/${gen} did not exit within ${WORKER_EXIT_LIMIT_MS} ms of terminate()`);
      else if (Date.now() - t > WORKER_EXIT_LIMIT_MS) fail(`worker ${lane}/${gen} took ${Date.now() - t} ms to exit`);
    }
  };
  // Full GCs during the run: finalizers of dropped connections run between live sessions' work.
  const gcTicker = setInterval(() => gc(), 300);
  const progress = setInterval(() => {
    const d = binding.diagnostics();
    console.log(
      `fuzz: ${totals.started} started, ${records.length} ended, live sessions ${d.sessions}, uv handles ${d.uvHandles}, rss ${mb(process.memoryUsage().rss)} MB`,
    );
  }, 5000);
  await Promise.all([
    ...Array.from({ length: queue ? 1 : args.connections }, worker),
    ...Array.from({ length: queue ? 0 : args.workers }, (_, lane) => workerLane(lane)),
  ]);
  clearInterval(progress);
  clearInterval(gcTicker);

  for (const rec of records) {
    totals.byApi[rec.api] = (totals.byApi[rec.api] ?? 0) + 1;
    if (rec.opened) totals.opened++;
    if (rec.secure) totals.secure++;
    if (rec.rejected) {
      totals.rejected++;
      totals.rejectCodes[rec.rejectCode] = (totals.rejectCodes[rec.rejectCode] ?? 0) + 1;
    }
    if (rec.forced) totals.forced++;
    totals.messages += rec.messages;
    totals.errors += rec.errors;
    if (rec.code !== null) totals.codes[rec.code] = (totals.codes[rec.code] ?? 0) + 1;
    const problems = [...rec.problems];
    if (rec.rejected && rec.closes !== 0) problems.push('close event after a rejected connect()');
    if (!rec.rejected && rec.closes !== 1 && !rec.hung) problems.push(`${rec.closes} close events`);
    if (problems.length) {
      fail(
        `connection #${rec.index} (${rec.api}): ${problems.join('; ')}\n  server: ${describePlan(planConnection(seed, rec.index))}\n  client: ${describeClient(seed, rec.index)}`,
      );
    }
  }

  // Everything has ended: the addon must be back to its idle baseline.
  await settle();
  clearInterval(sampler);
  const after = { resources: resourceCounts(), native: binding.diagnostics(), mem: process.memoryUsage() };
  if (after.native.sessions !== 0) fail(`${after.native.sessions} sessions still registered after every connection ended`);
  if (after.native.uvHandles !== before.native.uvHandles)
    fail(`addon uv handles: ${after.native.uvHandles} after, ${before.native.uvHandles} before`);
  const keys = new Set([...Object.keys(before.resources), ...Object.keys(after.resources)]);
  for (const k of keys) {
    if ((after.resources[k] ?? 0) > (before.resources[k] ?? 0))
      fail(`active resource ${k}: ${after.resources[k]} after, ${before.resources[k] ?? 0} before`);
  }
  const growth = mb(after.mem.rss - before.mem.rss);
  if (args.rssLimit > 0 && growth > args.rssLimit) fail(`RSS grew by ${growth} MB (limit ${args.rssLimit} MB)`);

  const serverStats = await server.stop();
  rmSync(tlsDir, { recursive: true, force: true });
  const summary = {
    seed,
    connections: records.length,
    ...totals,
    maxLiveSessions,
    workers: workerStats,
    server: serverStats,
    native: { before: before.native, after: after.native },
    rssMB: { before: mb(before.mem.rss), after: mb(after.mem.rss), peak: mb(peakRss) },
    heapUsedMB: { before: mb(before.mem.heapUsed), after: mb(after.mem.heapUsed) },
    failures: failures.length,
  };
  if (failures.length) {
    for (const f of failures.slice(0, 20)) console.log(`FAIL ${f}`);
    if (failures.length > 20) console.log(`… and ${failures.length - 20} more`);
    console.log(`fuzz: FAILED with seed=${seed}; replay: npm run test:fuzz -- --seed=${seed} (or --only=<index>)`);
  }
  console.log(`FUZZ ${failures.length ? 'FAIL' : 'PASS'} ${JSON.stringify(summary)}`);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((err) => {
  console.log(`FUZZ FAIL ${JSON.stringify({ error: String(err?.stack ?? err) })}`);
  process.exitCode = 1;
});

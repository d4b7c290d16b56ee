#!/usr/bin/env node
/**
 * Conformance driver: starts the fuzzing server (fuzzingserver.mjs, in a child process so server
 * and client get their own event loop and core), runs every case with each agent as the client
 * under test (ws's autobahn.js logic: getCaseCount → runCase 1..N → updateReports), then reads
 * index.json and prints a pass table and a summary. Exits 1 if any case failed.
 *
 *   node test/conformance/run.mjs [--agent curlws|ws|ws-nolimit|curlws,ws] [--cases '1.*,6.4.*']
 *        [--exclude '9.*'] [--deflate-messages N] [--outdir DIR] [--allow-non-strict]
 *        [--failures-only] [--quiet]
 *
 * Without --cases: groups 1-7, 9, 10 (301 cases). The permessage-deflate groups run when named:
 * `--cases '12.*,13.*'` (216 cases), `--cases '*'` (all 517). --deflate-messages N: messages per
 * 12.x/13.x case (default 1000, Autobahn's). An agent that does not offer permessage-deflate gets
 * those cases graded UNIMPLEMENTED (a pass, as in Autobahn), and the summary says so.
 *
 * Passing: behavior OK, INFORMATIONAL or UNIMPLEMENTED (NON-STRICT too with --allow-non-strict),
 * and behaviorClose OK or INFORMATIONAL. Everything else (FAILED, WRONG CODE, UNCLEAN, and by
 * default NON-STRICT) fails the run, and its wire log (what the client did, frame by frame) is
 * printed. Reports go to test/conformance/reports/ unless --outdir says otherwise.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENTS } from './agents.mjs';
import { selectCases } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const out = { agent: 'curlws', outdir: join(here, 'reports'), allowNonStrict: false, failuresOnly: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.startsWith('--') && a.includes('=') ? a.slice(2).split(/=(.*)/s) : [a.slice(2), undefined];
    if (k === 'allow-non-strict') out.allowNonStrict = true;
    else if (k === 'failures-only') out.failuresOnly = true;
    else if (k === 'quiet') out.quiet = true;
    else if (['agent', 'cases', 'exclude', 'outdir', 'deflate-messages'].includes(k)) out[k] = inline ?? argv[++i];
    else if (k === 'help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  return out;
}

function startServer(opts) {
  const args = ['--port', '0', '--outdir', resolve(opts.outdir)];
  if (opts.cases) args.push('--cases', opts.cases);
  if (opts.exclude !== undefined) args.push('--exclude', opts.exclude);
  if (opts['deflate-messages'] !== undefined) args.push('--deflate-messages', opts['deflate-messages']);
  // CURLWS_TEST_SERVER_NODE: the Node that runs the server (scripts/cross/: the client under test
  // runs in an emulated arm64 Node, the server natively)
  const execPath = process.env.CURLWS_TEST_SERVER_NODE || process.execPath;
  const child = fork(join(here, 'fuzzingserver.mjs'), args, { execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((res, rej) => {
    child.once('message', (m) =>
      m?.type === 'listening' ? res({ child, port: m.port }) : rej(new Error(`unexpected ${JSON.stringify(m)}`)),
    );
    child.once('exit', (code) => rej(new Error(`fuzzing server exited (${code})`)));
  });
}

const PASS_BEHAVIOR = (allowNonStrict) => new Set(['OK', 'INFORMATIONAL', 'UNIMPLEMENTED', ...(allowNonStrict ? ['NON-STRICT'] : [])]);
const PASS_CLOSE = new Set(['OK', 'INFORMATIONAL', 'UNIMPLEMENTED']);

/** Case ids of the groups whose cases can take long (their watchdog is generous). */
const isSlow = (id) => id.startsWith('9.');
const isDeflate = (id) => id.startsWith('12.') || id.startsWith('13.');
/** How long the driver lets one case run: above the fuzzer's own timeouts (12.x/13.x: up to 480 s). */
const watchdogFor = (id) => (isDeflate(id) ? 600_000 : 30_000);

async function runAgent(agent, base, opts, ids) {
  let count = 0;
  await agent.open(`${base}/getCaseCount`, {
    echo: false,
    onMessage: (d) => {
      count = Number(String(d));
    },
    watchdogMs: 10_000,
  });
  if (!count) throw new Error(`${agent.name}: /getCaseCount returned nothing`);
  const client = {};
  const t0 = performance.now();
  for (let i = 1; i <= count; i++) {
    const url = `${base}/runCase?case=${i}&agent=${encodeURIComponent(agent.name)}`;
    const started = performance.now();
    const r = await agent.open(url, { watchdogMs: watchdogFor(ids[i - 1] ?? '') });
    client[i] = { ...r, ms: Math.round(performance.now() - started) };
    if (!opts.quiet && (i % 25 === 0 || i === count)) process.stderr.write(`  ${agent.name}: ${i}/${count} cases\r`);
  }
  const elapsed = performance.now() - t0;
  if (!opts.quiet) process.stderr.write('\n');
  await agent.open(`${base}/updateReports?agent=${encodeURIComponent(agent.name)}`, { echo: false, watchdogMs: 30_000 });
  return { client, elapsed, count };
}

const pad = (s, n) => String(s ?? '').padEnd(n);
const lpad = (s, n) => String(s ?? '').padStart(n);

function wireLogLines(r) {
  const lines = [];
  for (const e of r.wirelog ?? []) {
    const t = lpad(`${e.t}ms`, 7);
    if (e.dir === 'tx' && e.raw !== undefined) lines.push(`${t}  fuzzer →  raw ${e.raw} octets ${e.octets}`);
    else if (e.dir === 'tx' && e.note) lines.push(`${t}  fuzzer →  ${e.note}`);
    else if (e.dir) {
      const who = e.dir === 'tx' ? 'fuzzer → ' : 'client → ';
      const flags = `fin=${e.fin ? 1 : 0}${e.rsv ? ` rsv=${e.rsv}` : ''}${e.dir === 'rx' && !e.masked ? ' UNMASKED' : ''}`;
      const mode = e.chopsize ? ` (chops of ${e.chopsize})` : e.sync ? ' (sync)' : '';
      lines.push(`${t}  ${who} ${pad(e.opcode, 6)} ${flags} len=${e.len}${e.payload ? ` ${e.payload}` : ''}${mode}`);
    } else if (e.timer) lines.push(`${t}  [timer] ${e.timer}`);
    else if (e.event) lines.push(`${t}  [event] ${e.event}`);
  }
  if (r.wirelogDropped) lines.push(`         … ${r.wirelogDropped} more wire log entries not recorded`);
  return lines;
}

function report(agentName, index, outdir, runInfo, opts) {
  const results = index[agentName] ?? {};
  const passB = PASS_BEHAVIOR(opts.allowNonStrict);
  const rows = [];
  const failures = [];
  const byGroup = {};
  const tally = {};
  let i = 0;
  for (const [id, r] of Object.entries(results)) {
    i++;
    const ok = passB.has(r.behavior) && PASS_CLOSE.has(r.behaviorClose);
    const c = runInfo.client[i] ?? {};
    rows.push({ id, ...r, ok, c });
    if (!ok) failures.push(id);
    const g = id.split('.')[0];
    byGroup[g] ??= { total: 0, pass: 0 };
    byGroup[g].total++;
    if (ok) byGroup[g].pass++;
    const key = `${r.behavior} / ${r.behaviorClose}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }

  const out = [];
  out.push('');
  out.push(`=== ${agentName} (${runInfo.version}) — ${rows.length} cases in ${(runInfo.elapsed / 1000).toFixed(1)} s ===`);
  if (!opts.quiet) {
    out.push(`${pad('case', 9)} ${pad('behavior', 14)} ${pad('behaviorClose', 14)} ${lpad('code', 5)} ${lpad('ms', 6)}  client saw`);
    for (const r of rows) {
      if (opts.failuresOnly && r.behavior === 'OK' && r.behaviorClose === 'OK') continue;
      const c = r.c;
      const seen =
        c.code !== undefined
          ? `close ${c.code ?? '-'}${c.wasClean ? ' clean' : ''}${c.error ? `; ${c.error}` : ''}${c.sendThrew ? `; ${c.sendThrew}` : ''}`
          : '';
      out.push(
        `${pad(r.id, 9)} ${pad(r.behavior, 14)} ${pad(r.behaviorClose, 14)} ${lpad(r.remoteCloseCode ?? '-', 5)} ${lpad(r.duration, 6)}  ${r.ok ? '' : 'FAIL  '}${seen}`,
      );
    }
    if (opts.failuresOnly) out.push('(cases graded OK/OK are not listed)');
  }
  out.push('');
  out.push(
    'by group: ' +
      Object.entries(byGroup)
        .map(([g, v]) => `${g}: ${v.pass}/${v.total}`)
        .join('  '),
  );
  out.push(
    'grades:   ' +
      Object.entries(tally)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
  );
  const slow = rows.filter((r) => isSlow(r.id));
  if (slow.length) out.push(`group 9 total duration: ${(slow.reduce((s, r) => s + r.duration, 0) / 1000).toFixed(1)} s`);
  const deflate = rows.filter((r) => isDeflate(r.id));
  const unimplemented = deflate.filter((r) => r.behavior === 'UNIMPLEMENTED');
  if (unimplemented.length)
    out.push(
      `needs permessage-deflate: ${unimplemented.length} of the ${deflate.length} 12.x/13.x cases UNIMPLEMENTED (${agentName} did not offer the extension, or no offer fit the case's accept policy)`,
    );
  if (deflate.length > unimplemented.length)
    out.push(
      `groups 12/13 total duration: ${(deflate.reduce((s, r) => s + r.duration, 0) / 1000).toFixed(1)} s (${deflate.length - unimplemented.length} cases with permessage-deflate)`,
    );
  out.push(
    `${agentName}: ${rows.length - failures.length}/${rows.length} passed${failures.length ? `, FAILED: ${failures.join(' ')}` : ''}`,
  );

  for (const id of failures) {
    const r = results[id];
    let detail;
    try {
      detail = JSON.parse(readFileSync(join(outdir, r.reportfile), 'utf8'));
    } catch {
      continue;
    }
    out.push('');
    out.push(`--- ${agentName} ${id}: behavior ${detail.behavior}, behaviorClose ${detail.behaviorClose} ---`);
    out.push(`  case:        ${detail.description.replace(/<br>/g, ' ').replace(/<[^>]+>/g, '')}`);
    out.push(`  expectation: ${detail.expectation}`);
    out.push(`  result:      ${detail.result}`);
    out.push(`  resultClose: ${detail.resultClose}`);
    out.push(`  expected:    ${JSON.stringify(detail.expected)}`);
    out.push(`  received:    ${JSON.stringify(detail.received)}`);
    out.push(`  expectedClose: ${JSON.stringify(detail.expectedClose)}`);
    out.push(
      `  closedByMe=${detail.closedByMe} failedByMe=${detail.failedByMe} droppedByMe=${detail.droppedByMe} wasClean=${detail.wasClean} killTimerFired=${detail.killTimerFired} remoteCloseCode=${detail.remoteCloseCode} remoteCloseReason=${JSON.stringify(detail.remoteCloseReason)}`,
    );
    if (detail.wasNotCleanReason) out.push(`  wasNotCleanReason: ${detail.wasNotCleanReason}`);
    out.push('  wire log:');
    for (const l of wireLogLines(detail)) out.push('    ' + l);
  }
  console.log(out.join('\n'));
  return failures.length;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const agentNames = opts.agent
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of agentNames) {
    if (!AGENTS[n]) {
      console.error(`unknown agent ${n} (known: ${Object.keys(AGENTS).join(', ')})`);
      process.exit(2);
    }
  }
  const split = (v) => (v ? v.split(',').filter(Boolean) : undefined);
  const ids = selectCases(split(opts.cases), split(opts.exclude)).map((c) => c.id);
  const { child, port } = await startServer(opts);
  const base = `ws://127.0.0.1:${port}`;
  let failed = 0;
  try {
    const runs = {};
    for (const n of agentNames) {
      const agent = await AGENTS[n]();
      if (!opts.quiet) console.error(`running ${agent.version} against ${base}`);
      runs[n] = { ...(await runAgent(agent, base, opts, ids)), version: agent.version };
    }
    const index = JSON.parse(readFileSync(join(resolve(opts.outdir), 'index.json'), 'utf8'));
    for (const n of agentNames) failed += report(n, index, resolve(opts.outdir), runs[n], opts);
    console.log(`\nreports: ${join(resolve(opts.outdir), 'index.json')} (and index.html, <agent>_case_<id>.json with wire logs)`);
  } finally {
    child.kill('SIGTERM');
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});

/**
 * The harness: prepares the peers and the clients, runs every (workload × round × client) in a
 * fresh client process against a server in another process, alternating the client order per
 * round, and reports medians, spreads, ratios to `ws`, the issue's targets and the C ceiling.
 *
 *   node scripts/bench/run.mjs [--quick] [--only=suite|id|prefix,…] [--rounds=N]
 *                              [--clients=curlws,ws,…] [--profile] [--no-write] [--out=DIR]
 *                              [--variant=NAME:VAR=VALUE[;VAR=VALUE…]]…
 *
 * --variant adds a client NAME: curlws's connect() run with those environment variables, side by
 * side with the others, e.g. another build of the addon (`--variant=new:CURLWS_ADDON_PATH=/tmp/
 * curlws.node`, lib/core/native.ts) or a switch an experimental build reads.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPin } from '../../libcurl-pin.mjs';
import { selfSignedCert } from '../../self-signed-cert.mjs';
import { renderChart } from './chart.mjs';
import { derive, LOWER_IS_BETTER, METRICS, SUITES, TARGETS, WORKLOADS } from './workloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH = path.resolve(here, '..');
const REPO = path.resolve(BENCH, '../..');
const DEPS = path.join(BENCH, '.deps');
const BUILD = path.join(BENCH, '.build');
const RESULTS = path.join(BENCH, 'results'); // scratch output, ignored by git
const DOCS = path.join(REPO, 'docs'); // --publish: the report and chart the README links
const CURL_VERSION = readPin().CURL_VERSION; // scripts/libcurl.pin
const CURL_DIR = path.join(REPO, '.cache/libcurl', CURL_VERSION);
const C_BIN = path.join(BUILD, 'bench_client');

/** Versions installed into the scratch node_modules (never into the repo's package.json). The
 * current undici major, 8, needs Node >= 22.19 (it throws while loading on Node 20): on an older
 * Node the harness benchmarks undici 7, and the report says which. */
const [NODE_MAJOR, NODE_MINOR] = process.versions.node.split('.').map(Number);
const UNDICI_MAJOR = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 19) ? 8 : 7;
const DEP_SPECS = ['ws@8.23.0', 'bufferutil@4', `undici@${UNDICI_MAJOR}`];

export const ALL_CLIENTS = ['curlws', 'curlws-ws', 'ws', 'undici', 'c'];
const CLIENT_LABEL = {
  curlws: 'curlws connect()',
  'curlws-ws': 'curlws WebSocket',
  'curlws-compat': 'curlws/ws',
  ws: 'ws',
  undici: 'undici WebSocket',
  c: 'C over libcurl',
};

function parseArgs(argv, defaults) {
  const o = {
    quick: false,
    only: defaults.only ?? null,
    rounds: null,
    clients: null,
    profile: false,
    write: true,
    publish: false,
    out: RESULTS,
    variants: {},
  };
  for (const a of argv) {
    if (a === '--quick') o.quick = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--publish') o.publish = true;
    else if (a.startsWith('--out=')) o.out = path.resolve(a.slice(6));
    else if (a.startsWith('--variant=')) {
      const [name, vars = ''] = a.slice(10).split(/:(.*)/s);
      if (!name || ALL_CLIENTS.includes(name)) throw new Error(`--variant needs a new client name: ${a}`);
      o.variants[name] = Object.fromEntries(
        vars
          .split(';')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
    } else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a.startsWith('--rounds=')) o.rounds = Number(a.slice(9));
    else if (a.startsWith('--clients=')) o.clients = a.slice(10).split(',').filter(Boolean);
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  o.rounds ??= o.quick ? 1 : 3;
  if (o.publish && (o.quick || !o.write || o.only)) throw new Error('--publish is for a full run: no --quick, --only or --no-write');
  return o;
}

function selectWorkloads(only) {
  if (!only) return WORKLOADS.filter((w) => !w.onRequest);
  const picked = WORKLOADS.filter((w) =>
    only.some((t) => t === w.suite || t === w.id || w.id.startsWith(t) || (SUITES.includes(t) && w.suite === t)),
  );
  if (!picked.length) throw new Error(`--only=${only.join(',')} matches no workload (ids: ${WORKLOADS.map((w) => w.id).join(' ')})`);
  return picked;
}

// ---- preparation -----------------------------------------------------------------------------

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

export function ensureDeps() {
  const have = (m) => fs.existsSync(path.join(DEPS, 'node_modules', m, 'package.json'));
  const undiciMajor = () =>
    Number(JSON.parse(fs.readFileSync(path.join(DEPS, 'node_modules', 'undici', 'package.json'), 'utf8')).version.split('.')[0]);
  if (!['ws', 'bufferutil', 'undici'].every(have) || undiciMajor() !== UNDICI_MAJOR) {
    log(`installing ${DEP_SPECS.join(' ')} into ${path.relative(REPO, DEPS)}/node_modules (scratch, not the repo's package.json)`);
    fs.mkdirSync(DEPS, { recursive: true });
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', DEPS, ...DEP_SPECS], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const info = {};
  for (const m of ['ws', 'bufferutil', 'undici']) {
    try {
      info[m] = JSON.parse(fs.readFileSync(path.join(DEPS, 'node_modules', m, 'package.json'), 'utf8')).version;
    } catch {
      info[m] = null;
    }
  }
  // bufferutil ships prebuilds: it loads although npm 11 did not run its install script.
  try {
    execFileSync(process.execPath, ['-e', "require('bufferutil').mask"], { cwd: DEPS, stdio: 'ignore' });
    info.bufferutilLoads = true;
  } catch {
    info.bufferutilLoads = false;
  }
  return info;
}

function ensureCClient() {
  const src = path.join(BENCH, 'c/bench_client.c');
  if (!fs.existsSync(path.join(CURL_DIR, 'lib/libcurl.a'))) {
    log(`no static libcurl at ${CURL_DIR}: the C ceiling is skipped (run npm run build:curl)`);
    return false;
  }
  // Rebuilt when its source or the static libcurl (a rebuild with other patches) is newer.
  const lib = path.join(CURL_DIR, 'lib/libcurl.a');
  const fresh = fs.existsSync(C_BIN) && fs.statSync(C_BIN).mtimeMs > Math.max(fs.statSync(src).mtimeMs, fs.statSync(lib).mtimeMs);
  if (!fresh) {
    fs.mkdirSync(BUILD, { recursive: true });
    execFileSync(
      'gcc',
      ['-O2', '-Wall', '-o', C_BIN, src, `-I${CURL_DIR}/include`, `${CURL_DIR}/lib/libcurl.a`, '-lssl', '-lcrypto', '-lz', '-lpthread'],
      { stdio: 'inherit' },
    );
  }
  return true;
}

function buildInfo() {
  const mtime = (f) => {
    try {
      return fs.statSync(path.join(REPO, f)).mtime.toISOString();
    } catch {
      return null;
    }
  };
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'native'], { cwd: REPO, encoding: 'utf8' }).trim().length > 0;
  } catch {}
  return { commit, dirtyLibOrNative: dirty, addon: mtime('build/Release/curlws.node'), dist: mtime('dist/index.js') };
}

function makeCert(dir) {
  const pem = selfSignedCert(dir, 1);
  if (!pem) throw new Error('the wss rows need the openssl CLI to make a certificate');
  return pem;
}

/**
 * Runs `cmd args` with its open-file limit raised to the hard limit (a POSIX shell's ulimit: Node
 * cannot change its own): the 10,000-connection workload needs that many sockets in the client
 * and in the peer, more than the usual soft limit of 1024.
 */
function withFdLimit(cmd, args) {
  return ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', cmd, ...args]];
}

function startServer(cert) {
  const [cmd, args] = withFdLimit(process.execPath, [
    path.join(BENCH, 'server.mjs'),
    `--cert=${cert.cert}`,
    `--key=${cert.key}`,
    '--exit-on-stdin-end',
  ]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, ...JSON.parse(out.slice(0, nl)) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

// ---- running one client ------------------------------------------------------------------------

function runClient(client, w, count, server, certFile, opts) {
  const base = w.tls ? `wss://127.0.0.1:${server.tlsPort}` : `ws://127.0.0.1:${server.port}`;
  let cmd;
  let args;
  const env = opts.variants[client] ? { ...process.env, ...opts.variants[client] } : process.env;
  const variant = opts.variants[client] !== undefined;
  const idle = w.idle ? w.idle[opts.quick ? 1 : 0] : 0;
  if (client === 'c') {
    cmd = C_BIN;
    args = [w.kind, base, String(count), String(w.size), w.tls ? certFile : '', String(server.child.pid), String(idle)];
  } else {
    const spec = {
      client: variant ? 'curlws' : client,
      kind: w.kind,
      url: base,
      n: count,
      size: w.size,
      peerPid: server.child.pid,
      ...(idle ? { idle } : {}),
      ...(w.text ? { text: true } : {}),
      ...(w.tls ? { caFile: certFile } : {}),
    };
    const flags = ['--expose-gc'];
    if (opts.profile && client.startsWith('curlws')) {
      flags.push(
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(opts.out, 'profiles')}`,
        `--cpu-prof-name=${w.id}-${client}-${Date.now()}.cpuprofile`,
      );
    }
    cmd = process.execPath;
    args = [...flags, path.join(BENCH, 'client.mjs'), JSON.stringify(spec)];
  }
  if (w.kind === 'many' || idle > 0) [cmd, args] = withFdLimit(cmd, args);
  // Generous: a stall shows up as a timeout, not as a hung harness.
  const timeoutMs = opts.quick ? 90_000 : 300_000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        r = { ok: false, error: `no result (exit ${code ?? signal}): ${err.trim().slice(-400)}` };
      }
      if (signal === 'SIGKILL') r = { ok: false, error: `timeout after ${timeoutMs / 1000}s (stall?)` };
      resolve(r);
    });
  });
}

// ---- statistics and report --------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(runs) {
  const ok = runs.filter((r) => r.ok);
  if (!ok.length) return { ok: false, error: runs.find((r) => r.error)?.error ?? 'no runs', skipped: runs.every((r) => r.skipped) };
  const out = { ok: true, rounds: ok.length, failed: runs.length - ok.length, median: {}, min: {}, max: {} };
  for (const k of Object.keys(ok[0].derived)) {
    const xs = ok.map((r) => r.derived[k]);
    out.median[k] = median(xs);
    out.min[k] = Math.min(...xs);
    out.max[k] = Math.max(...xs);
  }
  return out;
}

function fmt(x, unitHint) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (unitHint === 'ratio') return `${x.toFixed(2)}×`;
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (a >= 100) return x.toFixed(0);
  return x.toFixed(a >= 10 ? 1 : 2);
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, j) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
      return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** ratio of a to b for metric m, expressed so that > 1 means "a is better". */
export function advantage(m, a, b) {
  if (!a || !b) return undefined;
  return LOWER_IS_BETTER.has(m) ? b / a : a / b;
}

/** ± half the min–max range of metric m over the rounds, relative to the median. */
function spreadOf(s, m) {
  const v = s.median[m];
  if (s.rounds < 2 || v === undefined) return '—';
  return v ? `±${(((s.max[m] - s.min[m]) / 2 / Math.abs(v)) * 100).toFixed(0)}%` : '';
}

/** A column with the median of metric m; `vsWs` adds its ratio to ws as a second column. */
function columns(m, title, { vsWs = false, spread = false } = {}) {
  const cols = [{ title, cell: (s) => fmt(s.median[m]) }];
  if (spread) cols.push({ title: 'spread', cell: (s) => spreadOf(s, m) });
  if (vsWs) cols.push({ title: `${title.split(' ')[0]} ÷ ws`, cell: (s, ws) => fmt(ws ? s.median[m] / ws[m] : undefined, 'ratio') });
  return cols;
}

/** Figures shown after the primary one, per kind. */
const EXTRA_COLUMNS = {
  recv: [
    ...columns('MBps', 'MB/s'),
    ...columns('msgsPerCpuSec', 'msg/CPU-s'),
    { title: 'CPU/ws', cell: (s, ws) => fmt(ws ? s.median.msgsPerCpuSec / ws.msgsPerCpuSec : undefined, 'ratio') },
  ],
  echo: [
    ...columns('p99', 'p99 µs', { vsWs: true, spread: true }),
    // The issue's goal: within ~10 µs of the C loop over the same libcurl.
    {
      title: 'p50 − C µs',
      cell: (s, _ws, res) => {
        const c = res.clients.c;
        return c?.ok ? fmt(s.median.p50 - c.median.p50) : '—';
      },
    },
    ...columns('cpuMs', 'CPU ms'),
  ],
  hs: columns('cpuMs', 'CPU ms'),
  rss: [
    ...columns('marginalKiB', 'marginal KiB', { vsWs: true }),
    ...columns('heapKiB', 'JS heap KiB'),
    ...columns('externalKiB', 'external KiB'),
  ],
  many: [
    ...columns('rssPerConnKiB', 'RSS KiB/conn', { vsWs: true }),
    ...columns('closeMs', 'close all ms', { vsWs: true }),
    ...columns('cpuMs', 'open CPU ms'),
    {
      title: 'peer busy',
      cell: (s) => (s.median.peerCpuMs === undefined ? '—' : `${((s.median.peerCpuMs / (s.median.openMs ?? NaN)) * 100).toFixed(0)}%`),
    },
  ],
};
EXTRA_COLUMNS.send = EXTRA_COLUMNS.recv;

function report(results, clients) {
  const lines = [];
  for (const res of results) {
    const w = res.workload;
    const { primary, unit } = METRICS[w.kind];
    const ws = res.clients.ws?.ok ? res.clients.ws.median : undefined;
    const head = ['client', `${primary} (${unit})`, 'spread', '÷ ws'];
    const extra = EXTRA_COLUMNS[w.kind]?.map((c) => c.title) ?? [];
    const rows = [[...head, ...extra]];
    for (const c of clients) {
      const s = res.clients[c];
      if (!s) continue;
      if (!s.ok) {
        rows.push([
          CLIENT_LABEL[c],
          s.skipped ? 'not implemented (slot)' : `FAILED: ${String(s.error).split('\n')[0].slice(0, 60)}`,
          '',
          '',
          ...extra.map(() => ''),
        ]);
        continue;
      }
      const v = s.median[primary];
      const ratio = ws ? v / ws[primary] : undefined;
      const row = [CLIENT_LABEL[c], fmt(v), spreadOf(s, primary), fmt(ratio, 'ratio')];
      for (const col of EXTRA_COLUMNS[w.kind] ?? []) row.push(col.cell(s, ws, res));
      rows.push(row);
    }
    lines.push(`\n## ${w.label}  [${w.id}, n=${res.count}, rounds=${res.rounds}]\n${table(rows)}`);
  }
  // Targets.
  const trows = [['workload', 'target', 'curlws', 'against', 'ratio', 'met', 'of C ceiling']];
  for (const res of results) {
    const w = res.workload;
    const cw = res.clients.curlws;
    const cc = res.clients.c;
    for (const [m, other, bound] of TARGETS[w.kind]) {
      const o = res.clients[other];
      if (!cw?.ok || !o?.ok) {
        trows.push([w.id, `${m} vs ${other}`, cw?.ok ? fmt(cw.median[m]) : 'n/a', o?.ok ? fmt(o.median[m]) : 'n/a', '', '?', '']);
        continue;
      }
      const r = cw.median[m] / o.median[m];
      const lower = LOWER_IS_BETTER.has(m);
      const met = lower ? r <= bound : r >= bound;
      const ofC = cc?.ok ? advantage(m, cw.median[m], cc.median[m]) : undefined;
      trows.push([
        w.id,
        `${m} ${lower ? '≤' : '≥'} ${bound}× ${other}`,
        fmt(cw.median[m]),
        fmt(o.median[m]),
        fmt(r, 'ratio'),
        met ? 'yes' : 'NO',
        ofC === undefined ? '—' : `${(ofC * 100).toFixed(0)}%`,
      ]);
    }
  }
  lines.push(
    `\n## Targets for curlws (medians; "of C ceiling" = curlws as a fraction of the C loop, >100% = faster than C)\n${table(trows)}`,
  );
  return lines.join('\n');
}

// ---- main ---------------------------------------------------------------------------------------

export async function main(argv, defaults = {}) {
  const opts = parseArgs(argv, defaults);
  const workloads = selectWorkloads(opts.only);
  const meta0 = { variants: {} };
  if (!fs.existsSync(path.join(REPO, 'dist/index.js'))) throw new Error('dist/ is missing: run npm run build first');
  const deps = ensureDeps();
  const haveC = ensureCClient();
  for (const [name, vars] of Object.entries(opts.variants)) {
    CLIENT_LABEL[name] = `curlws ${name}`;
    meta0.variants[name] = vars;
  }
  let clients = opts.clients ?? [...ALL_CLIENTS.slice(0, 1), ...Object.keys(opts.variants), ...ALL_CLIENTS.slice(1)];
  if (!haveC) clients = clients.filter((c) => c !== 'c');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'curlws-bench-'));
  const cert = makeCert(tmp);
  const server = await startServer(cert);
  const cleanup = () => {
    server.child.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  const meta = {
    date: new Date().toISOString(),
    quick: opts.quick,
    rounds: opts.rounds,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg(),
    deps,
    curlws: JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version,
    libcurl: `${CURL_VERSION} (bundled static, .cache/libcurl)`,
    // Other developers rebuild the addon on this machine: record which build was measured.
    build: buildInfo(),
    peer: 'scripts/bench/server.mjs (raw net/tls sockets, pre-encoded frames), separate process',
    variants: meta0.variants,
  };
  log(`curlws bench: ${workloads.length} workloads × ${opts.rounds} round(s) × [${clients.join(', ')}]${opts.quick ? ' (quick)' : ''}`);
  log(
    `ws ${deps.ws} (bufferutil ${deps.bufferutilLoads ? deps.bufferutil : 'NOT loaded'}), undici ${deps.undici}, node ${process.version}`,
  );

  // A client whose first run says "not implemented" (the WHATWG slot) is not run again.
  const skipped = new Set();
  const results = [];
  const t0 = Date.now();
  try {
    for (const w of workloads) {
      const count = opts.quick ? w.quick : w.n;
      const runs = Object.fromEntries(clients.map((c) => [c, []]));
      for (let r = 0; r < opts.rounds; r++) {
        // Alternate: each round starts with a different client.
        const order = clients.map((_, i) => clients[(i + r) % clients.length]);
        for (const c of order) {
          if (skipped.has(c)) {
            runs[c].push({ ok: false, skipped: true, error: 'not implemented yet' });
            continue;
          }
          const started = Date.now();
          const res = await runClient(c, w, count, server, cert.cert, opts);
          res.wallMs = Date.now() - started;
          if (res.skipped) skipped.add(c);
          if (res.ok) res.derived = derive(w.kind, res);
          runs[c].push(res);
          const p = METRICS[w.kind].primary;
          log(
            `  ${w.id} r${r + 1} ${c.padEnd(9)} ${res.ok ? `${fmt(res.derived[p])} ${METRICS[w.kind].unit}` : res.skipped ? 'skipped' : `FAILED ${String(res.error).split('\n')[0].slice(0, 120)}`}  (${(res.wallMs / 1000).toFixed(1)}s)`,
          );
        }
      }
      results.push({
        workload: w,
        count,
        rounds: opts.rounds,
        clients: Object.fromEntries(clients.map((c) => [c, summarize(runs[c])])),
        runs,
      });
      // A partial file after every workload: an interrupted full run still leaves its numbers.
      if (opts.write) {
        fs.mkdirSync(opts.out, { recursive: true });
        fs.writeFileSync(path.join(opts.out, `partial${opts.quick ? '-quick' : ''}.json`), JSON.stringify({ meta, results }, null, 1));
      }
    }
  } finally {
    cleanup();
  }
  meta.seconds = Math.round((Date.now() - t0) / 1000);
  const text = report(results, clients);
  const title = `# curlws benchmark — ${meta.date}${opts.quick ? ' (quick)' : ''}, ${opts.rounds} round(s), ${meta.seconds}s`;
  const machine = `node ${meta.node}, ${meta.cpus} CPUs, loadavg ${meta.loadavg.map((x) => x.toFixed(1)).join(' ')}; ws ${deps.ws}${deps.bufferutilLoads ? ' + bufferutil ' + deps.bufferutil : ''}, undici ${deps.undici}`;
  console.log(title);
  console.log(machine);
  console.log(text);
  if (opts.write) {
    const dir = opts.out;
    fs.mkdirSync(dir, { recursive: true });
    const tag = `${meta.date.replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}`;
    const doc = { meta, clients: Object.fromEntries(clients.map((c) => [c, CLIENT_LABEL[c]])), results };
    const file = path.join(dir, `${tag}.json`);
    fs.writeFileSync(file, JSON.stringify(doc, null, 1));
    fs.writeFileSync(path.join(dir, `latest${opts.quick ? '-quick' : ''}.json`), JSON.stringify(doc, null, 1));
    fs.writeFileSync(
      path.join(dir, `report${opts.quick ? '-quick' : ''}.md`),
      `# curlws benchmark — ${meta.date}\n\n\`\`\`\n${text}\n\`\`\`\n`,
    );
    const svg = renderChart(doc);
    fs.writeFileSync(path.join(dir, `chart${opts.quick ? '-quick' : ''}.svg`), svg);
    if (opts.publish) {
      // what the README shows: the tables and the chart of a full run, kept with the docs
      fs.writeFileSync(
        path.join(DOCS, 'benchmark.md'),
        `${title}\n\n${machine}. Written by \`npm run bench -- --publish\`; scripts/bench/README.md says what each row measures.\n\n\`\`\`\n${text}\n\`\`\`\n`,
      );
      fs.writeFileSync(path.join(DOCS, 'benchmark.svg'), svg);
      log('wrote docs/benchmark.md and docs/benchmark.svg');
    }
    log(
      `\nwrote ${path.relative(REPO, file)}, latest${opts.quick ? '-quick' : ''}.json, report${opts.quick ? '-quick' : ''}.md, chart${opts.quick ? '-quick' : ''}.svg in ${path.relative(REPO, dir)}/`,
    );
  }
  return results;
}

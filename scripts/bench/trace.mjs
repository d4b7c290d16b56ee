#!/usr/bin/env node
/**
 * Counts what one message costs, per client, with no timing involved: syscalls (by kind, and the
 * reads that found nothing: EAGAIN), event-loop wakeups (epoll waits), calls from C++ into JS,
 * calls from JS into C++ and microtask checkpoints, from kernel tracepoints and uprobes on the node
 * binary and the addon (`perf stat`). Exact counts, so they hold on a loaded machine where wall time
 * does not.
 *
 *   node scripts/bench/trace.mjs [--kind=echo] [--size=64] [--tls] [--n=10000]
 *                                [--clients=curlws,ws,undici,c] [--per=M] [--idle=K]
 *
 * --idle=K (echo): K idle connections open in the client alongside the echo connection, as the
 * benchmark's `echo-64B-idle3k` row; what grows with them shows as a per-message count that
 * differs from the run without.
 * Each client runs twice, with N/5 and N messages; the table shows (count(N) − count(N/5)) /
 * (0.8 N), so setup, handshake and teardown cancel out. Needs root (uprobes in tracefs) and Linux
 * `perf`; the probes are removed at exit. Kinds: echo (one message in flight), recv, send.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCert } from '../self-signed-cert.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../..');
const ADDON = path.join(REPO, 'build/Release/curlws.node');
const C_BIN = path.join(here, '.build/bench_client');
const TRACEFS = fs.existsSync('/sys/kernel/tracing/uprobe_events') ? '/sys/kernel/tracing' : '/sys/kernel/debug/tracing';
const GROUP = 'curlws_trace';

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const kind = arg('kind', 'echo');
const size = Number(arg('size', 64));
const n = Number(arg('n', 10_000));
const tls = process.argv.includes('--tls');
const clients = arg('clients', 'curlws,ws,undici,c').split(',');
// Counts per this many messages (a stream makes a fraction of a syscall per message).
const perN = Number(arg('per', kind === 'echo' ? 1 : 1000));
const idle = Number(arg('idle', 0));
const LIBSSL = '/lib/x86_64-linux-gnu/libssl.so.3';
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

/** Symbols to probe: [event name, binary, symbol, what it counts]. */
const PROBES = [
  [
    'js_calls',
    process.execPath,
    '_ZN2v88Function4CallENS_5LocalINS_7ContextEEENS1_INS_5ValueEEEiPS5_',
    'C++ → JS calls (v8::Function::Call)',
  ],
  ['make_callback', process.execPath, 'napi_make_callback', 'napi_make_callback (the engine’s dispatcher)'],
  ['microtask_runs', process.execPath, '_ZN2v88internal14MicrotaskQueue13RunMicrotasksEPNS0_7IsolateE', 'microtask queue drains'],
  ['loop_polls', process.execPath, 'uv__io_poll', 'event-loop polls (uv__io_poll)'],
  [
    'stream_write',
    process.execPath,
    '_ZN4node10StreamBase11WriteBufferERKN2v820FunctionCallbackInfoINS1_5ValueEEE',
    'JS → C++ socket writes (StreamBase::WriteBuffer)',
  ],
  [
    'stream_writev',
    process.execPath,
    '_ZN4node10StreamBase6WritevERKN2v820FunctionCallbackInfoINS1_5ValueEEE',
    'JS → C++ socket writes (StreamBase::Writev)',
  ],
  [
    'stream_onread',
    process.execPath,
    '_ZN4node15LibuvStreamWrap8OnUvReadElPK8uv_buf_t',
    'socket reads delivered (LibuvStreamWrap::OnUvRead)',
  ],
  ['session_send', ADDON, '_ZN6curlws7Session4SendERKN4Napi12CallbackInfoE', 'JS → C++ Session.send()'],
  ['session_flush', ADDON, '_ZN6curlws7Session5FlushERKN4Napi12CallbackInfoE', 'JS → C++ Session.flush()'],
  ['session_onpoll', ADDON, '_ZN6curlws7Session6OnPollEP9uv_poll_sii', 'Session::OnPoll (uv poll callbacks)'],
  ['soon_runs', ADDON, '_ZN6curlws6Engine12RunSoonQueueEv', 'Engine::Soon deferred runs'],
  ['curl_ws_recv', ADDON, 'curl_ws_recv', 'curl_ws_recv calls'],
  ['curl_easy_send', ADDON, 'curl_easy_send', 'curl_easy_send calls'],
  ['cpool_scans', ADDON, 'Curl_cpool_get_conn', 'libcurl connection-pool scans (Curl_cpool_get_conn)'],
  ['cpool_find', ADDON, 'Curl_cpool_find', 'libcurl connection-pool walks (Curl_cpool_find)'],
  ['socket_action', ADDON, 'curl_multi_socket_action', 'curl_multi_socket_action calls'],
  ['splay', ADDON, 'Curl_splay', 'libcurl timer-tree splays (Curl_splay)'],
  ['expire', ADDON, 'Curl_expire', 'libcurl timers set (Curl_expire)'],
  ['malloc', LIBC, 'malloc', 'malloc calls (every client, all of its libraries)'],
  ['ssl_write', process.execPath, 'SSL_write', 'SSL_write calls (TLS records written)'],
  ['ssl_read', process.execPath, 'SSL_read', 'SSL_read calls'],
];

const SYSCALLS = [
  'sendto',
  'write',
  'writev',
  'recvfrom',
  'read',
  'epoll_pwait',
  'epoll_wait',
  'getpid',
  'mmap',
  'munmap',
  'mremap',
  'madvise',
  'brk',
];

/** File offset of `sym` in `bin` (uprobes take offsets, not addresses). */
function fileOffset(bin, sym) {
  // A shared library keeps its exported symbols in the dynamic table only (nm -D).
  const find = (flags) =>
    spawnSync('nm', [...flags, bin], { encoding: 'utf8', maxBuffer: 1 << 28 })
      .stdout.split('\n')
      .find((l) => (l.endsWith(` ${sym}`) || l.includes(` ${sym}@@`)) && / [Tt] /.test(l));
  const line = find([]) ?? find(['-D']);
  if (!line) return null;
  const addr = BigInt(`0x${line.split(' ')[0]}`);
  const segs = execFileSync('readelf', ['-lW', bin], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim().startsWith('LOAD'))
    .map((l) => l.trim().split(/\s+/))
    .map((f) => ({ off: BigInt(f[1]), vaddr: BigInt(f[2]), size: BigInt(f[5]) }));
  const seg = segs.find((s) => addr >= s.vaddr && addr < s.vaddr + s.size);
  return seg ? addr - seg.vaddr + seg.off : null;
}

/**
 * The C client links libcurl statically and OpenSSL from the system: its copies of the addon's
 * libcurl probes and of the SSL ones get a `__c` suffix and are counted under the same row.
 */
function probeList() {
  const list = [...PROBES];
  for (const [name, bin, sym, what] of PROBES) {
    if (bin === ADDON) list.push([`${name}__c`, C_BIN, sym, what]);
    if (name.startsWith('ssl_')) list.push([`${name}__c`, LIBSSL, sym, what]);
  }
  return list;
}

function addProbes() {
  removeProbes();
  const added = [];
  for (const [name, bin, sym, what] of probeList()) {
    const off = fs.existsSync(bin) ? fileOffset(bin, sym) : null;
    if (off === null) continue;
    try {
      fs.appendFileSync(`${TRACEFS}/uprobe_events`, `p:${GROUP}/${name} ${bin}:0x${off.toString(16)}\n`);
      added.push({ name, what });
    } catch {}
  }
  return added;
}

function removeProbes() {
  try {
    const lines = fs.readFileSync(`${TRACEFS}/uprobe_events`, 'utf8').split('\n');
    for (const l of lines) {
      const m = l.match(new RegExp(`^[pr]:${GROUP}/(\\S+)`));
      if (m) fs.appendFileSync(`${TRACEFS}/uprobe_events`, `-:${GROUP}/${m[1]}\n`);
    }
  } catch {}
}

function startServer(cert) {
  const args = [path.join(here, 'server.mjs'), '--exit-on-stdin-end'];
  if (cert) args.push(`--cert=${cert.cert}`, `--key=${cert.key}`);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, ...JSON.parse(out.slice(0, out.indexOf('\n'))) });
    });
  });
}

function events(probes) {
  const ev = ['raw_syscalls:sys_enter', 'page-faults'];
  for (const s of SYSCALLS) ev.push(`syscalls:sys_enter_${s}`);
  ev.push('syscalls:sys_exit_recvfrom', '--filter', 'ret == -11', 'syscalls:sys_exit_read', '--filter', 'ret == -11');
  for (const p of probes) ev.push(`${GROUP}:${p.name}`);
  return ev.flatMap((e) => (e.startsWith('--') || e.startsWith('ret') ? [e] : ['-e', e]));
}

function runCounted(client, count, server, probes, caFile) {
  const base = tls ? `wss://127.0.0.1:${server.tlsPort}` : `ws://127.0.0.1:${server.port}`;
  const spec = { client, kind, url: base, n: count, size, warmup: 0, ...(tls ? { caFile } : {}), ...(idle ? { idle } : {}) };
  const cmd =
    client === 'c'
      ? [C_BIN, kind, base, String(count), String(size), tls ? caFile : '', '0', String(idle)]
      : [process.execPath, '--expose-gc', path.join(here, 'client.mjs'), JSON.stringify(spec)];
  // Idle connections need file descriptors: the limit is raised to the hard limit, as run.mjs does.
  const raised = idle ? ['/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', ...cmd] : cmd;
  const out = path.join(os.tmpdir(), `curlws-trace-${process.pid}.csv`);
  const r = spawnSync('perf', ['stat', '-x', ',', '-o', out, ...events(probes), '--', ...raised], { encoding: 'utf8' });
  const result = JSON.parse(r.stdout.trim().split('\n').pop() || '{"ok":false}');
  if (!result.ok) throw new Error(`${client}: ${r.stdout.slice(-300)} ${r.stderr.slice(-300)}`);
  const counts = {};
  for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
    const f = line.split(',');
    if (f.length < 3 || !f[2]) continue;
    const v = Number(f[0]);
    let name = f[2]
      .replace(`${GROUP}:`, '')
      .replace(/__c$/, '')
      .replace('syscalls:sys_enter_', '')
      .replace('raw_syscalls:sys_enter', 'syscalls');
    if (name === 'syscalls:sys_exit_recvfrom') name = 'recvfrom EAGAIN';
    if (name === 'syscalls:sys_exit_read') name = 'read EAGAIN';
    counts[name] = (counts[name] ?? 0) + (Number.isFinite(v) ? v : 0);
  }
  fs.rmSync(out, { force: true });
  return counts;
}

async function main() {
  if (clients.includes('c') && !fs.existsSync(C_BIN))
    throw new Error('run the benchmark once first: it compiles the C client into .build/');
  const probes = addProbes();
  process.on('exit', removeProbes);
  let cert;
  let tmp;
  if (tls) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'curlws-trace-'));
    cert = selfSignedCert(tmp, 1);
    if (!cert) throw new Error('wss needs the openssl CLI to make a certificate');
  }
  const server = await startServer(cert);
  const lo = Math.floor(n / 5);
  const per = {};
  try {
    for (const c of clients) {
      const a = runCounted(c, lo, server, probes, cert?.cert);
      const b = runCounted(c, n, server, probes, cert?.cert);
      per[c] = Object.fromEntries(Object.keys(b).map((k) => [k, ((b[k] - (a[k] ?? 0)) * perN) / (n - lo)]));
    }
  } finally {
    server.child.kill();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  const keys = [...new Set(Object.values(per).flatMap((o) => Object.keys(o)))].filter((k) =>
    Object.values(per).some((o) => Math.abs(o[k] ?? 0) >= 0.005),
  );
  const rows = [
    [perN === 1 ? 'per message' : `per ${perN} messages`, ...clients],
    ...keys.map((k) => [k, ...clients.map((c) => (per[c][k] === undefined ? '—' : per[c][k].toFixed(2)))]),
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `# ${kind} ${size} B over ${tls ? 'wss' : 'ws'}${idle ? ` with ${idle} idle connections` : ''}: counts per ${perN === 1 ? 'message' : `${perN} messages`}, (count(${n}) − count(${lo})) / ${n - lo}`,
  );
  for (const [j, r] of rows.entries()) {
    console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
    if (j === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
  }
  console.log('\nprobes:');
  for (const p of probes.filter((x) => !x.name.endsWith('__c'))) console.log(`  ${p.name.padEnd(15)} ${p.what}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

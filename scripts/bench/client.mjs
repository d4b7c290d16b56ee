#!/usr/bin/env node
/**
 * One benchmark client run in its own process: `node client.mjs '<json spec>'`, printing one JSON
 * line with the result. spec = { client, kind, url, n, size, caFile?, warmup?, inflight?, peerPid? } where
 *   client: curlws | curlws-ws (WHATWG WebSocket class, when it exists) | curlws-compat (curlws/ws)
 *           | ws | undici
 *   text:   recv only: the peer floods text frames instead of binary ones
 *   kind:   recv | send | echo | hs | rss | many
 * The C ceiling is a separate binary (c/bench_client.c) with the same spec and output.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const depsRequire = createRequire(path.join(here, '.deps', 'node_modules', 'x.js'));
const repoRequire = createRequire(path.join(repo, 'package.json'));

/** Bytes queued before a sender waits. */
const HWM = 1 << 20;

const now = () => performance.now();

// ---- client adapters: open(url) → { onMessage(fn), send(buf), sendMany(buf, n), close() } ----

function curlwsAdapter(spec) {
  const { connect } = repoRequire(path.join(repo, 'dist/index.js'));
  const opts = spec.ca ? { tls: { ca: spec.ca } } : {};
  return async (url) => {
    const conn = await connect(url, opts);
    return {
      onMessage(fn) {
        conn.on('message', fn);
      },
      send(buf) {
        return conn.send(buf);
      },
      // Backpressure: await the promise of every K-th send, one block behind.
      async sendMany(buf, n) {
        const k = Math.max(1, Math.floor(HWM / Math.max(buf.length, 1)));
        let prev = null;
        for (let i = 0; i < n; ) {
          const end = Math.min(n, i + k);
          let last;
          for (; i < end; i++) last = conn.send(buf);
          if (prev) await prev;
          prev = last;
        }
        await prev;
      },
      close() {
        return conn.close(1000);
      },
      raw: conn,
    };
  };
}

function curlwsWhatwgAdapter(spec) {
  const mod = repoRequire(path.join(repo, 'dist/index.js'));
  if (typeof mod.WebSocket !== 'function') return null; // slot: not implemented yet
  // curlws's WebSocket takes its options third: new WebSocket(url, protocols, { tls: { ca } }).
  const options = spec.ca ? { tls: { ca: spec.ca } } : undefined;
  return whatwgAdapter((url) => (options ? new mod.WebSocket(url, [], options) : new mod.WebSocket(url)));
}

function wsAdapter(spec) {
  return wsClassAdapter(depsRequire('ws'), spec);
}

/** curlws/ws: the same code as for ws, over curlws's ws-compatible class. */
function curlwsCompatAdapter(spec) {
  return wsClassAdapter(repoRequire(path.join(repo, 'dist/ws.js')), spec);
}

/** A class with ws's API (ws itself, curlws/ws). */
function wsClassAdapter(WebSocket, spec) {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...(spec.ca ? { ca: spec.ca } : {}) });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        resolve({
          onMessage(fn) {
            ws.on('message', fn);
          },
          send(buf) {
            ws.send(buf);
          },
          // Backpressure: the send callback of every K-th message, one block behind.
          async sendMany(buf, n) {
            const k = Math.max(1, Math.floor(HWM / Math.max(buf.length, 1)));
            let prev = null;
            for (let i = 0; i < n; ) {
              const end = Math.min(n, i + k);
              for (; i < end - 1; i++) ws.send(buf);
              const last = new Promise((res, rej) => ws.send(buf, (err) => (err ? rej(err) : res())));
              i++;
              if (prev) await prev;
              prev = last;
            }
            await prev;
          },
          close() {
            return new Promise((res) => {
              ws.once('close', () => res());
              ws.close(1000);
            });
          },
        });
      });
    });
}

function undiciAdapter(spec) {
  const { WebSocket, Agent } = depsRequire('undici');
  const dispatcher = spec.ca ? new Agent({ connect: { ca: spec.ca } }) : undefined;
  return whatwgAdapter((url) => (dispatcher ? new WebSocket(url, { dispatcher }) : new WebSocket(url)));
}

/** Any WHATWG-style WebSocket class: bufferedAmount polling for backpressure. */
function whatwgAdapter(create) {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = create(url);
      ws.binaryType = 'arraybuffer';
      ws.onerror = (e) => reject(e.error ?? new Error('WebSocket error'));
      ws.onopen = () => {
        ws.onerror = null;
        resolve({
          onMessage(fn) {
            ws.onmessage = (ev) => fn(ev.data);
          },
          send(buf) {
            ws.send(buf);
          },
          async sendMany(buf, n) {
            for (let i = 0; i < n; i++) {
              ws.send(buf);
              while (ws.bufferedAmount > HWM) await new Promise((r) => setTimeout(r, 0));
            }
            while (ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 0));
          },
          close() {
            return new Promise((res) => {
              ws.onclose = () => res();
              ws.close(1000);
            });
          },
        });
      };
    });
}

const ADAPTERS = {
  curlws: curlwsAdapter,
  'curlws-ws': curlwsWhatwgAdapter,
  'curlws-compat': curlwsCompatAdapter,
  ws: wsAdapter,
  undici: undiciAdapter,
};

// ---- workloads ----------------------------------------------------------------------------

const byteLen = (d) => (typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength);

async function recv(open, spec) {
  const c = await open(`${spec.url}/flood?n=${spec.n}&size=${spec.size}${spec.text ? '&text=1' : ''}`);
  let count = 0;
  let bytes = 0;
  let t0 = 0;
  let cpu0;
  const done = new Promise((resolve) => {
    c.onMessage((d) => {
      bytes += byteLen(d);
      if (++count === spec.n) resolve();
    });
  });
  cpu0 = process.cpuUsage();
  t0 = now();
  c.send(Buffer.from('go'));
  await done;
  const elapsed = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await c.close();
  if (bytes !== spec.n * spec.size) throw new Error(`received ${bytes} bytes, expected ${spec.n * spec.size}`);
  return { msgs: count, bytes, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function send(open, spec) {
  const c = await open(`${spec.url}/count?n=${spec.n}&size=${spec.size}`);
  const buf = Buffer.alloc(spec.size, 0x62);
  const done = new Promise((resolve) => c.onMessage(() => resolve()));
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await c.sendMany(buf, spec.n);
  await done;
  const elapsed = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await c.close();
  return { msgs: spec.n, bytes: spec.n * spec.size, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function echo(open, spec) {
  // Idle connections first (spec.idle), opened as the rss kind does; they stay open until exit.
  const idle = spec.idle ? await openMany(open, `${spec.url}/idle`, spec.idle, 50) : [];
  const c = await open(`${spec.url}/echo`);
  const buf = Buffer.alloc(spec.size, 0x63);
  let wake = null;
  c.onMessage(() => wake());
  const rt = () =>
    new Promise((resolve) => {
      wake = resolve;
      c.send(buf);
    });
  const warm = spec.warmup ?? 200;
  for (let i = 0; i < warm; i++) await rt();
  const samples = new Float64Array(spec.n);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  for (let i = 0; i < spec.n; i++) {
    const s = process.hrtime.bigint();
    await rt();
    samples[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const elapsed = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await c.close();
  await Promise.all(idle.map((i) => i.close()));
  samples.sort();
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { msgs: spec.n, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, p50: q(0.5), p99: q(0.99) };
}

async function hs(open, spec) {
  const url = `${spec.url}/idle`;
  for (let i = 0; i < (spec.warmup ?? 20); i++) await (await open(url)).close();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  for (let i = 0; i < spec.n; i++) await (await open(url)).close();
  const elapsed = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { msgs: spec.n, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens `n` connections with at most `inflight` handshakes under way at any time. */
async function openMany(open, url, n, inflight) {
  const conns = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      conns[i] = await open(url);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, n) }, worker));
  return conns;
}

/** Loads what is loaded lazily (TLS, DNS, the engine's threads, JIT) before a memory baseline. */
async function warmUp(open, url) {
  const warm = await openMany(open, url, 10, 10);
  await Promise.all(warm.map((c) => c.close()));
  await settle();
}

/**
 * RSS per idle connection: RSS after GC with N connections open minus RSS after GC before,
 * over N. Also the slope between N/3 and N (`marginalKiB`: what one more connection costs, with
 * one-off growth such as a larger young generation cancelled out) and the JS heap and external
 * memory V8 accounts for (the rest of the RSS is native: the engine, libcurl, Node's sockets).
 */
async function rss(open, spec) {
  const url = `${spec.url}/idle`;
  await warmUp(open, url);
  const base = process.memoryUsage();
  const first = Math.floor(spec.n / 3);
  const t0 = now();
  const conns = await openMany(open, url, first, 50);
  await settle();
  const mid = process.memoryUsage();
  conns.push(...(await openMany(open, url, spec.n - first, 50)));
  const elapsed = now() - t0;
  await settle();
  const after = process.memoryUsage();
  await Promise.all(conns.map((c) => c.close()));
  const per = (a, b, n) => (a - b) / 1024 / n;
  return {
    msgs: spec.n,
    elapsedMs: elapsed,
    rssPerConnKiB: per(after.rss, base.rss, spec.n),
    marginalKiB: per(after.rss, mid.rss, spec.n - first),
    heapKiB: per(after.heapUsed, base.heapUsed, spec.n),
    externalKiB: per(after.external, base.external, spec.n),
    rssBaseMiB: base.rss / 2 ** 20,
  };
}

/** CPU time (ms) the peer process has used so far, from /proc (undefined where unavailable). */
const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node runs on
function peerCpuMs(pid) {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** The soft limit on open files (/proc/self/limits), or Infinity where it cannot be read. */
function fdLimit() {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

/**
 * N idle connections in one process (the harness raised the fd limit to the hard limit):
 * handshakes per second with 200 under way at a time, RSS per connection after GC with all of
 * them open, then the time until every one of them has closed (close() on all at once).
 */
async function many(open, spec) {
  const limit = fdLimit();
  if (limit < spec.n + 64) {
    throw new Error(`the open-file limit is ${limit}: ${spec.n} connections need more (raise the hard limit: ulimit -Hn)`);
  }
  const url = `${spec.url}/idle`;
  await warmUp(open, url);
  const base = process.memoryUsage().rss;
  const peer0 = peerCpuMs(spec.peerPid);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const conns = await openMany(open, url, spec.n, spec.inflight ?? 200);
  const openMs = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peer = peerCpuMs(spec.peerPid);
  await settle();
  const after = process.memoryUsage().rss;
  const t1 = now();
  await Promise.all(conns.map((c) => c.close()));
  const closeMs = now() - t1;
  return {
    msgs: spec.n,
    elapsedMs: openMs,
    openMs,
    closeMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // The peer's CPU time while the handshakes ran: near openMs means the peer set the pace.
    peerCpuMs: peer0 === undefined || peer === undefined ? undefined : peer - peer0,
    rssPerConnKiB: (after - base) / 1024 / spec.n,
    rssBaseMiB: base / 2 ** 20,
  };
}

const KINDS = { recv, send, echo, hs, rss, many };

async function main() {
  const spec = JSON.parse(process.argv[2]);
  if (spec.caFile) spec.ca = fs.readFileSync(spec.caFile, 'utf8');
  const make = ADAPTERS[spec.client];
  if (!make) throw new Error(`unknown client ${spec.client}`);
  const open = make(spec);
  if (!open) {
    process.stdout.write(JSON.stringify({ ok: false, skipped: true, error: 'not implemented yet' }) + '\n');
    return;
  }
  const result = await KINDS[spec.kind](open, spec);
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ok: true, ...result }) + '\n');
  // Some clients keep handles (agents, timers) alive; the measurement is over.
  setTimeout(() => process.exit(0), 50).unref();
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(err?.stack ?? err) }) + '\n');
  process.exit(1);
});

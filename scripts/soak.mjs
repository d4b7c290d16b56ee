#!/usr/bin/env node
// `npm run soak`: load and leak figures for curlws on loopback (not part of `npm test`).
//
//   node scripts/soak.mjs [--mode=steady|churn|both] [--connections=2000] [--duration=180]
//                         [--interval=1000] [--size=64] [--count=10000] [--parallel=50]
//
// steady: opens --connections connections to a local echo server (the `ws` package, in a child
//   process), each sending a --size byte message every --interval ms for --duration seconds;
//   reports memory per connection (RSS, JS heap, external), messages/s, errors, unexpected
//   closes (there is no reconnect: any close during the run counts), and the addon's uv
//   handles/sessions before and after.
// churn: opens, echoes one message on, and closes --count connections (--parallel at a time),
//   printing RSS/heap/handles every 1,000: the leak figures.
// Needs 1 fd per connection in this process and in the server's. Node raises the soft
// `ulimit -n` to the hard limit by itself; the script stops with a message when the hard limit
// is too low.
// Output: a human-readable report and a last line "SOAK {json}". Exit code 1 on errors/leaks.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = { mode: 'steady', connections: 2000, duration: 180, interval: 1000, size: 64, count: 10000, parallel: 50, serve: false };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=', 2);
    if (k === 'serve') o.serve = true;
    else if (k === 'mode') o.mode = v;
    else if (k in o) o[k] = Number(v);
    else throw new Error(`soak: unknown argument ${a} (see the header of scripts/soak.mjs)`);
  }
  if (!['steady', 'churn', 'both'].includes(o.mode)) throw new Error('soak: --mode must be steady, churn or both');
  for (const k of ['connections', 'duration', 'interval', 'size', 'count', 'parallel'])
    if (!(o[k] > 0) || o[k] > 1e6) throw new Error(`soak: --${k} must be a positive number`);
  return o;
}

// ---- the echo server (child process) ----------------------------------------------------------
async function serve() {
  const { WebSocketServer } = require(path.join(root, 'node_modules/ws'));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

// ---- fd limit ----------------------------------------------------------------------------------
// Node raises its soft RLIMIT_NOFILE to the hard limit at startup (and children inherit it), so
// only the hard limit matters; a shell reports it.
function ensureFdLimit(needed) {
  const hard = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const soft = spawnSync('sh', ['-c', 'ulimit -Sn'], { encoding: 'utf8' }).stdout.trim();
  const enough = (v) => v === 'unlimited' || Number(v) >= needed;
  if (enough(soft)) return;
  if (!enough(hard)) {
    console.error(
      `soak: needs ${needed} file descriptors per process; the hard limit is ${hard}. Raise it ` +
        `(as root: ulimit -Hn ${needed}; or /etc/security/limits.conf) or use fewer --connections.`,
    );
    process.exit(1);
  }
}

// ---- helpers -----------------------------------------------------------------------------------
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
const kb = (n) => Math.round((n / 1024) * 10) / 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m)
        resolve({
          url: `ws://127.0.0.1:${m[1]}/`,
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.stdin.end();
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`soak server exited (${code})`)));
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.serve) return serve();
  ensureFdLimit((o.mode === 'churn' ? o.parallel : o.connections) + 256);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(50);
    }
  };
  const lib = require(path.join(root, 'dist/index.js'));
  const { binding } = require(path.join(root, 'dist/core/native.js'));
  const snapshot = () => {
    const m = process.memoryUsage();
    const names = process.getActiveResourcesInfo();
    return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, native: binding.diagnostics(), resources: names.length, names };
  };
  const fmt = (s) =>
    `rss ${mb(s.rss)} MB, heap ${mb(s.heapUsed)} MB, external ${mb(s.external)} MB, addon uv handles ${s.native.uvHandles}, sessions ${s.native.sessions}, node resources ${s.resources}`;

  // process.stdout/stderr make their pipe handles on first use: make them now, not inside a
  // measurement.
  console.log(`soak: ${JSON.stringify(o)}`);
  void process.stderr;
  const server = await startServer();
  const report = { machine: `${(await import('node:os')).cpus().length} cores, Node ${process.version}`, args: o };
  let failed = false;

  // Warm up (first connection loads the CA bundle, JIT, …) so the baseline is fair.
  const warm = await lib.connect(server.url);
  await warm.close(1000);
  await settle();

  if (o.mode === 'steady' || o.mode === 'both') {
    const base = snapshot();
    console.log(`steady: baseline: ${fmt(base)}`);
    const conns = [];
    let errors = 0;
    let unexpectedCloses = 0;
    let received = 0;
    let sent = 0;
    let closing = false;
    const errorCodes = {};
    const t0 = Date.now();
    // Open with bounded parallelism (a SYN flood would only measure the accept backlog).
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(200, o.connections) }, async () => {
        while (next < o.connections) {
          next++;
          try {
            const c = await lib.connect(server.url, { handshakeTimeout: 60_000 });
            c.on('message', () => received++);
            c.on('error', (e) => {
              errors++;
              errorCodes[e.code] = (errorCodes[e.code] ?? 0) + 1;
            });
            c.on('close', () => {
              if (!closing) unexpectedCloses++;
            });
            conns.push(c);
          } catch (e) {
            errors++;
            errorCodes[e.code] = (errorCodes[e.code] ?? 0) + 1;
          }
        }
      }),
    );
    const openMs = Date.now() - t0;
    await settle();
    const opened = snapshot();
    const n = conns.length;
    console.log(`steady: ${n}/${o.connections} open in ${openMs} ms: ${fmt(opened)}`);
    console.log(
      `steady: per connection: rss ${kb((opened.rss - base.rss) / n)} KB, heap ${kb((opened.heapUsed - base.heapUsed) / n)} KB, external ${kb((opened.external - base.external) / n)} KB`,
    );

    // Traffic: a ticker every 10 ms sends to the next slice of connections, so every
    // connection sends once per --interval, spread evenly.
    const payload = 'x'.repeat(o.size);
    const perTick = Math.max(1, Math.round((n * 10) / o.interval));
    let cursor = 0;
    const ticker = setInterval(() => {
      for (let i = 0; i < perTick && n > 0; i++) {
        const c = conns[cursor++ % n];
        if (c.readyState !== 1) continue;
        sent++;
        c.send(payload).catch(() => {});
      }
    }, 10);
    const samples = [];
    const startSteady = Date.now();
    let lastReceived = 0;
    let lastAt = startSteady;
    let peakRss = opened.rss;
    while (Date.now() - startSteady < o.duration * 1000) {
      await sleep(Math.min(10_000, o.duration * 1000 - (Date.now() - startSteady)));
      const s = snapshot();
      peakRss = Math.max(peakRss, s.rss);
      const now = Date.now();
      const rate = Math.round(((received - lastReceived) * 1000) / (now - lastAt));
      lastReceived = received;
      lastAt = now;
      samples.push({
        t: Math.round((now - startSteady) / 1000),
        echoesPerSec: rate,
        rssMB: mb(s.rss),
        heapMB: mb(s.heapUsed),
        externalMB: mb(s.external),
      });
      console.log(`steady: t=${samples.at(-1).t}s ${rate} echoes/s, ${fmt(s)}, errors ${errors}, unexpected closes ${unexpectedCloses}`);
    }
    clearInterval(ticker);
    const steadyMs = Date.now() - startSteady;
    await sleep(500); // last echoes
    closing = true;
    await Promise.all(conns.map((c) => c.close(1000)));
    await settle();
    const after = snapshot();
    console.log(`steady: all closed: ${fmt(after)}`);
    const leaked = after.native.uvHandles !== base.native.uvHandles || after.native.sessions !== 0;
    if (errors || unexpectedCloses || leaked || n !== o.connections) failed = true;
    report.steady = {
      connections: n,
      openMs,
      sent,
      received,
      lost: sent - received,
      echoesPerSec: Math.round((received * 1000) / steadyMs),
      errors,
      errorCodes,
      unexpectedCloses,
      perConnectionKB: {
        rss: kb((opened.rss - base.rss) / n),
        heap: kb((opened.heapUsed - base.heapUsed) / n),
        external: kb((opened.external - base.external) / n),
      },
      rssMB: { base: mb(base.rss), open: mb(opened.rss), peak: mb(peakRss), afterClose: mb(after.rss) },
      heapMB: { base: mb(base.heapUsed), open: mb(opened.heapUsed), afterClose: mb(after.heapUsed) },
      native: { before: base.native, open: opened.native, after: after.native },
      resources: { before: base.resources, after: after.resources },
      samples,
    };
  }

  if (o.mode === 'churn' || o.mode === 'both') {
    await settle();
    const base = snapshot();
    console.log(`churn: baseline: ${fmt(base)}`);
    const checkpoints = [];
    let done = 0;
    let errors = 0;
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: o.parallel }, async () => {
        while (next < o.count) {
          next++;
          try {
            const c = await lib.connect(server.url);
            const echoed = new Promise((r) => c.once('message', r));
            await c.send('ping');
            await echoed;
            const r = await c.close(1000);
            if (!r.wasClean) errors++;
          } catch {
            errors++;
          }
          done++;
          if (done % 1000 === 0) {
            gc();
            const s = snapshot();
            checkpoints.push({
              connections: done,
              rssMB: mb(s.rss),
              heapMB: mb(s.heapUsed),
              externalMB: mb(s.external),
              uvHandles: s.native.uvHandles,
              sessions: s.native.sessions,
            });
            console.log(`churn: ${done} connections: ${fmt(s)}, errors ${errors}`);
          }
        }
      }),
    );
    const ms = Date.now() - t0;
    await settle();
    const after = snapshot();
    console.log(`churn: ${o.count} connections in ${ms} ms (${Math.round((o.count * 1000) / ms)}/s); after: ${fmt(after)}`);
    console.log(`churn: node resources before [${base.names.join(', ')}], after [${after.names.join(', ')}]`);
    if (errors || after.native.uvHandles !== base.native.uvHandles || after.native.sessions !== 0) failed = true;
    report.churn = {
      count: o.count,
      parallel: o.parallel,
      ms,
      perSec: Math.round((o.count * 1000) / ms),
      errors,
      rssMB: { base: mb(base.rss), after: mb(after.rss) },
      heapMB: { base: mb(base.heapUsed), after: mb(after.heapUsed) },
      native: { before: base.native, after: after.native },
      resources: { before: base.resources, after: after.resources },
      checkpoints,
    };
  }

  await server.stop();
  report.result = failed ? 'FAIL' : 'PASS';
  console.log(`SOAK ${JSON.stringify(report)}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

#!/usr/bin/env node
/**
 * What one idle connection keeps on the JS heap, by constructor: a heap snapshot before and after
 * opening N connections (after GC), the difference per connection, largest first.
 *
 *   node --expose-gc scripts/bench/heap.mjs --client=curlws|ws --url=ws://127.0.0.1:PORT [--n=500]
 *
 * Start a peer first (`node scripts/bench/server.mjs` prints its port). Self sizes only (what each
 * object itself occupies), so the column adds up to the heap growth; native memory held by
 * an object (libcurl, the engine, a socket's buffers) is not in it: see the rss row of the
 * benchmark for the total.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const client = arg('client', 'curlws');
const url = `${arg('url', 'ws://127.0.0.1:8080')}/idle`;
const n = Number(arg('n', 500));

async function opener() {
  if (client === 'curlws') {
    const { connect } = createRequire(path.join(repo, 'package.json'))(path.join(repo, 'dist/index.js'));
    return () => connect(url);
  }
  const WebSocket = createRequire(path.join(here, '.deps/node_modules/x.js'))('ws');
  return () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
}

/** { name → { count, bytes } } of a heap snapshot, nodes grouped by type and constructor name. */
function histogram() {
  const chunks = [];
  const stream = v8.getHeapSnapshot();
  for (let c = stream.read(); c !== null; c = stream.read()) chunks.push(c);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const meta = snap.snapshot.meta;
  const f = meta.node_fields;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = meta.node_types[0];
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]] : `(${type})`;
    const key = type === 'closure' ? `closure ${name}` : name;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

const open = await opener();
const warm = [];
for (let i = 0; i < 5; i++) warm.push(await open());
const closed = (c) =>
  new Promise((r) => {
    c.once('close', r);
    c.close();
  });
for (const c of warm) await (client === 'curlws' ? c.close() : closed(c));
await settle();
const before = histogram();
const conns = [];
for (let i = 0; i < n; i += 50) conns.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, open))));
await settle();
const after = histogram();
const rows = [];
let total = 0;
for (const [k, a] of after) {
  const b = before.get(k) ?? { count: 0, bytes: 0 };
  const bytes = (a.bytes - b.bytes) / n;
  const count = (a.count - b.count) / n;
  total += bytes;
  if (Math.abs(bytes) >= 4) rows.push([k, count, bytes]);
}
rows.sort((x, y) => y[2] - x[2]);
console.log(`# ${client}: JS heap per idle connection (${n} open), self sizes, ${total.toFixed(0)} bytes in all`);
for (const [k, count, bytes] of rows.slice(0, 40))
  console.log(`${bytes.toFixed(0).padStart(7)} B  ${count.toFixed(2).padStart(6)} ×  ${k.slice(0, 90)}`);
process.exit(0);

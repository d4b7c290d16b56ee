#!/usr/bin/env node
/**
 * permessage-deflate benchmark: a compressible JSON feed (N × ~1 KiB JSON messages, 1,000
 * distinct ones cycled) received and sent with the extension on, curlws vs ws vs undici, and the
 * RSS per idle connection with the extension negotiated.
 *
 *   node scripts/bench/deflate.mjs [--n=200000] [--conns=500] [--clients=curlws,ws,undici]
 *
 * The peer is a raw-socket server in a child process of its own (see server() for why not ws's)
 * that accepts permessage-deflate with its defaults (context takeover, 15-bit windows) and counts
 * the bytes on each socket, so "wire" is what really crossed TCP (frame headers included). Each client runs in its own
 * process, one after the other:
 *   - recv: the server sends N messages as fast as its socket drains; msg/s from the client's
 *     first message to its last.
 *   - send: the client sends N messages as fast as backpressure allows (1 MiB buffered); msg/s
 *     until the server has counted all N.
 *   - rss:  --conns connections open at once, each having received and sent one compressed
 *     message (so both zlib streams were made, as on a live feed), then idle for 3 s:
 *     (RSS - RSS before) / conns after GC; and the same with no message (negotiated, never used).
 * undici 8's WebSocket inflates what it receives but sends uncompressed (its wire bytes show it).
 * Not a test: figures vary with the machine; compare clients within one run.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import zlib from 'node:zlib';
import { BAD_REQUEST, readUpgradeRequest, switchingProtocols } from '../../test/install/ws-handshake.mjs';
import { ensureDeps } from './lib/harness.mjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const require = createRequire(path.join(repo, 'package.json'));
// ws and undici from the benchmark's scratch install (lib/harness.mjs: the same versions as the
// other rows; undici 7 on Node < 22.19, where 8 does not load).
const depsRequire = createRequire(path.join(here, '.deps', 'node_modules', 'x.js'));
const HWM = 1 << 20;

/** 1,000 distinct JSON messages of about 1 KiB, shaped like a market-data feed. */
function feed() {
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const levels = Array.from({ length: 12 }, (_, k) => ({
      px: (100 + ((i * 7 + k) % 97) / 100).toFixed(2),
      qty: (i * 13 + k * 31) % 5000,
    }));
    const msg = {
      type: 'book',
      seq: 1_000_000 + i,
      symbol: ['BTC-USD', 'ETH-USD', 'SOL-USD'][i % 3],
      ts: 1_764_000_000_000 + i * 17,
      bids: levels.slice(0, 6),
      asks: levels.slice(6),
    };
    let s = JSON.stringify(msg);
    s = JSON.stringify({ ...msg, pad: 'x'.repeat(Math.max(0, 1024 - s.length - 10)) });
    out.push(s);
  }
  return out;
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);

// ---- the peer -------------------------------------------------------------------------------
// A raw-socket server, so the peer is not what is measured (ws's own server compresses and
// inflates each message through the thread pool, ~2,000 msg/s here): the feed is compressed once
// at start, as one permessage-deflate stream with context takeover (what a server sends), and
// client messages are counted by their frame headers without inflating them.

/** Header of an unmasked server frame. */
function header(first, len) {
  if (len < 126) return Buffer.from([first, len]);
  if (len < 65536) return Buffer.from([first, 126, len >> 8, len & 255]);
  const h = Buffer.from([first, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
}

/** N feed messages as compressed TEXT frames (RSV1), context carried from one to the next. */
function compressedFeed(n) {
  const messages = feed();
  const handle = zlib.createDeflateRaw({ windowBits: 15 });
  const frames = [];
  // One zlib stream, flushed after each message (Z_SYNC_FLUSH), its 00 00 ff ff tail removed.
  let pending = [];
  handle.on('data', (d) => pending.push(d));
  return (async () => {
    for (let i = 0; i < n; i++) {
      handle.write(messages[i % messages.length]);
      await new Promise((r) => handle.flush(zlib.constants.Z_SYNC_FLUSH, r));
      const out = Buffer.concat(pending);
      pending = [];
      const payload = out.subarray(0, out.length - 4);
      frames.push(header(0xc1, payload.length), payload);
    }
    return Buffer.concat(frames);
  })();
}

async function server(n) {
  const wire = await compressedFeed(n);
  const one = await compressedFeed(1);
  const srv = net.createServer((sock) => {
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let open = false;
    let path = '';
    let counted = 0;
    let read = 0;
    let target = 0;
    sock.on('error', () => {});
    sock.on('data', (d) => {
      read += d.length;
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      if (!open) {
        const request = readUpgradeRequest(buf);
        if (!request) return;
        buf = request.rest;
        read = buf.length;
        path = request.target;
        if (!request.key) {
          sock.end(BAD_REQUEST);
          return;
        }
        const offered = /permessage-deflate/i.test(request.headers['sec-websocket-extensions'] ?? '');
        sock.write(switchingProtocols(request.key, { extensions: offered ? 'permessage-deflate' : '' }));
        open = true;
        const m = /^\/send\?n=(\d+)/.exec(path);
        if (m) target = Number(m[1]);
        if (path === '/recv') {
          const done = Buffer.from(`done ${wire.length}`);
          sock.write(wire);
          sock.write(Buffer.concat([header(0x81, done.length), done]));
        }
        if (path === '/echo') sock.write(one);
      }
      // Client frames: count FIN data frames, answer CLOSE.
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + 4 + len) return;
        const op = buf[0] & 0x0f;
        const fin = buf[0] & 0x80;
        buf = buf.subarray(off + 4 + len);
        if (op === 8) {
          sock.end(Buffer.from([0x88, 2, 0x03, 0xe8]));
          return;
        }
        if (op <= 2 && fin && target && ++counted === target) {
          const msg = Buffer.from(`done ${read - buf.length}`);
          sock.write(Buffer.concat([header(0x81, msg.length), msg]));
        }
      }
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  process.send({ port: srv.address().port, wireBytes: wire.length });
}

// ---- clients: open(url, onMessage) → { ext, send(s), buffered(), close() } ----------------
const ADAPTERS = {
  curlws: async (url, onMessage) => {
    const { connect } = require(path.join(repo, 'dist/index.js'));
    const conn = await connect(url, { perMessageDeflate: true, maxPayload: 0 });
    conn.on('message', (d) => onMessage(String(d)));
    return {
      ext: conn.extensions,
      send: (s) => conn.send(s),
      buffered: () => conn.bufferedAmount,
      close: () => conn.close(1000),
    };
  },
  ws: (url, onMessage) =>
    new Promise((resolve, reject) => {
      const WebSocket = depsRequire('ws');
      const ws = new WebSocket(url, { perMessageDeflate: true, maxPayload: 0 });
      ws.on('message', (d) => onMessage(String(d)));
      ws.once('error', reject);
      ws.once('open', () =>
        resolve({
          ext: ws.extensions,
          send: (s) => ws.send(s),
          buffered: () => ws.bufferedAmount,
          close: () =>
            new Promise((r) => {
              ws.once('close', r);
              ws.close(1000);
            }),
        }),
      );
    }),
  undici: (url, onMessage) =>
    new Promise((resolve, reject) => {
      const { WebSocket } = depsRequire('undici');
      const ws = new WebSocket(url);
      ws.addEventListener('message', (ev) => onMessage(String(ev.data)));
      ws.onerror = (e) => reject(e.error ?? new Error('undici WebSocket error'));
      ws.onopen = () =>
        resolve({
          ext: ws.extensions,
          send: (s) => ws.send(s),
          buffered: () => ws.bufferedAmount,
          close: () =>
            new Promise((r) => {
              ws.onclose = r;
              ws.close(1000);
            }),
        });
    }),
};

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const tick = () => new Promise((r) => setImmediate(r));

/** One measurement per process (`mode`: transfer | rss-idle | rss-used), so memory freed by
 * one cannot be reused by the next and hide its growth. */
async function client(name, url, n, conns, mode) {
  const open = ADAPTERS[name];
  const out = { client: name };
  if (mode === 'transfer') await transfer(open, url, n, out);
  else await rss(open, url, conns, mode === 'rss-used', out);
  process.send(out);
}

async function transfer(open, url, n, out) {
  // recv
  {
    let got = 0;
    let t0 = 0;
    let t1 = 0;
    let wire = 0;
    let resolve;
    const finished = new Promise((r) => (resolve = r));
    const cpu0 = cpuMs();
    const c = await open(`${url}recv`, (s) => {
      if (s.startsWith('done ')) {
        t1 = performance.now();
        wire = Number(s.slice(5));
        resolve();
      } else if (got++ === 0) t0 = performance.now();
    });
    out.extensions = c.ext;
    await finished;
    out.recv = {
      msgsPerSec: Math.round((got - 1) / ((t1 - t0) / 1000)),
      wireBytes: wire,
      bytesPerMsg: +(wire / n).toFixed(1),
      cpuMs: Math.round(cpuMs() - cpu0),
    };
    await c.close();
  }
  // send
  {
    const messages = feed();
    let done;
    const finished = new Promise((r) => (done = r));
    const c = await open(`${url}send?n=${n}`, (s) => s.startsWith('done ') && done(Number(s.slice(5))));
    const cpu0 = cpuMs();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      c.send(messages[i % messages.length])?.catch?.(() => {});
      if ((i & 255) === 255) while (c.buffered() > HWM) await tick();
    }
    const wire = await finished;
    const t1 = performance.now();
    out.send = {
      msgsPerSec: Math.round(n / ((t1 - t0) / 1000)),
      wireBytes: wire,
      bytesPerMsg: +(wire / n).toFixed(1),
      cpuMs: Math.round(cpuMs() - cpu0),
    };
    await c.close();
  }
}

/** RSS per idle connection: negotiated only, or used (one message each way). */
async function rss(open, url, conns, used, out) {
  const reply = feed()[1];
  {
    for (let i = 0; i < 3; i++) globalThis.gc();
    const before = process.memoryUsage().rss;
    const list = [];
    for (let i = 0; i < conns; i += 50) {
      // used: the server sends one compressed message on open; the client sends one back.
      const batch = await Promise.all(
        Array.from(
          { length: Math.min(50, conns - i) },
          () =>
            new Promise((resolve) => {
              const opening = open(`${url}${used ? 'echo' : 'idle'}`, () =>
                opening.then((c) => {
                  c.send(reply);
                  resolve(c);
                }),
              );
              if (!used) opening.then(resolve);
            }),
        ),
      );
      list.push(...batch);
    }
    // Idle: curlws releases a compressor not used for 2 s (its window is kept); ws keeps it.
    await new Promise((r) => setTimeout(r, 3000));
    for (let i = 0; i < 3; i++) globalThis.gc();
    out[used ? 'rssUsedKiB' : 'rssIdleKiB'] = Math.round((process.memoryUsage().rss - before) / 1024 / conns);
    await Promise.all(list.map((c) => c.close()));
  }
}

function child(args, extra = []) {
  const p = fork(fileURLToPath(import.meta.url), args, {
    execArgv: ['--expose-gc', ...extra],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    p,
    first: new Promise((resolve, reject) => {
      p.once('message', resolve);
      p.once('exit', (c) => c && reject(new Error(`${args[0]} exited ${c}`)));
    }),
  };
}

async function main() {
  const versions = ensureDeps();
  const n = Number(args.n ?? 200_000);
  const conns = Number(args.conns ?? 500);
  const clients = (args.clients ?? 'curlws,ws,undici').split(',');
  const srv = child(['--role=server', `--n=${n}`]);
  const rows = [];
  try {
    const { port } = await srv.first;
    const url = `ws://127.0.0.1:${port}/`;
    for (const c of clients) {
      const row = {};
      for (const mode of ['transfer', 'rss-idle', 'rss-used']) {
        const run = child(['--role=client', `--client=${c}`, `--url=${url}`, `--n=${n}`, `--conns=${conns}`, `--mode=${mode}`]);
        Object.assign(row, await run.first);
        run.p.kill();
      }
      rows.push(row);
    }
  } finally {
    srv.p.kill();
  }
  const raw = (n * feed().reduce((a, s) => a + s.length, 0)) / 1000;
  console.log(`ws ${versions.ws}, undici ${versions.undici}, Node ${process.versions.node}`);
  console.log(
    `permessage-deflate JSON feed: ${n.toLocaleString('en')} messages (~1 KiB, ${(raw / 1e6).toFixed(1)} MB uncompressed), raw server, permessage-deflate with context takeover`,
  );
  console.log(
    'client   extensions                              recv msg/s  recv wire B/msg  send msg/s  send wire B/msg  RSS KiB/conn used / negotiated only',
  );
  for (const r of rows) {
    console.log(
      `${r.client.padEnd(8)} ${String(r.extensions || '(none)').padEnd(40)} ${String(r.recv.msgsPerSec).padStart(10)}  ${String(r.recv.bytesPerMsg).padStart(15)}  ${String(r.send.msgsPerSec).padStart(10)}  ${String(r.send.bytesPerMsg).padStart(15)}  ${r.rssUsedKiB} / ${r.rssIdleKiB}`,
    );
  }
  const ref = rows.find((r) => r.client === 'ws');
  const us = rows.find((r) => r.client === 'curlws');
  if (ref && us)
    console.log(
      `curlws / ws: recv ${(us.recv.msgsPerSec / ref.recv.msgsPerSec).toFixed(2)}×, send ${(us.send.msgsPerSec / ref.send.msgsPerSec).toFixed(2)}×`,
    );
  console.log(JSON.stringify(rows));
}

if (args.role === 'server') await server(Number(args.n));
else if (args.role === 'client') await client(args.client, args.url, Number(args.n), Number(args.conns), args.mode);
else await main();

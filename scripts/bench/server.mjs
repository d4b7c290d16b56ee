#!/usr/bin/env node
/**
 * The benchmark peer: a raw-socket WebSocket server (net / tls, no ws library) built not to be
 * the bottleneck. One process serves ws: and wss: on two ports; the path picks the behaviour:
 *
 *   /flood?n=N&size=S  waits for one client frame ("go"), then writes N pre-encoded binary frames
 *                      of S bytes in large chunks (one cached buffer per size), then acts as /idle;
 *                      with &text=1 text frames (ASCII) instead
 *   /count?n=N&size=S  only counts bytes (no parsing) until N masked client frames of S bytes
 *                      have arrived, then sends the text frame "done", then acts as /idle
 *   /echo              parses client frames and echoes each data frame back unmasked
 *   /idle              parses client frames, answers CLOSE with CLOSE and ends the socket
 *
 * Run directly: `node scripts/bench/server.mjs [--cert=F --key=F] [--exit-on-stdin-end]`
 * prints `{"port":…, "tlsPort":…}` on stdout and serves until SIGTERM (or stdin's end).
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { BAD_REQUEST, MAX_HEAD_BYTES, readUpgradeRequest, switchingProtocols } from '../../test/install/ws-handshake.mjs';
const CHUNK = 512 * 1024; // small frames are written in chunks of about this size

/** Header of an unmasked server frame. */
export function frameHeader(opcode, len, masked = false) {
  const m = masked ? 0x80 : 0;
  if (len < 126) return Buffer.from([0x80 | opcode, m | len]);
  if (len < 65536) {
    const h = Buffer.alloc(4);
    h[0] = 0x80 | opcode;
    h[1] = m | 126;
    h.writeUInt16BE(len, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = 0x80 | opcode;
  h[1] = m | 127;
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
}

/** Bytes on the wire of one masked client frame with `size` bytes of payload. */
export function clientFrameBytes(size) {
  return size + 4 + (size < 126 ? 2 : size < 65536 ? 4 : 10);
}

const floodCache = new Map();
/** { chunk, perChunk } for small frames; { frame } (one frame) for large ones. */
function floodBuffers(size, opcode) {
  const cacheKey = `${opcode}:${size}`;
  let c = floodCache.get(cacheKey);
  if (c) return c;
  const payload = Buffer.alloc(size, 0x61);
  const one = Buffer.concat([frameHeader(opcode, size), payload]);
  if (one.length >= CHUNK) c = { chunk: one, perChunk: 1 };
  else {
    const perChunk = Math.floor(CHUNK / one.length);
    c = { chunk: Buffer.concat(Array(perChunk).fill(one)), perChunk, one };
  }
  floodCache.set(cacheKey, c);
  return c;
}

async function flood(sock, n, size, opcode) {
  const { chunk, perChunk, one } = floodBuffers(size, opcode);
  const write = (buf) => (sock.write(buf) ? null : new Promise((r) => sock.once('drain', r)));
  let left = n;
  while (left >= perChunk && !sock.destroyed) {
    const p = write(chunk);
    left -= perChunk;
    if (p) await p;
  }
  if (left > 0 && !sock.destroyed) {
    const p = write(left === 1 ? (one ?? chunk) : chunk.subarray(0, left * one.length));
    if (p) await p;
  }
}

/** Incremental parser of masked client frames; calls onFrame(opcode, payload, fin). */
function frameParser(onFrame) {
  let buf = Buffer.alloc(0);
  return (data) => {
    buf = buf.length ? Buffer.concat([buf, data]) : data;
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 0x0f;
      const fin = (buf[0] & 0x80) !== 0;
      const masked = (buf[1] & 0x80) !== 0;
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
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i & 3)];
      buf = buf.subarray(off + len);
      onFrame(op, payload, fin);
    }
  };
}

function serveIdle(sock, first) {
  const parse = frameParser((op, payload) => {
    if (op === 8) {
      sock.end(Buffer.concat([frameHeader(8, Math.min(payload.length, 2)), payload.subarray(0, 2)]));
    } else if (op === 9) sock.write(Buffer.concat([frameHeader(10, payload.length), payload]));
  });
  sock.on('data', parse);
  if (first && first.length) parse(first);
}

function serveEcho(sock, first) {
  const parse = frameParser((op, payload, fin) => {
    if (op === 8) {
      sock.end(Buffer.concat([frameHeader(8, Math.min(payload.length, 2)), payload.subarray(0, 2)]));
    } else if (op === 9) sock.write(Buffer.concat([frameHeader(10, payload.length), payload]));
    else if (op === 1 || op === 2 || op === 0) {
      const h = frameHeader(op, payload.length);
      if (!fin) h[0] &= 0x7f;
      sock.write(Buffer.concat([h, payload]));
    }
  });
  sock.on('data', parse);
  if (first && first.length) parse(first);
}

function serveCount(sock, first, n, size) {
  const expected = n * clientFrameBytes(size);
  let got = 0;
  const onData = (data) => {
    got += data.length;
    if (got >= expected) {
      sock.off('data', onData);
      sock.write(Buffer.concat([frameHeader(1, 4), Buffer.from('done')]));
      // Whatever came after the counted frames is parsed normally (the client's CLOSE).
      serveIdle(sock, data.subarray(data.length - (got - expected)));
    }
  };
  sock.on('data', onData);
  if (first && first.length) onData(first);
}

function serveFlood(sock, first, n, size, opcode) {
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    sock.off('data', onData);
    flood(sock, n, size, opcode).then(
      () => serveIdle(sock, null),
      () => sock.destroy(),
    );
  };
  const onData = () => go();
  sock.on('data', onData);
  if (first && first.length) go();
}

function onConnection(sock) {
  sock.setNoDelay(true);
  sock.on('error', () => {});
  let head = Buffer.alloc(0);
  const onHead = (data) => {
    head = Buffer.concat([head, data]);
    const request = readUpgradeRequest(head);
    if (!request) {
      if (head.length > MAX_HEAD_BYTES) sock.destroy();
      return;
    }
    sock.off('data', onHead);
    const { key, rest, target } = request;
    if (!key) {
      sock.end(BAD_REQUEST);
      return;
    }
    sock.write(switchingProtocols(key));
    const url = new URL(target, 'http://x');
    const n = Number(url.searchParams.get('n') ?? 0);
    const size = Number(url.searchParams.get('size') ?? 0);
    switch (url.pathname) {
      case '/flood':
        return serveFlood(sock, rest, n, size, url.searchParams.get('text') === '1' ? 1 : 2);
      case '/count':
        return serveCount(sock, rest, n, size);
      case '/echo':
        return serveEcho(sock, rest);
      default:
        return serveIdle(sock, rest);
    }
  };
  sock.on('data', onHead);
}

/** Starts both listeners on 127.0.0.1; resolves to { port, tlsPort, close() }. */
export async function startServer({ cert, key } = {}) {
  const plain = net.createServer({ noDelay: true }, onConnection);
  const listen = (srv) =>
    new Promise((resolve) => srv.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, () => resolve(srv.address().port)));
  const port = await listen(plain);
  let secure;
  let tlsPort = 0;
  if (cert && key) {
    secure = tls.createServer({ cert, key }, onConnection);
    tlsPort = await listen(secure);
  }
  return {
    port,
    tlsPort,
    close() {
      plain.close();
      secure?.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const certFile = arg('cert');
  const keyFile = arg('key');
  const s = await startServer(certFile && keyFile ? { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } : {});
  process.stdout.write(JSON.stringify({ port: s.port, tlsPort: s.tlsPort }) + '\n');
  if (process.argv.includes('--exit-on-stdin-end')) {
    // The harness holds our stdin: when it dies, so do we.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  process.on('SIGTERM', () => process.exit(0));
}

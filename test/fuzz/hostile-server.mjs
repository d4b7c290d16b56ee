// The hostile peer of the fuzz test: a raw TCP server that speaks just enough WebSocket to be
// dangerous. Connection #i (the client asks for GET /f/<i>) follows planConnection(seed, i):
// a handshake that is sometimes wrong, then valid and mutated frames chopped into random TCP
// writes, stalls, RSTs and half-closes; meanwhile it reads what the client sends, echoes data
// (if the plan says so), answers PINGs and CLOSEs.
//
// With `--tls <dir>` it also listens for wss: on a second port, with a throwaway self-signed
// certificate (made with the openssl CLI; <dir>/cert.pem is what clients trust). TLS records
// then carry the same chopped, mutated bytes; RSTs hit the TCP socket under the TLS session.
//
// As a child process: `node hostile-server.mjs --seed <n> [--tls <dir>]` prints
// "listening <port> [<tlsPort>]" and exits when its stdin closes (it never outlives the runner).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Rng, deriveSeed } from './prng.mjs';
import { FrameParser, Op, acceptKey, encodeFrame } from './frames.mjs';
import { planConnection } from './scenario.mjs';

/** No connection lives longer than this on the server side, whatever the plan. */
const SERVER_CONNECTION_LIMIT_MS = 20_000;
const MAX_HEAD = 16 * 1024;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class HostileConnection {
  /** `raw`: the TCP socket (differs from `socket` under TLS), for RSTs */
  constructor(socket, seed, stats, raw = socket) {
    this.socket = socket;
    this.raw = raw;
    this.seed = seed;
    this.stats = stats;
    this.head = Buffer.alloc(0);
    this.plan = null;
    this.chop = null;
    this.parser = new FrameParser();
    this.queue = Promise.resolve();
    this.closed = false;
    this.sentClose = false;
    this.gotClose = false;
    this.limit = setTimeout(() => socket.destroy(), SERVER_CONNECTION_LIMIT_MS);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.limit);
      this.wake?.();
    });
  }

  onData(d) {
    if (this.plan) {
      this.onClientFrames(this.parser.push(d));
      return;
    }
    this.head = Buffer.concat([this.head, d]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > MAX_HEAD) this.socket.destroy();
      return;
    }
    const request = this.head.subarray(0, end).toString('latin1');
    const rest = this.head.subarray(end + 4);
    const index = Number(/^GET \/f\/(\d+)/.exec(request)?.[1] ?? -1);
    if (index < 0) {
      this.socket.destroy();
      return;
    }
    const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
    this.plan = planConnection(this.seed, index);
    this.chop = new Rng(deriveSeed(this.seed, index, 2));
    this.stats.connections++;
    if (rest.length) this.onClientFrames(this.parser.push(rest));
    this.offeredDeflate = /\r\nsec-websocket-extensions:[^\r]*permessage-deflate/i.test(request);
    this.run(key).catch(() => this.socket.destroy());
  }

  /** Writes `bytes` in random pieces with random pauses; resolves when done or the socket is gone. */
  write(bytes, { slow = false } = {}) {
    const job = async () => {
      const r = this.chop;
      let at = 0;
      const maxPiece = slow ? 8 : r.pick([1, 7, 64, 1500, 16384, 65536, 1 << 20]);
      while (at < bytes.length && !this.closed && this.socket.writable) {
        const n = Math.min(bytes.length - at, r.int(1, maxPiece));
        const piece = bytes.subarray(at, at + n);
        at += n;
        this.stats.bytes += n;
        if (!this.socket.write(piece)) await this.until('drain');
        if (slow || r.chance(0.05)) await sleep(slow ? r.int(5, 60) : r.int(0, 30));
      }
    };
    this.queue = this.queue.then(job, job);
    return this.queue;
  }

  /** Waits for a socket event, or the end of the socket. */
  until(event) {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const done = () => {
        this.socket.off(event, done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.socket.once(event, done);
    });
  }

  async run(key) {
    const p = this.plan;
    const ok = (extra = []) =>
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${acceptKey(key)}`,
        ...extra,
      ].join('\r\n') + '\r\n\r\n';
    switch (p.handshake) {
      case 'ok':
        await this.write(Buffer.from(ok()));
        break;
      case 'ok-slow':
        await this.write(Buffer.from(ok()), { slow: true });
        break;
      case 'deflate':
        // Accepts permessage-deflate when offered: the steps' RSV1 frames ('compressed', 'rsv')
        // then go to the client's inflater.
        await this.write(Buffer.from(ok(this.offeredDeflate ? ['Sec-WebSocket-Extensions: permessage-deflate'] : [])));
        break;
      case 'ok-with-frames': {
        const first = p.steps.findIndex((s) => s.kind === 'write');
        if (first >= 0) {
          const [step] = p.steps.splice(first, 1);
          await this.write(Buffer.concat([Buffer.from(ok()), step.bytes]));
        } else await this.write(Buffer.from(ok()));
        break;
      }
      case 'bad-accept':
        await this.write(Buffer.from(ok().replace(/Accept: \S+/, `Accept: ${acceptKey('x' + key)}`)));
        return;
      case 'no-upgrade':
        await this.write(Buffer.from(ok().replace('Upgrade: websocket\r\n', '')));
        return;
      case 'unoffered-protocol':
        await this.write(Buffer.from(ok(['Sec-WebSocket-Protocol: evil'])));
        return;
      case 'unoffered-extension':
        await this.write(Buffer.from(ok(['Sec-WebSocket-Extensions: permessage-deflate'])));
        return;
      case 'status':
        await this.write(Buffer.from(`HTTP/1.1 ${p.status} Nope\r\nContent-Length: 5\r\nConnection: close\r\n\r\nnope\n`));
        this.socket.end();
        return;
      case 'redirect-self':
        await this.write(Buffer.from(`HTTP/1.1 302 Found\r\nLocation: /f/${p.index}\r\nContent-Length: 0\r\n\r\n`));
        return;
      case 'garbage':
        await this.write(this.chop.bytes(this.chop.int(1, 4000)));
        this.socket.end();
        return;
      case 'huge-header':
        await this.write(Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nX-Big: ${'a'.repeat(300_000)}\r\n\r\n`));
        return;
      case 'partial':
        await this.write(Buffer.from(ok().slice(0, this.chop.int(1, 60))));
        this.socket.end();
        return;
      case 'stall':
        return; // the client's handshake timeout (or its own deadline) ends it
      case 'rst':
        this.rst();
        return;
      case 'close':
        this.socket.end();
        return;
    }
    for (const step of p.steps) {
      if (this.closed) return;
      switch (step.kind) {
        case 'write':
          if (step.what === 'close' || step.what === 'close-bad') this.sentClose = true;
          await this.write(step.bytes);
          break;
        case 'stall':
          await this.queue;
          await sleep(step.ms);
          break;
        case 'stop-reading':
          // Not awaited: the writes go on while the client's data piles up in the kernel.
          this.socket.pause();
          setTimeout(() => this.socket.resume(), step.ms);
          break;
        case 'rst':
          await this.queue;
          this.stats.rsts++;
          this.rst();
          return;
        case 'end':
          await this.queue;
          this.socket.end();
          break;
        case 'destroy':
          await this.queue;
          this.socket.destroy();
          return;
      }
    }
  }

  rst() {
    if (this.raw.destroyed) return;
    this.raw.resetAndDestroy();
    if (this.socket !== this.raw) this.socket.destroy();
  }

  onClientFrames(frames) {
    for (const f of frames) {
      if (this.closed || !this.socket.writable) return;
      if (f.opcode === Op.CLOSE) {
        if (this.gotClose) continue;
        this.gotClose = true;
        if (this.plan.replyClose && !this.sentClose) {
          this.sentClose = true;
          const code = f.payload.length >= 2 ? f.payload.subarray(0, 2) : Buffer.alloc(0);
          this.write(encodeFrame({ opcode: Op.CLOSE, payload: code })).then(() => this.socket.end());
        } else if (this.plan.replyClose) {
          this.queue.then(() => this.socket.end());
        }
      } else if (f.opcode === Op.PING) {
        if (this.plan.replyPing) this.write(encodeFrame({ opcode: Op.PONG, payload: f.payload }));
      } else if (this.plan.echo && !this.sentClose && (f.opcode === Op.TEXT || f.opcode === Op.BINARY || f.opcode === Op.CONT)) {
        this.write(encodeFrame({ opcode: f.opcode, fin: f.fin, payload: f.payload }));
      }
    }
  }
}

/**
 * A self-signed certificate for 127.0.0.1/localhost in `dir` (cert.pem, key.pem), made with the
 * openssl CLI. Returns false when openssl is not there.
 */
export function makeCertificate(dir) {
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return true;
  } catch {
    return false;
  }
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Starts the server on 127.0.0.1, a random port; with `tlsDir`, also wss: on another port. */
export async function startHostileServer(seed, tlsDir) {
  const stats = { connections: 0, bytes: 0, rsts: 0, tlsConnections: 0 };
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((socket) => {
    track(socket);
    new HostileConnection(socket, seed, stats);
  });
  const port = await listen(server);
  let tlsServer = null;
  let tlsPort = 0;
  if (tlsDir) {
    const secureContext = tls.createSecureContext({
      key: readFileSync(path.join(tlsDir, 'key.pem')),
      cert: readFileSync(path.join(tlsDir, 'cert.pem')),
    });
    // The TLS session on top of a plain TCP server: the raw socket stays at hand for RSTs.
    tlsServer = net.createServer((raw) => {
      track(raw);
      raw.on('error', () => {});
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
      socket.on('error', () => {});
      stats.tlsConnections++;
      new HostileConnection(socket, seed, stats, raw);
    });
    tlsPort = await listen(tlsServer);
  }
  return {
    port,
    tlsPort,
    stats,
    close() {
      for (const s of sockets) s.destroy();
      return Promise.all([server, tlsServer].filter(Boolean).map((srv) => new Promise((r) => srv.close(() => r()))));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(arg('--seed') ?? 1) >>> 0;
  const server = await startHostileServer(seed, arg('--tls'));
  process.stdout.write(`listening ${server.port} ${server.tlsPort}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    process.stdout.write(`stats ${JSON.stringify(server.stats)}\n`);
    await server.close();
    process.exit(0);
  });
}

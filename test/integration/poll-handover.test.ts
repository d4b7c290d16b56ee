/**
 * The socket's uv_poll passes from libcurl's side (the handshake) to the connection still armed
 * (native/engine/multi.h). These tests end connections at every moment around that handover and
 * check that nothing is left watching the wrong socket: a Node socket opened right after (which
 * may get the same fd number) must still receive, and every connection must end as it should.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Easy } from '../../lib/curl.js';
import { startNodeChild } from '../helpers/child.js';
import { connect, type Connection } from '../../lib/index.js';
import { acceptKey, closePayload, encodeFrame, FrameParser, Op } from '../servers/raw-server.js';

type Mode = 'echo' | 'close-after-101' | 'fin-after-101' | 'reject' | 'hold' | 'batch';

const BATCH = 40; // connections whose 101s are written together (one loop turn on the client)

function switching(key: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`
  );
}

/** After the 101: echoes data frames, answers CLOSE with CLOSE and ends. */
function serveFrames(sock: net.Socket, rest: Buffer): void {
  const parser = new FrameParser();
  const onData = (data: Buffer) => {
    for (const f of parser.push(data)) {
      if (f.opcode === Op.CLOSE) {
        sock.end(encodeFrame({ opcode: Op.CLOSE, payload: f.payload }));
        return;
      }
      if (f.opcode === Op.TEXT || f.opcode === Op.BINARY) sock.write(encodeFrame({ opcode: f.opcode, payload: f.payload }));
    }
  };
  sock.on('data', onData);
  if (rest.length) onData(rest);
}

let server: net.Server;
let base = '';
let batchWaiting: Array<() => void> = [];

/** The path picks what the peer does with the upgrade request (see Mode). */
function onConnection(sock: net.Socket): void {
  sock.on('error', () => {});
  let head = Buffer.alloc(0);
  const onHead = (data: Buffer) => {
    head = Buffer.concat([head, data]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    sock.off('data', onHead);
    const text = head.subarray(0, end).toString('latin1');
    const rest = head.subarray(end + 4);
    const mode = (text.split(' ')[1] ?? '/').slice(1) as Mode;
    const key = /^sec-websocket-key:\s*(\S+)/im.exec(text)?.[1] ?? '';
    switch (mode) {
      case 'echo':
        sock.write(switching(key));
        serveFrames(sock, rest);
        break;
      case 'close-after-101':
        // The 101 and the CLOSE in one segment: they reach libcurl's buffer together.
        sock.write(Buffer.concat([Buffer.from(switching(key)), encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1000, 'bye') })]));
        serveFrames(sock, rest);
        break;
      case 'fin-after-101':
        sock.end(switching(key));
        break;
      case 'reject':
        sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        break;
      case 'hold':
        break;
      case 'batch':
        batchWaiting.push(() => {
          sock.write(switching(key));
          serveFrames(sock, rest);
        });
        if (batchWaiting.length === BATCH) {
          const all = batchWaiting;
          batchWaiting = [];
          for (const answer of all) answer();
        }
        break;
    }
  };
  sock.on('data', onHead);
}

let echoServer: net.Server;
let echoPort = 0;

beforeAll(async () => {
  server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  echoServer = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.pipe(sock);
  });
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  echoPort = (echoServer.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => echoServer.close(resolve));
});

/**
 * Opens a plain Node socket to the echo server at once (synchronously: it takes the lowest free
 * fd, often the one libcurl has just closed) and resolves with what came back, or rejects when
 * nothing did within a second: a socket whose fd the engine still watched would go deaf.
 */
function nodeRoundTrip(): Promise<string> {
  const sock = net.connect(echoPort, '127.0.0.1');
  sock.setNoDelay(true);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('the Node socket opened next received nothing'));
    }, 1000);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('data', (data) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(data.toString());
    });
    sock.write('ping');
  });
}

function closeOf(conn: Connection): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => conn.once('close', (code: number, reason: Buffer | string) => resolve({ code, reason: String(reason) })));
}

function nextMessage(conn: Connection): Promise<string> {
  return new Promise((resolve) => conn.once('message', (data: Buffer | string) => resolve(String(data))));
}

describe('the socket poll handed from the handshake to the connection', () => {
  it(`${BATCH} handshakes that finish in one loop turn each receive, send and close cleanly`, async () => {
    for (let round = 0; round < 3; round++) {
      const conns = await Promise.all(Array.from({ length: BATCH }, () => connect(`${base}/batch`)));
      const echoed = await Promise.all(
        conns.map((c, i) => {
          const got = nextMessage(c);
          c.send(`m${i}`);
          return got;
        }),
      );
      expect(echoed).toEqual(conns.map((_, i) => `m${i}`));
      const closes = conns.map(closeOf);
      await Promise.all(conns.map((c) => c.close(1000)));
      expect(await Promise.all(closes)).toEqual(conns.map(() => ({ code: 1000, reason: '' })));
    }
  });

  it('a CLOSE that arrives with the 101 is read and answered: close 1000 with its reason', async () => {
    for (let i = 0; i < 20; i++) {
      const conn = await connect(`${base}/close-after-101`);
      const closed = conn.readyState === 3 ? null : closeOf(conn);
      const info = await closed;
      if (info) expect(info).toEqual({ code: 1000, reason: 'bye' });
      expect(conn.readyState).toBe(3);
    }
  });

  it('a peer that hangs up right after the 101: the connection ends with 1006', async () => {
    for (let i = 0; i < 20; i++) {
      const conn = await connect(`${base}/fin-after-101`);
      conn.on('error', () => {});
      const info = conn.readyState === 3 ? { code: 1006 } : await closeOf(conn);
      expect(info.code).toBe(1006);
    }
  });

  it("terminate() in the 'open' continuation, then a Node socket opened at once still works", async () => {
    for (let i = 0; i < 30; i++) {
      const echoed = await connect(`${base}/echo`).then((conn) => {
        conn.terminate();
        return nodeRoundTrip();
      });
      expect(echoed).toBe('ping');
    }
  });

  it('close() in the open continuation completes the close handshake', async () => {
    for (let i = 0; i < 20; i++) {
      const { conn, closed } = await connect(`${base}/echo`).then((c) => {
        const p = closeOf(c);
        void c.close(1000, 'done');
        return { conn: c, closed: p };
      });
      expect(await closed).toEqual({ code: 1000, reason: 'done' });
      expect(conn.readyState).toBe(3);
    }
  });

  it('a refused handshake: a Node socket opened from the rejection (same fd number) still works', async () => {
    for (let i = 0; i < 30; i++) {
      const echoed = await connect(`${base}/reject`).then(
        () => Promise.reject(new Error('connect() resolved against a 400')),
        (err: { code?: string }) => {
          expect(err.code).toBe('WS_ERR_UNEXPECTED_RESPONSE');
          return nodeRoundTrip();
        },
      );
      expect(echoed).toBe('ping');
    }
  });

  it('a refused handshake whose error record runs JS as it is filled (a setter on Object.prototype): servers made there still accept', async () => {
    // The engine fills the rejection's objects before it calls the dispatcher: an inherited
    // setter is JS that runs then, inside the socket action, where the refused handshake's poll
    // was parked. A server made in the setter takes the lowest free fd, libcurl's just-closed one.
    // In a child process: the setter is on every object of that process. The servers listen on
    // Unix sockets: listen() on a path makes its fd at once.
    const script = `
      const net = require('node:net');
      const path = require('node:path');
      const os = require('node:os');
      const { connect } = require(process.env.CURLWS_DIST);
      // Eight servers take the eight lowest free fds: libcurl's just-closed one among them.
      const pipes = Array.from({ length: 8 }, (_, i) => path.join(os.tmpdir(), 'curlws-handover-' + process.pid + '-' + i + '.sock'));
      let made;
      Object.defineProperty(Object.prototype, 'status', {
        configurable: true,
        set(v) {
          Object.defineProperty(this, 'status', { value: v, writable: true, enumerable: true, configurable: true });
          if (made) return;
          made = pipes.map((pipe) => {
            const server = net.createServer((s) => { s.on('error', () => {}); s.end('accepted'); });
            server.listen(pipe); // a path: bound and listening before listen() returns (an address would be looked up first)
            return server;
          });
        },
      });
      const ask = (pipe) => new Promise((resolve) => {
        const sock = net.connect(pipe);
        const timer = setTimeout(() => { sock.destroy(); resolve('never accepted'); }, 2000);
        sock.on('error', (e) => { clearTimeout(timer); resolve(e.code); });
        sock.once('data', (d) => { clearTimeout(timer); sock.destroy(); resolve(String(d)); });
      });
      // The refusing peer runs in this process, as in the case that found it: its 400 and FIN
      // then reach libcurl in the same action, which closes the socket before the error is made.
      const peer = net.createServer((s) => {
        s.on('error', () => {});
        s.once('data', () => s.end('HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n'));
      });
      peer.listen(0, '127.0.0.1', () => connect('ws://127.0.0.1:' + peer.address().port + '/').then(
        () => { console.log('RESULT opened'); process.exit(1); },
        async (err) => {
          delete Object.prototype.status;
          if (!made) { console.log('RESULT the setter never ran'); process.exit(1); }
          const answers = await Promise.all(pipes.map(ask));
          for (const server of made) server.close();
          console.log('RESULT ' + err.code + ' ' + [...new Set(answers)].join(','));
          process.exit(0);
        },
      ));`;
    for (let i = 0; i < 5; i++) {
      const { out, code } = await startNodeChild(script).exited;
      expect({ code, result: /RESULT (.*)/.exec(out)?.[1] }).toEqual({ code: 0, result: 'WS_ERR_UNEXPECTED_RESPONSE accepted' });
    }
  });

  it('curlws/curl: a refused CONNECT_ONLY perform(), then a Node socket opened from the rejection still works', async () => {
    for (let i = 0; i < 30; i++) {
      const easy = new Easy();
      easy.setopt('CURLOPT_URL', `${base}/reject`);
      easy.setopt('CURLOPT_CONNECT_ONLY', 2);
      const echoed = await easy.perform().then(
        () => Promise.reject(new Error('perform() resolved against a 400')),
        () => nodeRoundTrip(),
      );
      easy.close();
      expect(echoed).toBe('ping');
    }
  });

  it('aborted during the handshake: rejects with AbortError, then a Node socket still works', async () => {
    for (let i = 0; i < 20; i++) {
      const ac = new AbortController();
      const pending = connect(`${base}/hold`, { signal: ac.signal });
      setTimeout(() => ac.abort(), i % 5);
      const err = await pending.then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.name).toBe('AbortError');
      expect(await nodeRoundTrip()).toBe('ping');
    }
  });
});

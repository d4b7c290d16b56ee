// A minimal RFC 6455 echo server on node:net / node:tls + node:crypto, so the install test needs
// no `ws` in the throwaway project. Echoes every message (reassembled) with its opcode, answers
// PING with PONG, answers CLOSE with the same code and reason, selects the first subprotocol
// offered. Not a conformance peer: just enough for a real conversation.
//
//   const srv = await startEchoServer();                       // ws://127.0.0.1:<port>
//   const srv = await startEchoServer({ key, cert });          // wss://localhost:<port>
//   srv.url; await srv.close();
import net from 'node:net';
import tls from 'node:tls';
import { BAD_REQUEST, readUpgradeRequest, switchingProtocols } from './ws-handshake.mjs';

function frame(opcode, payload) {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(len));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

function onSocket(sock) {
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let msgOpcode = 0;
  let parts = [];
  sock.on('error', () => {});
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const head = readUpgradeRequest(buf);
      if (!head) return;
      buf = head.rest;
      if (!head.key) {
        sock.end(BAD_REQUEST);
        return;
      }
      const protocol = head.headers['sec-websocket-protocol']?.split(',')[0].trim();
      sock.write(switchingProtocols(head.key, { protocol }));
      upgraded = true;
    }
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0] & 0x80) !== 0;
      const opcode = buf[0] & 0x0f;
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
      if (opcode === 0x8) {
        // CLOSE: answer with the same status, then close the TCP connection
        sock.end(frame(0x8, payload));
        return;
      }
      if (opcode === 0x9) {
        sock.write(frame(0xa, payload));
        continue;
      }
      if (opcode === 0xa) continue;
      if (opcode !== 0) msgOpcode = opcode;
      parts.push(payload);
      if (fin) {
        sock.write(frame(msgOpcode, Buffer.concat(parts)));
        parts = [];
      }
    }
  });
}

export function startEchoServer(tlsOptions) {
  const sockets = new Set();
  const server = tlsOptions ? tls.createServer(tlsOptions, onSocket) : net.createServer(onSocket);
  server.on(tlsOptions ? 'secureConnection' : 'connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: tlsOptions ? `wss://localhost:${port}` : `ws://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

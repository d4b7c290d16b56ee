// Runs inside the throwaway project of scripts/install-test.mjs: the installed package, loaded as
// an ES module, holds real conversations with a local echo server (ws: and, when the test made a
// certificate, wss: on Node's own OpenSSL) through connect(), WebSocket and curlws/ws.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import * as curlws from 'curlws';
import curlwsDefault, { connect, WebSocket, versions } from 'curlws';
import WsWebSocket from 'curlws/ws';
import { Easy, CURLE_AGAIN, CURLE_OK, CURLWS_PING, CURLWS_PONG, CURLWS_TEXT, version as curlVersion } from 'curlws/curl';
import { startEchoServer } from './echo-server.mjs';

const require = createRequire(import.meta.url);
assert.equal(connect, require('curlws').connect, 'import and require give different instances');
assert.equal(curlwsDefault, require('curlws'), 'the default export is not the CommonJS module');
assert.equal(WsWebSocket, require('curlws/ws'), "import 'curlws/ws' is not require('curlws/ws')");
assert.equal((await import('curlws')).connect, connect);
assert.equal(Easy, require('curlws/curl').Easy, "import 'curlws/curl' is not require('curlws/curl')");
assert.ok(Object.keys(curlws).length > 10, 'few named exports');

const within = (ms, what, p) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);
const report = { esm: 'ok', exports: Object.keys(curlws).length, node: `${process.version} ${process.arch}` };

async function conversation(url, opts) {
  const conn = await connect(`${url}/echo`, { protocols: ['echo'], ...opts });
  assert.equal(conn.protocol, 'echo');
  assert.equal(conn.handshake.status, 101);
  const next = () => once(conn, 'message');
  let got = next();
  await conn.send('hello from the installed package');
  assert.deepEqual(await within(5000, 'text echo', got), ['hello from the installed package', false]);
  got = next();
  await conn.send(Buffer.from('deadbeef', 'hex'));
  const [bin, isBinary] = await within(5000, 'binary echo', got);
  assert.ok(isBinary && Buffer.isBuffer(bin) && bin.toString('hex') === 'deadbeef', 'binary echo differs');
  const big = 'x'.repeat(200_000);
  got = next();
  await conn.send(big);
  assert.equal((await within(5000, 'large echo', got))[0], big);
  const pong = once(conn, 'pong');
  await conn.ping('are you there?');
  assert.equal((await within(5000, 'pong', pong))[0].toString(), 'are you there?');
  const closed = await within(5000, 'close', conn.close(1000, 'bye'));
  assert.deepEqual({ ...closed }, { code: 1000, reason: 'bye', wasClean: true });
  return { tls: conn.handshake.tls ? `${conn.handshake.tls.version} ${conn.handshake.tls.cipher}` : undefined };
}

async function whatwg(url, opts) {
  const ws = new WebSocket(`${url}/whatwg`, [], opts);
  await within(5000, 'WebSocket open', once(ws, 'open'));
  ws.send('whatwg');
  const [ev] = await within(5000, 'WebSocket message', once(ws, 'message'));
  assert.equal(ev.data, 'whatwg');
  ws.close(1000);
  const [ce] = await within(5000, 'WebSocket close', once(ws, 'close'));
  assert.ok(ce.wasClean && ce.code === 1000, `WebSocket close: ${ce.code} clean=${ce.wasClean}`);
}

async function wsCompat(url, opts) {
  const ws = new WsWebSocket(`${url}/ws`, opts);
  await within(5000, 'curlws/ws open', once(ws, 'open'));
  ws.send('ws-compat');
  const [data, isBinary] = await within(5000, 'curlws/ws message', once(ws, 'message'));
  assert.equal(isBinary, false);
  assert.equal(data.toString(), 'ws-compat');
  ws.close(1000, 'done');
  const [code, reason] = await within(5000, 'curlws/ws close', once(ws, 'close'));
  assert.equal(code, 1000);
  assert.equal(reason.toString(), 'done');
}

// curlws/curl: libcurl's easy API, CONNECT_ONLY, as in libcurl's websocket.c
async function lowLevel(url, ca) {
  const curl = new Easy();
  curl.setopt('CURLOPT_URL', `${url}/curl`);
  curl.setopt('CURLOPT_CONNECT_ONLY', 2);
  if (ca) curl.setopt('CURLOPT_CAINFO_BLOB', Buffer.from(ca));
  await within(5000, 'curlws/curl perform', curl.perform());
  const recv = async () => {
    const buf = Buffer.alloc(256);
    for (;;) {
      const r = curl.wsRecv(buf);
      if (r.result === CURLE_AGAIN) {
        await within(5000, 'curlws/curl readable', curl.wsReadable());
        continue;
      }
      return { data: buf.toString('utf8', 0, r.nread), flags: r.meta.flags };
    }
  };
  assert.deepEqual(curl.wsSend(Buffer.from('low level'), CURLWS_TEXT), { result: CURLE_OK, sent: 9 });
  assert.deepEqual(await recv(), { data: 'low level', flags: CURLWS_TEXT });
  curl.wsSend(Buffer.from('foobar'), CURLWS_PING);
  assert.deepEqual(await recv(), { data: 'foobar', flags: CURLWS_PONG });
  curl.close();
}

// CURLWS_INSTALL_TEST_ECHO_URL(S): echo servers already running in another process (the arm64
// load test runs this file in an emulated arm64 Node against the host's x64 Node)
const running = (url) => ({ url, close: async () => {} });
const plain = process.env.CURLWS_INSTALL_TEST_ECHO_URL ? running(process.env.CURLWS_INSTALL_TEST_ECHO_URL) : await startEchoServer();
try {
  await conversation(plain.url);
  await whatwg(plain.url);
  await wsCompat(plain.url);
  await lowLevel(plain.url);
  report.ws = `ok (${plain.url}: connect text/binary/200 kB/ping/close, WebSocket, curlws/ws, curlws/curl on ${curlVersion()})`;
} finally {
  await plain.close();
}

const certDir = process.env.CURLWS_INSTALL_TEST_CERTS;
if (certDir && existsSync(`${certDir}/cert.pem`)) {
  const cert = readFileSync(`${certDir}/cert.pem`, 'utf8');
  const secure = process.env.CURLWS_INSTALL_TEST_ECHO_URLS
    ? running(process.env.CURLWS_INSTALL_TEST_ECHO_URLS)
    : await startEchoServer({ cert, key: readFileSync(`${certDir}/key.pem`, 'utf8') });
  try {
    const { tls } = await conversation(secure.url, { tls: { ca: cert } });
    await whatwg(secure.url, { tls: { ca: cert } });
    await wsCompat(secure.url, { ca: cert });
    await lowLevel(secure.url, cert);
    report.wss = `ok (${secure.url}: ${tls}, ${versions.ssl}; Node has OpenSSL ${process.versions.openssl})`;
  } finally {
    await secure.close();
  }
} else {
  report.wss = 'skipped (no openssl CLI to make a certificate)';
}

console.log(JSON.stringify(report));

// The quick-start demo: starts a local WebSocket echo server (npm `ws`, a different
// implementation than ours) and holds a conversation with it through curlws/libcurl.
// Run: npm run demo
import { WebSocketServer } from 'ws';
import { connect, versions } from '../dist/index.mjs';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('echo') ? 'echo' : false) });
server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
await new Promise((resolve) => server.once('listening', resolve));
const url = `ws://127.0.0.1:${server.address().port}/demo`;

console.log(`curlws ${versions.curlws} on libcurl ${versions.libcurl} (${versions.ssl}, zlib ${versions.libz})`);
const conn = await connect(url, { protocols: ['echo'] });
console.log(
  `connected to ${url}: HTTP ${conn.handshake.status}, subprotocol "${conn.protocol}",`,
  `handshake ${conn.handshake.timings.total.toFixed(2)} ms`,
);

conn.on('pong', (payload) => console.log(`pong: "${payload}"`));
await conn.ping('are you there?');

await conn.send('hello from libcurl');
await conn.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
let received = 0;
for await (const { data, binary } of conn) {
  console.log(binary ? `binary echo: ${data.toString('hex')}` : `text echo: ${data}`);
  if (++received === 2) break;
}

const t0 = performance.now();
const count = 10_000;
let echoed = 0;
const all = new Promise((resolve) => conn.on('message', () => ++echoed === count && resolve()));
for (let i = 0; i < count; i++) conn.send(`message ${i}`);
await all;
console.log(`${count} echoes in ${(performance.now() - t0).toFixed(1)} ms`);

const { code, reason, wasClean } = await conn.close(1000, 'demo done');
console.log(`closed: ${code} "${reason}" clean=${wasClean}`);
server.close();

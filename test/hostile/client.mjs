// The client side of test/hostile/, run in a child process (usually under `ulimit -v`, so an
// allocation the engine should not make fails here, not in the test runner).
//
// Input (argv[2], JSON): { echoUrl, cases: [{ id, url, options, send? }] }; CURLWS_DIST names
// the package entry to load. It opens the echo connection and keeps one message in flight on it
// (counting round trips), opens every case's connection (in parallel) and records its events.
// Protocol on stdout, one line each:
//   READY {status, cases}   all cases are open (or failed to open)
//   RESULT {...}            after "finish" arrived on stdin and the echo connection did 20 more
//                           round trips (so everything the peer sent before has been read)
// `status` is VmSize/VmRSS/VmPeak in kB from /proc/self/status. A case with `send: N` sends an
// N-byte binary message once it is open (the send's outcome is recorded).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const { connect } = createRequire(import.meta.url)(process.env.CURLWS_DIST);
const input = JSON.parse(process.argv[2]);

function status() {
  const out = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmSize|VmRSS|VmPeak):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

const baseline = status();
let echoes = 0;
const echoWaiters = [];
const echo = await connect(input.echoUrl);
echo.on('message', () => {
  echoes++;
  for (const w of echoWaiters.splice(0)) w();
  if (echo.readyState === 1) echo.send(`echo ${echoes}`).catch(() => {});
});
echo.send('echo 0').catch(() => {});
const moreEchoes = (n) =>
  new Promise((resolve) => {
    const target = echoes + n;
    const check = () => (echoes >= target ? resolve() : echoWaiters.push(check));
    check();
  });

const results = {};
const conns = [];
await Promise.all(
  input.cases.map(async (c) => {
    const r = { events: [], messages: [] };
    results[c.id] = r;
    try {
      const conn = await connect(c.url, c.options ?? {});
      conns.push(conn);
      r.opened = true;
      conn.on('message', (data, isBinary) =>
        r.messages.push({ binary: isBinary, length: data.length, sha256: createHash('sha256').update(data).digest('hex') }),
      );
      conn.on('error', (err) => r.events.push({ type: 'error', code: err.code, closeCode: err.closeCode, message: err.message }));
      conn.on('close', (code) => r.events.push({ type: 'close', code }));
      r.state = () => conn.readyState;
      if (c.send) {
        try {
          await conn.send(Buffer.alloc(c.send, 7));
          r.send = 'ok';
        } catch (err) {
          r.send = err.code ?? String(err);
        }
      }
    } catch (err) {
      r.opened = false;
      r.openError = err.code ?? String(err);
    }
  }),
);
console.log(`READY ${JSON.stringify({ baseline, status: status(), echoes })}`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'finish') break;
const echoesAtFinish = echoes;
await moreEchoes(20);
for (const r of Object.values(results)) {
  r.readyState = r.state ? r.state() : -1;
  delete r.state;
}
console.log(`RESULT ${JSON.stringify({ baseline, status: status(), echoesAtFinish, echoes, cases: results })}`);
for (const c of conns) c.terminate();
echo.terminate();
lines.close();

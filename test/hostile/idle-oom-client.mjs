// The client side of test/hostile/idle-oom.test.ts (see there), in a child process so a crash
// is a failed exit, not a dead test runner.
//
// Input (argv[2], JSON): { url, connections, messages }. It opens `connections` connections to
// `${url}/burst` and as many to `${url}/quiet`, does one round trip on each (so each has read,
// drained and freed its receive chunk), then refuses libcurl's 64 KiB chunks (as if memory had
// run out) and prints IDLE; the test's server then sends every /burst connection `messages`
// messages. Once each of those has received them all or closed, close() is called on every
// /quiet connection (its first timer since it went idle, and a CLOSE frame to send). When all
// have closed, chunks are allowed again. Then timers are refused (as if `new` failed) and close()
// is called on every `${url}/timer` connection, idle as well: its close timeout needs a timer it
// cannot have. Finally timers are allowed again and one more connection does a round trip.
// Protocol on stdout: IDLE, then RESULT {...}.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { connect } = require(process.env.CURLWS_DIST);
const { binding } = require(path.join(path.dirname(process.env.CURLWS_DIST), 'core/native.js'));
const input = JSON.parse(process.argv[2]);
const sha = (data) => createHash('sha256').update(data).digest('hex');

/** Opens a connection, does one round trip and records what happens after it. */
async function open(target, expected) {
  const conn = await connect(`${input.url}/${target}`);
  const r = { events: [], messages: [] };
  let settle;
  r.settled = new Promise((resolve) => (settle = resolve));
  let echoed = null;
  const echo = new Promise((resolve) => (echoed = resolve));
  conn.on('message', (data) => {
    if (echoed) {
      echoed();
      echoed = null;
      return;
    }
    r.messages.push({ length: data.length, sha256: sha(data) });
    if (r.messages.length === expected) settle();
  });
  conn.on('error', (err) => r.events.push({ type: 'error', code: err.code, closeCode: err.closeCode, message: err.message }));
  conn.on('close', (code) => {
    r.events.push({ type: 'close', code });
    settle();
  });
  await conn.send(`hello ${target}`);
  await echo;
  return { conn, r };
}

const burst = [];
const quiet = [];
const timer = [];
for (let i = 0; i < input.connections; i++) {
  burst.push(await open('burst', input.messages));
  quiet.push(await open('quiet', -1));
  timer.push(await open('timer', -1));
}
// One more turn of the loop: the reads that found each connection drained have run.
await new Promise((resolve) => setImmediate(resolve));
binding.refuseChunksForTest(true);
console.log('IDLE');
await Promise.all(burst.map(({ r }) => r.settled));

/** Calls close() on each connection: 'ok', or the code of what it threw. */
function closeAll(list) {
  return list.map(({ conn }) => {
    try {
      conn.close(1000);
      return 'ok';
    } catch (err) {
      return err.code ?? String(err);
    }
  });
}
const closeCalls = closeAll(quiet);
await Promise.all(quiet.map(({ r }) => r.settled));
binding.refuseChunksForTest(false);

binding.refuseTimersForTest(true);
const timerCloseCalls = closeAll(timer);
await Promise.all(timer.map(({ r }) => r.settled));
binding.refuseTimersForTest(false);

const fresh = await open('fresh', -1);
const freshEcho = new Promise((resolve) => fresh.conn.once('message', (data) => resolve(String(data))));
await fresh.conn.send('after the refusal');
const echo = await freshEcho;
fresh.conn.close(1000);
await fresh.r.settled;
const strip = ({ conn, r: { settled, ...rest } }) => ({ ...rest, readyState: conn.readyState });
console.log(
  `RESULT ${JSON.stringify({ burst: burst.map(strip), quiet: quiet.map(strip), closeCalls, timer: timer.map(strip), timerCloseCalls, echo, fresh: strip(fresh) })}`,
);

// The client side of test/hostile/ending-oom.test.ts (see there), in a child process so a crash
// is a failed exit, not a dead test runner.
//
// Input (argv[2], JSON): { url, closedUrl }. Runs every scenario twice: with the session's error
// and close record allocated as usual, then with `refuseEndingsForTest(true)` (it cannot be
// allocated, as with no memory left). A scenario either fails connect() (recorded as `rejected`)
// or opens, turns the refusal on or off, sends "go" and records its events until 'close'.
// Protocol on stdout: RESULT {...}.
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { connect } = require(process.env.CURLWS_DIST);
const { binding } = require(path.join(path.dirname(process.env.CURLWS_DIST), 'core/native.js'));
const input = JSON.parse(process.argv[2]);

/** connect() that must fail: its error's code, name and status. */
async function rejected(url, options) {
  try {
    const conn = await connect(url, options);
    conn.terminate();
    return { opened: true };
  } catch (err) {
    return { rejected: { name: err.name, code: err.code, status: err.status } };
  }
}

/** Opens, sends "go" (the server then acts), records the events until 'close'. */
async function opened(target, act) {
  const conn = await connect(`${input.url}/${target}`);
  const events = [];
  const closed = new Promise((resolve) => {
    conn.on('error', (err) => events.push({ type: 'error', code: err.code, closeCode: err.closeCode }));
    conn.on('close', (code, reason, wasClean) => {
      events.push({ type: 'close', code, reason, wasClean });
      // A second 'close' would be recorded here before the result is printed.
      setTimeout(resolve, 50);
    });
  });
  await conn.send('go');
  act?.(conn);
  await closed;
  return { events, readyState: conn.readyState };
}

const scenarios = {
  // The handshake is refused (403): the record holds the status and headers.
  refused: () => rejected(`${input.url}/refuse`),
  // Nothing listens: libcurl's error, no HTTP status.
  unreachable: () => rejected(input.closedUrl),
  // Aborted while the server holds the upgrade: the handshake ends without an error of the session.
  aborted: () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    return rejected(`${input.url}/slow`, { signal: ac.signal });
  },
  // Open, then the peer breaks the protocol: our first error while open.
  protocol: () => opened('bad'),
  // Open, then the peer closes with a reason: the reason of 'close'.
  peerClose: () => opened('bye'),
  // Open, then our close() with a reason (the peer echoes code and reason).
  ourClose: () => opened('echo', (conn) => conn.close(4001, 'ours')),
};

const result = {};
for (const refuse of [false, true]) {
  const mode = refuse ? 'refused' : 'allowed';
  result[mode] = {};
  for (const [name, run] of Object.entries(scenarios)) {
    binding.refuseEndingsForTest(refuse);
    try {
      result[mode][name] = await run();
    } finally {
      binding.refuseEndingsForTest(false);
    }
  }
}
// The refusal is over: a new connection works.
const conn = await connect(`${input.url}/echo`);
await conn.send('after');
result.after = await new Promise((resolve) => conn.once('message', (data) => resolve(String(data))));
await conn.close();
console.log(`RESULT ${JSON.stringify(result)}`);

// Errors thrown by application listeners, and worker_threads cases test/native/teardown.test.ts
// does not cover (workers that end on their own, a worker exiting from inside a message handler
// during a flood, the main thread busy meanwhile). Each scenario runs in its own process or
// worker: a crash shows up as a failed exit, an uncaught exception is what we assert on.
//
// The contract (docs/reliability.md): a listener that throws is reported the way Node reports
// it for its own emitters driven by I/O — as an uncaught exception ('uncaughtException'); as
// with any EventEmitter the throw ends that one emit (later listeners miss that event), while
// EventTarget (the WHATWG WebSocket) still calls them — and the connection is unaffected.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';
import { type ChildResult, runScript } from '../helpers/child.js';
import { rawTarget } from '../helpers/raw.js';

const dist = path.resolve(__dirname, '../../dist/index.js');
const echoUrl = inject('wsEchoUrl');

function runChild(script: string): Promise<ChildResult> {
  return runScript(script, { env: { ECHO_URL: echoUrl } });
}

describe('listeners that throw', () => {
  it('surface as uncaught exceptions; every API keeps delivering and closes cleanly', async () => {
    const r = await runChild(`
      const { connect, WebSocket, WsWebSocket, ReconnectingWebSocket } = require(process.env.CURLWS_DIST);
      const url = process.env.ECHO_URL;
      const uncaught = [];
      process.on('uncaughtException', (e) => uncaught.push(e.message));
      const tick = () => new Promise((r) => setTimeout(r, 5));
      (async () => {
        const out = {};

        const c = await connect(url);
        const got = [];
        c.on('message', (m) => { got.push(m); if (got.length === 1) throw new Error('Connection message'); });
        c.on('message', (m) => got.push('second listener ' + m));
        await c.send('a'); await c.send('b');
        while (got.length < 3) await tick();
        c.on('close', () => { throw new Error('Connection close'); });
        const closed = await c.close(1000);
        out.connection = { got, wasClean: closed.wasClean };

        const ws = new WebSocket(url);
        const wsGot = [];
        ws.onopen = () => { ws.send('x'); ws.send('y'); throw new Error('WebSocket open'); };
        ws.onmessage = (e) => {
          wsGot.push(e.data);
          if (wsGot.length === 1) throw new Error('WebSocket message');
          ws.close(1000);
        };
        out.whatwg = await new Promise((r) => (ws.onclose = (e) => r({ got: wsGot, code: e.code })));

        const w = new WsWebSocket(url);
        const wGot = [];
        w.on('open', () => { w.send('p'); w.send('q'); throw new Error('ws open'); });
        w.on('message', (d) => {
          wGot.push(String(d));
          if (wGot.length === 1) throw new Error('ws message');
          w.close(1000);
        });
        out.ws = await new Promise((r) => w.on('close', (code) => r({ got: wGot, code })));

        const rws = new ReconnectingWebSocket(url);
        const opened = new Promise((r) => rws.once('open', r));
        rws.on('open', () => { throw new Error('ReconnectingWebSocket open'); });
        await opened;
        const echoed = new Promise((r) => rws.once('message', r));
        await rws.send('still works');
        out.reconnecting = { echoed: await echoed, closed: await rws.close(1000) };

        await tick();
        console.log(JSON.stringify({ out, uncaught: uncaught.sort() }));
      })();`);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result.out).toEqual({
      // EventEmitter semantics: the throw ends that emit, so the second listener misses 'a' only.
      connection: { got: ['a', 'b', 'second listener b'], wasClean: true },
      whatwg: { got: ['x', 'y'], code: 1000 },
      ws: { got: ['p', 'q'], code: 1000 },
      reconnecting: { echoed: 'still works', closed: { code: 1000, reason: '', wasClean: true } },
    });
    expect(result.uncaught).toEqual([
      'Connection close',
      'Connection message',
      'ReconnectingWebSocket open',
      'WebSocket message',
      'WebSocket open',
      'ws message',
      'ws open',
    ]);
  });

  it("without an uncaughtException handler the process dies with the listener's error (as Node does), not a native crash", async () => {
    const r = await runChild(`
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        const c = await connect(process.env.ECHO_URL);
        c.on('message', () => { throw new Error('boom from a listener'); });
        await c.send('x');
      })();`);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.out).toContain('boom from a listener');
  });
});

describe('worker_threads', () => {
  const naturalEnd = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { connect } = require(workerData.dist);
    (async () => {
      const conns = await Promise.all([1, 2, 3].map(() => connect(workerData.url)));
      for (const c of conns) {
        const got = new Promise((r) => c.once('message', r));
        await c.send('w');
        await got;
      }
      const results = await Promise.all(conns.map((c) => c.close(1000)));
      parentPort.postMessage(results.every((r) => r.wasClean));
    })();`;

  it('several workers load the addon at once, work, close, and exit on their own (code 0) while the main thread is busy', async () => {
    const { connect } = await import(dist);
    const main = await connect(echoUrl);
    let echoes = 0;
    main.on('message', () => echoes++);
    let sent = 0;
    const busy = setInterval(() => {
      sent++;
      main.send(`main ${sent}`).catch(() => {});
    }, 2);
    const runs = [1, 2, 3, 4].map(
      () =>
        new Promise<{ clean: boolean; exitCode: number }>((resolve, reject) => {
          const w = new Worker(naturalEnd, { eval: true, workerData: { dist, url: echoUrl } });
          let clean = false;
          w.once('error', reject);
          w.once('message', (m: boolean) => (clean = m));
          w.once('exit', (exitCode) => resolve({ clean, exitCode }));
        }),
    );
    const results = await Promise.all(runs);
    clearInterval(busy);
    expect(results).toEqual(Array(4).fill({ clean: true, exitCode: 0 }));
    while (echoes < sent) await new Promise((r) => setTimeout(r, 5));
    expect(echoes).toBe(sent);
    expect((await main.close(1000)).wasClean).toBe(true);
  });

  it('a worker that calls process.exit() inside a message handler during a flood exits with its code', async () => {
    const url = rawTarget('/many', { count: 200_000, size: 32 }).url;
    const exitCodes = await Promise.all(
      [5, 6].map(
        (code) =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(
              `const { workerData } = require('node:worker_threads');
               const { connect } = require(workerData.dist);
               connect(workerData.url).then((c) => {
                 let n = 0;
                 c.on('message', () => { if (++n === 100) process.exit(workerData.code); });
               });`,
              { eval: true, workerData: { dist, url, code } },
            );
            w.once('error', reject);
            w.once('exit', resolve);
          }),
      ),
    );
    expect(exitCodes).toEqual([5, 6]);
  });
});

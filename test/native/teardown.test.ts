// Native teardown: environments that go away with connections open, workers loading the addon
// concurrently, process.exit, and GC of connections the application no longer references.
// Each scenario runs in its own process or worker so a crash shows up as a failed exit, not as
// a dead test runner.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';
import { type ChildResult, runScript } from '../helpers/child.js';

const dist = path.resolve(__dirname, '../../dist/index.js');
const echoUrl = inject('wsEchoUrl');

function runChild(script: string, nodeArgs: string[] = []): Promise<ChildResult> {
  return runScript(script, { nodeArgs, env: { ECHO_URL: echoUrl } });
}

// Opens five connections and a sixth handshake, echoes one message, then ends as told.
const workerScript = `
const { parentPort, workerData } = require('node:worker_threads');
const { connect } = require(workerData.dist);
(async () => {
  const conns = [];
  for (let i = 0; i < 5; i++) conns.push(await connect(workerData.url));
  const echoed = new Promise((r) => conns[0].once('message', r));
  await conns[0].send('from worker');
  parentPort.postMessage(String(await echoed));
  connect(workerData.url).catch(() => {});
  if (workerData.end === 'exit') process.exit(7);
})();
`;

function startWorker(end: 'terminate' | 'exit'): Promise<{ echoed: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerScript, { eval: true, workerData: { dist, url: echoUrl, end } });
    let echoed = '';
    w.once('error', reject);
    w.once('message', (m: string) => {
      echoed = m;
      if (end === 'terminate') void w.terminate();
    });
    w.once('exit', (exitCode) => resolve({ echoed, exitCode }));
  });
}

describe('environment teardown', () => {
  it('a worker terminated with open connections and a handshake in flight exits cleanly', async () => {
    for (let round = 0; round < 3; round++) {
      const r = await startWorker('terminate');
      expect(r.echoed).toBe('from worker');
      expect(r.exitCode).toBe(1); // terminate() reports 1
    }
  });

  it('a worker calling process.exit() with open connections exits with its code', async () => {
    const r = await startWorker('exit');
    expect(r.echoed).toBe('from worker');
    expect(r.exitCode).toBe(7);
  });

  it('several workers load the addon and tear down at the same time', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => startWorker('terminate')));
    expect(results.map((r) => r.echoed)).toEqual(Array(4).fill('from worker'));
    // The addon in this (main) environment still works afterwards.
    const { connect } = await import(dist);
    const conn = await connect(echoUrl);
    const echoed = new Promise((r) => conn.once('message', r));
    await conn.send('main still works');
    expect(await echoed).toBe('main still works');
    expect((await conn.close(1000)).wasClean).toBe(true);
  });

  it('process.exit() with open connections ends the process with that code, no crash', async () => {
    const r = await runChild(`
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        const a = await connect(process.env.ECHO_URL);
        const b = await connect(process.env.ECHO_URL);
        await a.send('x'); b.send(Buffer.alloc(1 << 20));
        process.exit(3);
      })();`);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
  });

  it('a process whose connections are all closed exits on its own (no leaked handles)', async () => {
    const r = await runChild(`
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        const conns = await Promise.all([1, 2, 3].map(() => connect(process.env.ECHO_URL)));
        for (const c of conns) {
          const got = new Promise((r) => c.once('message', r));
          await c.send('bye');
          await got;
          await c.close(1000);
        }
        // A failed handshake must not leave a handle behind either.
        await connect('ws://127.0.0.1:1/').catch((e) => console.log('refused', e.code));
        console.log('done');
      })();`);
    expect(r.out).toContain('refused CURLE_COULDNT_CONNECT');
    expect(r.out).toContain('done');
    expect(r.code).toBe(0);
  });

  it('an open connection the application dropped is not collected: it still delivers and closes', async () => {
    const r = await runChild(
      `
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        await (async () => {
          const c = await connect(process.env.ECHO_URL);
          c.on('message', (m) => { console.log('message', m); c.close(1000); });
          c.on('close', (code) => console.log('close', code));
          setTimeout(() => c.send('after gc'), 50);
        })();
        for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
      })();`,
      ['--expose-gc'],
    );
    expect(r.out).toContain('message after gc');
    expect(r.out).toContain('close 1000');
    expect(r.code).toBe(0);
  });
});

describe('unref()', () => {
  it('an open connection after unref() does not keep the process alive; ref() makes it do so again', async () => {
    const unrefd = await runChild(`
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        const c = await connect(process.env.ECHO_URL);
        c.unref();
        c.on('message', (m) => console.log('message', String(m)));
        await c.send('still open');
        process.on('exit', () => console.log('exit with readyState', c.readyState));
      })();`);
    expect(unrefd.out).toContain('exit with readyState 1');
    expect(unrefd.code).toBe(0);

    const refd = await runChild(`
      const { connect } = require(process.env.CURLWS_DIST);
      (async () => {
        const c = await connect(process.env.ECHO_URL);
        c.unref().ref();
        // Still alive 200 ms later only because of the connection; then close it ourselves.
        setTimeout(() => { console.log('alive', c.readyState); c.close(1000); }, 200).unref();
      })();`);
    expect(refd.out).toContain('alive 1');
    expect(refd.code).toBe(0);
  });
});

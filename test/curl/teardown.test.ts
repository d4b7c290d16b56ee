// curlws/curl handles and environment teardown: an Easy collected without close() (connected,
// or with JS callbacks set) is cleaned up without calling JS and without crashing; workers
// terminated with handles connected, performing, waiting or inside callback-mode transfers exit
// cleanly. Each scenario runs in its own process or worker so a crash is a failed exit.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';
import { rawTarget, waitForSocketClosed } from '../helpers/raw';

const dist = path.resolve(__dirname, '../../dist/curl.js');

function runChild(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, '-e', script], {
      env: { ...process.env, CURL_DIST: dist, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('curlws/curl teardown', () => {
  it('Easy handles dropped without close() are collected: connections closed, no JS from the finalizer', async () => {
    const targets = Array.from({ length: 8 }, () => rawTarget('/echo'));
    const script = `
      const { Easy } = require(process.env.CURL_DIST);
      const urls = JSON.parse(process.env.URLS);
      let lateDebug = 0, dropped = false;
      // in a function of its own: a suspended async frame may keep its last locals alive
      async function openOne(url) {
        const e = new Easy();
        e.setopt('CURLOPT_URL', url);
        e.setopt('CURLOPT_CONNECT_ONLY', 2);
        e.setopt('CURLOPT_VERBOSE', 1);
        e.setopt('CURLOPT_DEBUGFUNCTION', () => { if (dropped) lateDebug++; });
        e.setopt('CURLOPT_WRITEFUNCTION', () => 0);
        await e.perform();
        e.wsRecv(Buffer.alloc(8)); // attach the connection to the handle
      }
      (async () => {
        for (const url of urls) await openOne(url);
        for (let i = 0; i < 50; i++) new Easy().setopt('CURLOPT_URL', 'ws://127.0.0.1:1/never');
        dropped = true;
        // the raw server must see every connection closed while this process still runs
        const http = require('node:http');
        const closed = (id) => new Promise((res) => http.get(process.env.CONTROL + '/log?id=' + id, (m) => {
          let s = ''; m.on('data', (d) => (s += d)); m.on('end', () => res(JSON.parse(s).socketClosed === true));
        }));
        let open = urls.length;
        for (let i = 0; i < 200 && open > 0; i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 20));
          open = (await Promise.all(JSON.parse(process.env.IDS).map(closed))).filter((c) => !c).length;
        }
        console.log(JSON.stringify({ lateDebug, open }));
      })();`;
    const r = await runChild(
      script,
      { URLS: JSON.stringify(targets.map((t) => t.url)), IDS: JSON.stringify(targets.map((t) => t.id)), CONTROL: inject('rawControlUrl') },
      ['--expose-gc'],
    );
    expect(r.signal, r.out).toBeNull();
    expect(r.out.trim().split('\n').pop(), r.out).toBe(JSON.stringify({ lateDebug: 0, open: 0 }));
    expect(r.code).toBe(0); // and it exited on its own: an idle connected Easy does not hold the loop
    for (const t of targets) expect((await waitForSocketClosed(t.id)).socketClosed).toBe(true);
  });

  it('a pending perform() or wsReadable() keeps the handle (and the process) alive until settled', async () => {
    const { url } = rawTarget('/greet-echo');
    const script = `
      const { Easy } = require(process.env.CURL_DIST);
      (() => {
        const e = new Easy();
        e.setopt('CURLOPT_URL', process.env.URL);
        e.setopt('CURLOPT_CONNECT_ONLY', 2);
        e.perform().then(async () => {
          global.gc();
          const buf = Buffer.alloc(64);
          let r;
          while ((r = e.wsRecv(buf)).result !== 0) { global.gc(); await e.wsReadable(); }
          console.log(buf.toString('utf8', 0, r.nread));
          e.close();
        });
      })();
      global.gc();`;
    const r = await runChild(script, { URL: url }, ['--expose-gc']);
    expect(r.out.trim()).toBe('hello');
    expect(r.code).toBe(0);
  });

  it('workers terminated (or exiting) with handles connected, performing, waiting and in callbacks exit cleanly', async () => {
    const urls = {
      echo: rawTarget('/echo').url,
      silence: rawTarget('/silence').url,
      greet: rawTarget('/greet-echo').url,
    };
    const workerScript = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Easy } = require(workerData.dist);
      (async () => {
        const connected = new Easy();
        connected.setopt('CURLOPT_URL', workerData.urls.echo);
        connected.setopt('CURLOPT_CONNECT_ONLY', 2);
        await connected.perform();
        connected.wsReadable().catch(() => {});
        const stuck = new Easy();
        stuck.setopt('CURLOPT_URL', workerData.urls.silence);
        stuck.setopt('CURLOPT_CONNECT_ONLY', 2);
        stuck.perform().catch(() => {});
        const cb = new Easy();
        cb.setopt('CURLOPT_URL', workerData.urls.greet);
        cb.setopt('CURLOPT_VERBOSE', 1);
        cb.setopt('CURLOPT_DEBUGFUNCTION', () => {});
        cb.setopt('CURLOPT_WRITEFUNCTION', (d) => {
          parentPort.postMessage(String(d));
          if (workerData.end === 'exit') process.exit(7);
          return d.length;
        });
        cb.perform().catch(() => {});
      })();`;
    const run = (end: 'terminate' | 'exit'): Promise<{ message: string; exitCode: number }> =>
      new Promise((resolve, reject) => {
        const w = new Worker(workerScript, { eval: true, workerData: { dist, urls, end } });
        let message = '';
        w.once('error', reject);
        w.once('message', (m: string) => {
          message = m;
          if (end === 'terminate') void w.terminate();
        });
        w.once('exit', (exitCode) => resolve({ message, exitCode }));
      });
    for (let i = 0; i < 3; i++) expect(await run('terminate')).toEqual({ message: 'hello', exitCode: 1 });
    expect(await run('exit')).toEqual({ message: 'hello', exitCode: 7 });
    const all = await Promise.all([run('terminate'), run('terminate'), run('terminate')]);
    expect(all.map((r) => r.message)).toEqual(['hello', 'hello', 'hello']);
  });

  it('a worker terminated while its JS callbacks are running inside libcurl exits cleanly', async () => {
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Easy } = require(workerData.dist);
      for (const url of workerData.urls) {
        const e = new Easy();
        e.setopt('CURLOPT_URL', url);
        e.setopt('CURLOPT_VERBOSE', 1);
        e.setopt('CURLOPT_DEBUGFUNCTION', () => { const t = Date.now(); while (Date.now() - t < 1); });
        let n = 0;
        e.setopt('CURLOPT_WRITEFUNCTION', (d) => {
          if (++n === 3) parentPort.postMessage('busy');
          const t = Date.now(); while (Date.now() - t < 2); // still inside libcurl when terminated
          return d.length;
        });
        e.perform().catch(() => {});
      }`;
    const exits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const urls = [1, 2, 3].map(() => rawTarget('/many', { count: 5000, size: 16 }).url);
      exits.push(
        await new Promise<number>((resolve, reject) => {
          const w = new Worker(script, { eval: true, workerData: { dist, urls } });
          w.once('message', () => setTimeout(() => void w.terminate(), i % 4));
          w.once('error', reject);
          w.once('exit', resolve);
        }),
      );
    }
    expect(exits).toEqual(Array(10).fill(1));
  });
});

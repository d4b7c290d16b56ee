// A worker terminated while large messages pour in: libcurl keeps delivering 64 KiB+ binary
// messages (the zero-copy path: external Buffers) while Node refuses to create JS values for the
// terminating environment. Found by the fuzz run under ASan (scripts/asan.sh): the message block
// leaked when the external Buffer could not be created. Here the worker must exit cleanly every
// time; under `npm run test:asan`, LeakSanitizer (test/setup/lsan-check.ts) checks nothing leaked.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';

const dist = path.resolve(__dirname, '../../dist/index.js');

// Four connections to a server that sends 60 binary messages of 70,085 bytes each at once; tells
// the parent at the first message, then keeps receiving until it is terminated.
const workerScript = `
const { parentPort, workerData } = require('node:worker_threads');
const { connect } = require(workerData.dist);
(async () => {
  for (let i = 0; i < 4; i++) {
    const c = await connect(workerData.url);
    c.on('message', (m) => parentPort.postMessage(m.length));
  }
})();
`;

function floodAndTerminate(url: string, delayMs: number): Promise<{ firstSize: number; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerScript, { eval: true, workerData: { dist, url } });
    let firstSize = 0;
    w.once('error', reject);
    w.once('message', (size: number) => {
      firstSize = size;
      setTimeout(() => void w.terminate(), delayMs);
    });
    w.once('exit', (exitCode) => resolve({ firstSize, exitCode }));
  });
}

describe('worker teardown during a flood of large messages', () => {
  it('the worker exits cleanly at any moment of the flood', { timeout: 60_000 }, async () => {
    const url = new URL('/many?count=60&size=70085', inject('rawUrl')).toString();
    for (const delay of [0, 1, 3, 7, 15, 30]) {
      const r = await floodAndTerminate(url, delay);
      expect(r.firstSize).toBe(70085);
      expect(r.exitCode).toBe(1); // terminate() reports 1
    }
  });
});

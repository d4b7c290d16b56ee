// A worker thread of the fuzz run: runs clients (clients.mjs) like the main thread, posting
// each finished record to the parent, until the parent terminates it at a random moment, with
// connections in every state. Connection indexes come from the parent, so the server's plans
// stay reproducible from the seed.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { runClient } from './clients.mjs';

const require = createRequire(import.meta.url);
const lib = require(workerData.dist);
const { seed, target, first, count, parallel } = workerData;

let next = first;
const lane = async () => {
  while (next < first + count) {
    const index = next++;
    const rec = await runClient(lib, target, seed, index);
    parentPort.postMessage(rec);
  }
};
await Promise.all(Array.from({ length: parallel }, lane));
parentPort.postMessage('done');

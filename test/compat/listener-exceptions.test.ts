/**
 * What an `open`, `message`, `close` or `error` listener throws surfaces as an uncaught exception
 * (process 'uncaughtException'), not as an unhandled rejection: the EventEmitter / EventTarget
 * contract, and what ws does. Each case runs in a child process (an uncaught exception ends it)
 * on ws, curlws/ws and curlws's WHATWG WebSocket.
 */
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startNodeChild } from '../helpers/child.js';

const wsEcho = inject('wsEchoUrl');
const wsPackage = path.resolve(__dirname, '../../node_modules/ws');

const script = `
const { IMPL, EVENT, TARGET, WS_PACKAGE } = process.env;
const report = (how) => (err) => {
  console.log(how + ' ' + (err && err.message));
  process.exit(0);
};
process.on('uncaughtException', report('uncaught'));
process.on('unhandledRejection', report('unhandled'));
const dist = process.env.CURLWS_DIST;
const Ctor =
  IMPL === 'ws' ? require(WS_PACKAGE) : IMPL === 'curlws/ws' ? require(require('path').join(dist, '../ws.js')) : require(dist).WebSocket;
const ws = new Ctor(TARGET);
const on = (type, fn) => (IMPL === 'whatwg' ? ws.addEventListener(type, fn) : ws.on(type, fn));
const boom = () => {
  throw new Error('boom in ' + EVENT);
};
if (EVENT === 'open') on('open', boom);
if (EVENT === 'message') {
  on('open', () => ws.send('x'));
  on('message', boom);
}
if (EVENT === 'close') {
  on('open', () => ws.close());
  on('close', boom);
}
on('error', EVENT === 'error' ? boom : () => {});
setTimeout(() => {
  console.log('nothing thrown');
  process.exit(1);
}, 10000);
`;

describe('an exception thrown in a listener is an uncaught exception', () => {
  for (const impl of ['ws', 'curlws/ws', 'whatwg']) {
    for (const event of ['open', 'message', 'close', 'error']) {
      it(`${impl}: '${event}'`, async () => {
        // port 1 on loopback: connection refused, for the 'error' case
        const target = event === 'error' ? 'ws://127.0.0.1:1/' : wsEcho;
        const child = startNodeChild(script, { IMPL: impl, EVENT: event, TARGET: target, WS_PACKAGE: wsPackage });
        const { code, out } = await child.exited;
        expect(out.trim()).toBe(`uncaught boom in ${event}`);
        expect(code).toBe(0);
      });
    }
  }
});

/**
 * Clients under test ("agents"), driven exactly like ws's test/autobahn.js: echo every message
 * with the same opcode, let the library answer pings, open the next case after `close`.
 *
 * Each agent is `{ name, open(url, hooks) }` where `open` resolves once the connection is over with
 * `{ code, reason, wasClean, error }` as the client saw it, and `hooks.onMessage(data)` can collect
 * messages (used for /getCaseCount).
 */
import { createRequire } from 'node:module';
import { cheatAgent } from './cheat-agent.mjs';

const require = createRequire(import.meta.url);

/** curlws, from the built dist/ (run `npm run build` first). */
export async function curlwsAgent(name = 'curlws', options = {}) {
  const { connect, versions } = require('../../dist/index.js');
  return {
    name,
    version: `curlws/${versions.curlws} libcurl/${versions.libcurl}${Object.keys(options).length ? ` ${JSON.stringify(options)}` : ''}`,
    open(url, { onMessage, echo = true, watchdogMs } = {}) {
      return new Promise((resolve) => {
        let conn;
        let error;
        let timer;
        let sendThrew;
        const done = (r) => {
          clearTimeout(timer);
          resolve(sendThrew ? { ...r, sendThrew } : r);
        };
        connect(url, options).then(
          (c) => {
            conn = c;
            if (watchdogMs) {
              timer = setTimeout(() => {
                error = `driver watchdog: connection still open after ${watchdogMs} ms, terminated`;
                conn.terminate();
              }, watchdogMs);
            }
            conn.on('message', (data, isBinary) => {
              onMessage?.(data, isBinary);
              if (!echo) return;
              try {
                conn.send(data).catch(() => {});
              } catch (e) {
                // The API promises a rejected Promise, not a throw; record it as a finding.
                sendThrew ??= `send() threw synchronously (readyState ${conn.readyState}): ${e.code ?? e.name}: ${e.message}`;
              }
            });
            conn.on('error', (e) => {
              error ??= `${e.code ?? e.name}: ${e.message}`;
            });
            conn.on('close', (code, reason, wasClean) => done({ code, reason: String(reason), wasClean, error }));
          },
          (e) => done({ code: null, reason: '', wasClean: false, error: `connect failed: ${e.code ?? e.name}: ${e.message}` }),
        );
      });
    },
  };
}

/** npm ws (the reference client: its own test/autobahn.js logic). */
export async function wsAgent(name = 'ws', options = {}) {
  const WebSocket = require('ws');
  const version = require('ws/package.json').version;
  return {
    name,
    version: `ws/${version}${Object.keys(options).length ? ` ${JSON.stringify(options)}` : ''}`,
    open(url, { onMessage, echo = true, watchdogMs } = {}) {
      return new Promise((resolve) => {
        let error;
        let timer;
        const ws = new WebSocket(url, options);
        if (watchdogMs) {
          timer = setTimeout(() => {
            error = `driver watchdog: connection still open after ${watchdogMs} ms, terminated`;
            ws.terminate();
          }, watchdogMs);
        }
        ws.on('message', (data, isBinary) => {
          onMessage?.(data, isBinary);
          if (echo) ws.send(data, { binary: isBinary });
        });
        ws.on('error', (e) => {
          error ??= `${e.code ?? e.name}: ${e.message}`;
        });
        ws.on('close', (code, reason) => {
          clearTimeout(timer);
          resolve({ code, reason: reason.toString(), wasClean: ws._closeFrameReceived && ws._closeFrameSent, error });
        });
      });
    },
  };
}

export const AGENTS = {
  curlws: () => curlwsAgent(),
  // curlws offering permessage-deflate (its own frame parser in raw mode): 12.x/13.x are graded,
  // and groups 1-10 run through the same parser.
  'curlws-deflate': () => curlwsAgent('curlws-deflate', { perMessageDeflate: true }),
  'curlws-deflate-params': () =>
    curlwsAgent('curlws-deflate-params', {
      perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 },
    }),
  // ws offers permessage-deflate by default (client_max_window_bits, no value): the reference
  // for the 12.x/13.x cases.
  ws: () => wsAgent(),
  // ws without the extension: 12.x/13.x graded UNIMPLEMENTED, groups 1-10 as with ws.
  'ws-nodeflate': () => wsAgent('ws-nodeflate', { perMessageDeflate: false }),
  // ws offering every parameter (server_no_context_takeover, client_no_context_takeover,
  // server_max_window_bits=10, client_max_window_bits=12): exercises the fuzzer's side of
  // each parameter, and policies clamped to the client's value.
  'ws-deflate-params': () =>
    wsAgent('ws-deflate-params', {
      perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 },
    }),
  // Clients that break a permessage-deflate promise on purpose: the fuzzer must fail them.
  'deflate-cheat-context': () => cheatAgent('deflate-cheat-context', 'context'),
  'deflate-cheat-window': () => cheatAgent('deflate-cheat-window', 'window'),
  'deflate-cheat-rsv1': () => cheatAgent('deflate-cheat-rsv1', 'rsv1-cont'),
  // ws ≥ 8.18 limits a message to 16384 fragments by default (1008 in 9.3.1/9.4.1, which send
  // 65536); this variant lifts the limit to validate the server's grading of those two cases.
  'ws-nolimit': () => wsAgent('ws-nolimit', { maxFragments: 0 }),
};

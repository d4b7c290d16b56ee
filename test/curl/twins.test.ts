// The examples' JavaScript twins against their C originals: examples/curl-updown.mjs (after
// libcurl's docs/examples/websocket-updown.c) and examples/curl-pause.mjs, each run next to the C
// program (test/curl/fixtures/, built against the bundled libcurl) against the same local server.
// Both must print the same events — frame types, lengths, payloads, order and pause points —
// and that output is checked too, so that both being wrong the same way fails.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { root } from '../helpers/native-build';
import { buildCurlProgram, cProgramsUnavailable, runProgram } from './c-programs';

const unavailable = cProgramsUnavailable();
if (unavailable && process.env.CI) throw new Error(`the C twins cannot run in CI: ${unavailable}`);

let base = '';
const server = createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  let messages = 0;
  ws.on('message', (data, isBinary) => {
    messages++;
    if (req.url === '/echo-once') {
      // echo, then hang up (FIN): a callback-mode transfer ends when the peer closes TCP
      ws.send(data, { binary: isBinary }, () => ws.terminate());
    } else if (req.url === '/burst') {
      // "hello" is answered with five messages; the next message ends the connection
      if (messages === 1) for (let i = 0; i < 5; i++) ws.send(`msg ${i}`);
      else ws.terminate();
    }
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise((resolve) => server.close(resolve));
});

/** The C program and the example, one after the other, against `url`. */
async function both(program: string, example: string, url: string): Promise<{ c: string; js: string }> {
  const c = await runProgram(buildCurlProgram(program), [url]);
  // the example runs on this Node with the environment as is (under test:asan: the ASan runtime)
  const js = await runProgram(process.execPath, [path.join(root, 'examples', example), url], process.env);
  expect(c.code, c.stderr).toBe(0);
  expect(js.code, js.stderr).toBe(0);
  return { c: c.stderr, js: js.stderr };
}

describe.skipIf(!!unavailable)('examples twins of C programs', () => {
  it('curl-updown.mjs prints what websocket-updown.c prints (READFUNCTION + wsStartFrame)', async () => {
    const { c, js } = await both('ws-updown', 'curl-updown.mjs', `${base}/echo-once`);
    expect(js).toBe(c);
    // the read with the message (a TEXT frame of 14 bytes), then the echo
    expect(js).toMatch(/^read\(len=\d+, left=14\)\nType: text\nText: Hello, friend!\n$/);
  });

  it('curl-pause.mjs prints what ws-pause.c prints (pause from both callbacks, resume inside and outside)', async () => {
    const { c, js } = await both('ws-pause', 'curl-pause.mjs', `${base}/burst`);
    expect(js).toBe(c);
    expect(js.split('\n')).toEqual([
      'send 5: hello',
      'text 5: msg 0',
      'pause receive at "msg 1"',
      'resume receive',
      'text 5: msg 1', // the refused chunk again, then the rest in order
      'text 5: msg 2',
      'text 5: msg 3',
      'text 5: msg 4',
      'resume send (was paused)',
      'send 5: got 5',
      'done: No error',
      '',
    ]);
  });
});

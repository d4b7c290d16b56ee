// wsRecv() with an empty buffer is curl_ws_recv() with buflen 0: libcurl's "peek". What libcurl
// really does is taken from a C program against the bundled libcurl (test/curl/fixtures/
// ws-peek.c): the same calls through easy.wsRecv() must print the same results, against the same
// server. (8.22: CURLE_OK with nread 0 and the next frame's meta, consuming nothing of a frame
// with payload; a zero-length frame is consumed by the peek.)
import { describe, expect, it } from 'vitest';
import { CURLE_AGAIN, CURLE_OK, Easy } from '../../lib/curl';
import type { CurlWsFrame } from '../../lib/curl';
import { rawTarget } from '../helpers/raw';
import { buildCurlProgram, cProgramsUnavailable, runProgram } from './c-programs';

const unavailable = cProgramsUnavailable();
if (unavailable && process.env.CI) throw new Error(`the C program cannot run in CI: ${unavailable}`);

function show(what: string, result: number, nread: number, m: CurlWsFrame | null, data?: Buffer): string {
  let line = `${what} rc=${result} nread=${nread}`;
  if (result === CURLE_OK && m) line += ` flags=${m.flags} offset=${m.offset} bytesleft=${m.bytesleft} len=${m.len}`;
  if (data) line += ` data=${data.toString('latin1', 0, nread)}`;
  return `${line}\n`;
}

/** ws-peek.c in JavaScript: an empty buffer and a 100-byte one in turn. */
async function peekTwin(url: string, empty: Uint8Array = Buffer.alloc(0)): Promise<string> {
  const easy = new Easy();
  easy.setopt('CURLOPT_URL', url);
  easy.setopt('CURLOPT_CONNECT_ONLY', 2);
  await easy.perform();
  const buf = Buffer.alloc(100);
  let out = '';
  for (let calls = 0; calls < 40; ) {
    const peek = calls % 2 === 0;
    const r = easy.wsRecv(peek ? empty : buf);
    if (r.result === CURLE_AGAIN) {
      await easy.wsReadable();
      continue;
    }
    calls++;
    out += show(peek ? 'peek' : 'read', r.result, r.nread, r.meta, peek ? undefined : buf);
    const text = buf.toString('latin1', 0, r.nread);
    if (!peek && (text === 'end' || text === 'hello')) break;
  }
  easy.close();
  return out;
}

describe.skipIf(!!unavailable)('wsRecv() with an empty buffer (curl_ws_recv with buflen 0)', () => {
  it('peeks at the next frame without consuming its payload, as the C program shows', async () => {
    const url = rawTarget('/greet-echo').url;
    const c = await runProgram(buildCurlProgram('ws-peek'), [url]);
    expect(c.code, c.stderr).toBe(0);
    const js = await peekTwin(rawTarget('/greet-echo').url);
    expect(js).toBe(c.stderr);
    expect(js).toBe(
      'peek rc=0 nread=0 flags=1 offset=0 bytesleft=5 len=0\nread rc=0 nread=5 flags=1 offset=0 bytesleft=0 len=5 data=hello\n',
    );
  });

  it('consumes zero-length frames, as the C program shows (no endless loop)', async () => {
    const c = await runProgram(buildCurlProgram('ws-peek'), [rawTarget('/zero-length').url]);
    expect(c.code, c.stderr).toBe(0);
    const js = await peekTwin(rawTarget('/zero-length').url);
    expect(js).toBe(c.stderr);
    // the empty TEXT and BINARY frames are each returned once, then "end" arrives
    expect(js).toMatch(/^peek rc=0 nread=0 flags=1 .*len=0\n/);
    expect(js).toMatch(/data=end\n$/);
  });

  it('a detached buffer is an empty one', async () => {
    const detached = new Uint8Array(new ArrayBuffer(8));
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(detached.byteLength).toBe(0);
    expect(await peekTwin(rawTarget('/greet-echo').url, detached)).toBe(
      'peek rc=0 nread=0 flags=1 offset=0 bytesleft=5 len=0\nread rc=0 nread=5 flags=1 offset=0 bytesleft=0 len=5 data=hello\n',
    );
  });
});

/*
 * TypeScript twin of libcurl's docs/examples/websocket.c ("WebSocket using CONNECT_ONLY"),
 * kept line for line so the two read side by side. The differences are Node's:
 *   - curl_easy_perform() becomes `await curl.perform()` (asynchronous, on the event loop);
 *   - "sleep(1) ... either select() on socket or max timeout would be good here" becomes
 *     `await curl.wsWritable()` / `await curl.wsReadable()`, which is that select();
 *   - real errors (anything but CURLE_OK and CURLE_AGAIN) throw a CurlError instead of being
 *     returned, so the "else break" branches are the catch in main().
 *
 * The build compiles it to dist/examples/websocket.js (shipped in the package), so it runs with
 * plain Node: `node dist/examples/websocket.js ws://127.0.0.1:8080/` (in an installed package:
 * node_modules/curlws/dist/examples/websocket.js). test/curl/ runs it in-process and
 * test/integration/examples.test.ts runs the compiled file, against local servers.
 */
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CURLE_AGAIN,
  CURLE_OK,
  CURLWS_BINARY,
  CURLWS_CLOSE,
  CURLWS_PING,
  CURLWS_PONG,
  CURLWS_TEXT,
  CurlError,
  Easy,
  strerror,
} from 'curlws/curl';

let stderr: Writable = process.stderr;
function fprintf(stream: Writable, text: string): void {
  stream.write(text);
}

async function ping(curl: Easy, send_payload: string): Promise<number> {
  let result = CURLE_OK;
  let buf = Buffer.from(send_payload);
  let sent: number;

  while (buf.length) {
    ({ result, sent } = curl.wsSend(buf, CURLWS_PING));
    if (result === CURLE_OK) {
      buf = buf.subarray(sent); /* deduct what was sent */
    } else if (result === CURLE_AGAIN) { /* blocked on sending */
      fprintf(stderr, 'ws: sent PING blocked, waiting for the socket\n');
      await curl.wsWritable(); /* the select() on the socket */
    }
    /* a real error sending throws a CurlError */
  }
  if (result === CURLE_OK) fprintf(stderr, 'ws: sent PING with payload\n');
  return result;
}

async function recv_pong(curl: Easy, expected_payload: string): Promise<number> {
  const buffer = Buffer.alloc(256);

  for (;;) { /* retry: */
    const { result, nread: rlen, meta } = curl.wsRecv(buffer);
    if (result === CURLE_OK && meta) {
      /* on small PING content, this example assumes the complete
       * PONG content arrives in one go. Larger frames arrive
       * in chunks, however. */
      if (meta.flags & CURLWS_PONG) {
        const same = buffer.subarray(0, rlen).equals(Buffer.from(expected_payload));
        fprintf(stderr, `ws: received PONG with ${same ? 'same' : 'different'} payload back\n`);
      } else if (meta.flags & CURLWS_TEXT) {
        fprintf(stderr, `ws: received TEXT frame '${buffer.toString('utf8', 0, rlen)}'\n`);
      } else if (meta.flags & CURLWS_BINARY) {
        fprintf(stderr, `ws: received BINARY frame of ${rlen} bytes\n`);
      } else {
        /* some other frame arrived. */
        fprintf(stderr, `ws: received frame of ${rlen} bytes rflags ${meta.flags.toString(16)}\n`);
        continue; /* goto retry */
      }
      return result;
    } else if (result === CURLE_AGAIN) { /* blocked on receiving */
      fprintf(stderr, 'ws: PONG not there yet, waiting for the socket\n');
      await curl.wsReadable(); /* the select() on the socket */
      continue; /* goto retry */
    }
    return result;
  }
}

/* close the connection */
function websocket_close(curl: Easy): void {
  try {
    curl.wsSend(Buffer.alloc(0), CURLWS_CLOSE);
  } catch {
    /* (void) */
  }
}

async function websocket(curl: Easy, pauseMs: number): Promise<number> {
  let result: number;
  let i = 0;
  try {
    do {
      result = await ping(curl, 'foobar');
      if (result !== CURLE_OK) break;
      result = await recv_pong(curl, 'foobar');
      if (result !== CURLE_OK) break;
      await sleep(pauseMs);
    } while (i++ < 10);
  } catch (err) {
    if (!(err instanceof CurlError)) throw err;
    fprintf(stderr, `ws: ${err.code}: ${err.message}\n`);
    result = err.curlCode;
  }
  websocket_close(curl);
  return result;
}

/** `main(argv)` as in C; `options` exist for the tests (a 1 s pause would make them slow). */
export async function main(argv: readonly string[], options: { pauseMs?: number; stderr?: Writable } = {}): Promise<number> {
  if (options.stderr) stderr = options.stderr;
  let result: number;

  const curl = new Easy();
  if (argv.length === 2) curl.setopt('CURLOPT_URL', argv[1]!);
  else curl.setopt('CURLOPT_URL', 'wss://example.com');

  curl.setopt('CURLOPT_CONNECT_ONLY', 2); /* websocket style */

  try {
    /* Perform the request, result gets the return code */
    await curl.perform();
    /* connected and ready */
    result = await websocket(curl, options.pauseMs ?? 1000);
  } catch (err) {
    /* Check for errors */
    if (!(err instanceof CurlError)) throw err;
    fprintf(stderr, `curl_easy_perform() failed: ${strerror(err.curlCode)}\n`);
    result = err.curlCode;
  }

  /* always cleanup */
  curl.close();
  return result;
}

if (typeof require !== 'undefined' && require.main === module) {
  void main(process.argv.slice(1)).then((code) => process.exit(code));
}

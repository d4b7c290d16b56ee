/*
 * TypeScript twin of libcurl's docs/examples/websocket-cb.c ("WebSocket download-only using
 * write callback"), kept line for line. curl_easy_perform() becomes `await curl.perform()`;
 * the write callback is called the same way (synchronously, from inside libcurl, so
 * curl_ws_meta() - curl.wsMeta() - is valid in it) and receives a Buffer.
 *
 * The build compiles it to dist/examples/websocket-cb.js (shipped in the package), so it runs with
 * plain Node: `node dist/examples/websocket-cb.js ws://127.0.0.1:8080/`. test/curl/ runs it
 * in-process and test/integration/examples.test.ts runs the compiled file, against local servers.
 */
import type { Writable } from 'node:stream';
import { CURLWS_BINARY, CurlError, Easy, strerror } from 'curlws/curl';

let stderr: Writable = process.stderr;
function fprintf(stream: Writable, text: string): void {
  stream.write(text);
}

function write_cb(b: Buffer, size: number, nitems: number, p: unknown): number {
  const curl = p as Easy;
  const frame = curl.wsMeta()!;
  fprintf(stderr, `Type: ${frame.flags & CURLWS_BINARY ? 'binary' : 'text'}\n`);
  fprintf(stderr, `Bytes: ${nitems * size}`);
  for (let i = 0; i < nitems; i++) fprintf(stderr, `${b[i]!.toString(16).padStart(2, '0')} `);
  return nitems;
}

/** `main()` as in C; the URL and `stderr` are parameters for the tests. */
export async function main(url = 'wss://example.com', options: { stderr?: Writable } = {}): Promise<number> {
  if (options.stderr) stderr = options.stderr;
  let result = 0;

  const curl = new Easy();
  curl.setopt('CURLOPT_URL', url);

  curl.setopt('CURLOPT_WRITEFUNCTION', write_cb);
  /* pass the easy handle to the callback */
  curl.setopt('CURLOPT_WRITEDATA', curl);

  try {
    /* Perform the request, result gets the return code */
    await curl.perform();
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
  void main(process.argv[2]).then((code) => process.exit(code));
}

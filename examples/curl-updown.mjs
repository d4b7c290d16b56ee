// JavaScript twin of libcurl's docs/examples/websocket-updown.c: one TEXT message sent through
// CURLOPT_READFUNCTION (libcurl's read-callback send model, 8.16+) and every received frame
// printed by CURLOPT_WRITEFUNCTION, line for line as in C. curl_easy_perform() becomes
// `await curl.perform()`; the callbacks run synchronously inside libcurl, as in C, so
// curl.wsMeta() and curl.wsStartFrame() work in them. The read callback's buffer is valid only
// during the call, like libcurl's pointer in C: fill it and return the count.
//
// Run: node examples/curl-updown.mjs ws://127.0.0.1:8080/
// test/curl/twins.test.ts runs it and the C original (test/curl/fixtures/ws-updown.c) against
// the same local server and compares what they print.
import { CURL_READFUNC_ABORT, CURLWS_BINARY, CURLWS_TEXT, CurlError, Easy, strerror } from 'curlws/curl';

const fprintf = (stream, text) => stream.write(text);

function write_cb(b, size, nitems, p) {
  const curl = p;
  const blen = nitems * size;
  const frame = curl.wsMeta();
  fprintf(process.stderr, `Type: ${frame.flags & CURLWS_BINARY ? 'binary' : 'text'}\n`);
  if (frame.flags & CURLWS_BINARY) {
    fprintf(process.stderr, `Bytes: ${blen}`);
    for (let i = 0; i < blen; i++) fprintf(process.stderr, `${b[i].toString(16).padStart(2, '0')} `);
    fprintf(process.stderr, '\n');
  } else fprintf(process.stderr, `Text: ${b.toString('latin1', 0, blen)}\n`);
  return blen;
}

function read_cb(buf, size, nitems, p) {
  const ctx = p;
  let len = size * nitems;
  const left = ctx.blen - ctx.nsent;

  if (!ctx.nsent) {
    // the first read of the message: make it a TEXT frame of the whole length (the default is
    // one BINARY frame per read)
    try {
      ctx.curl.wsStartFrame(CURLWS_TEXT, ctx.blen);
    } catch (err) {
      fprintf(process.stderr, `error starting frame: ${err.curlCode}\n`);
      return CURL_READFUNC_ABORT;
    }
  }
  if (left) {
    // (upstream also prints the last call, left=0; whether libcurl makes it before the server's
    // echo and hang-up arrive depends on packet timing, so the twins print only this one)
    fprintf(process.stderr, `read(len=${len}, left=${left})\n`);
    if (left < len) len = left;
    ctx.buf.copy(buf, 0, ctx.nsent, ctx.nsent + len);
    ctx.nsent += len;
    return len;
  }
  return 0; // the upload is complete
}

async function main(argv) {
  const payload = 'Hello, friend!';
  let result = 0;
  const curl = new Easy();
  curl.setopt('CURLOPT_URL', argv.length === 1 ? argv[0] : 'wss://example.com');
  curl.setopt('CURLOPT_WRITEFUNCTION', write_cb);
  curl.setopt('CURLOPT_WRITEDATA', curl);
  curl.setopt('CURLOPT_READFUNCTION', read_cb);
  const rctx = { curl, buf: Buffer.from(payload, 'latin1'), blen: payload.length, nsent: 0 };
  curl.setopt('CURLOPT_READDATA', rctx);
  curl.setopt('CURLOPT_UPLOAD', 1); // send what read_cb gives

  try {
    await curl.perform();
  } catch (err) {
    if (!(err instanceof CurlError)) throw err;
    fprintf(process.stderr, `curl_easy_perform() failed: ${strerror(err.curlCode)}\n`);
    result = err.curlCode;
  }
  curl.close();
  return result;
}

process.exitCode = await main(process.argv.slice(2));

// Pausing and resuming both directions of a WebSocket in libcurl's callback model, the
// JavaScript twin of test/curl/fixtures/ws-pause.c (a C program using the multi interface):
// - receive: the write callback returns CURL_WRITEFUNC_PAUSE for the second message; once the
//   application has caught up, curl.pause(CURLPAUSE_CONT) resumes and libcurl delivers that same
//   chunk again.
// - send: the read callback sends "hello", then returns CURL_READFUNC_PAUSE while it has nothing
//   to send; the write callback queues an answer to the last message and resumes sending from
//   inside the callback.
// Where C loops on curl_multi_perform/curl_multi_poll, `await curl.perform()` lets the event loop
// run the transfer; the C loop's "resume when the transfer stopped" is a setImmediate here.
//
// Run: node examples/curl-pause.mjs ws://HOST/PATH (a server that answers "hello" with five
// messages and hangs up once it has read the next message; test/curl/twins.test.ts starts one).
import { CURL_READFUNC_ABORT, CURL_READFUNC_PAUSE, CURL_WRITEFUNC_PAUSE, CURLPAUSE_CONT, CURLWS_TEXT, Easy, strerror } from 'curlws/curl';

const log = (text) => process.stderr.write(text);

const st = {
  curl: new Easy(),
  received: 0, // messages received completely
  pausedOnce: false, // the second message was refused once
  sendPaused: false, // the read callback said CURL_READFUNC_PAUSE
  next: Buffer.from('hello'), // what the read callback sends next (the server waits for it)
  sent: 0, // messages sent
};

function write_cb(b, size, nitems, p) {
  const len = size * nitems;
  const frame = p.curl.wsMeta();
  if (p.received === 1 && !p.pausedOnce) {
    p.pausedOnce = true;
    log(`pause receive at "${b.toString('latin1')}"\n`);
    // the application catches up later: here, once the event loop has turned
    setImmediate(() => {
      log('resume receive\n');
      p.curl.pause(CURLPAUSE_CONT);
    });
    return CURL_WRITEFUNC_PAUSE;
  }
  log(`${frame.flags & CURLWS_TEXT ? 'text' : 'binary'} ${len}: ${b.toString('latin1')}\n`);
  if (++p.received === 5) {
    p.next = Buffer.from(`got ${p.received}`);
    // (when the read callback paused relative to the received messages depends on packet
    // timing: it is reported here, where it is settled)
    log(`resume send (${p.sendPaused ? 'was paused' : 'was not paused'})\n`);
    p.curl.pause(CURLPAUSE_CONT); // allowed inside a callback
  }
  return len;
}

function read_cb(buf, size, nitems, p) {
  if (p.sent === 2) return 0; // nothing more to send: the upload is complete
  if (!p.next) {
    p.sendPaused = true;
    return CURL_READFUNC_PAUSE;
  }
  p.sendPaused = false;
  const len = p.next.length;
  if (len > size * nitems) return CURL_READFUNC_ABORT;
  p.curl.wsStartFrame(CURLWS_TEXT, len);
  p.next.copy(buf);
  p.next = null;
  p.sent++;
  log(`send ${len}: ${buf.toString('latin1', 0, len)}\n`);
  return len;
}

const url = process.argv[2];
if (!url) {
  log('usage: node examples/curl-pause.mjs ws://HOST/PATH\n');
  process.exit(2);
}
st.curl.setopt('CURLOPT_URL', url);
st.curl.setopt('CURLOPT_WRITEFUNCTION', write_cb);
st.curl.setopt('CURLOPT_WRITEDATA', st);
st.curl.setopt('CURLOPT_READFUNCTION', read_cb);
st.curl.setopt('CURLOPT_READDATA', st);
st.curl.setopt('CURLOPT_UPLOAD', 1);

let result = 0;
try {
  await st.curl.perform();
} catch (err) {
  result = err.curlCode ?? -1;
}
log(`done: ${strerror(result)}\n`);
st.curl.close();
process.exitCode = result;

// curlws/curl in CONNECT_ONLY=2 mode against real local servers: libcurl's documented
// curl_ws_recv/curl_ws_send behaviour, seen through the binding (docs/libcurl.md), and the
// TypeScript twin of docs/examples/websocket.c.
import { describe, expect, inject, it } from 'vitest';
import {
  CURLE_AGAIN,
  CURLE_OK,
  CURLH_1XX,
  CURLWS_BINARY,
  CURLWS_CLOSE,
  CURLWS_CONT,
  CURLWS_NOAUTOPONG,
  CURLWS_OFFSET,
  CURLWS_PING,
  CURLWS_PONG,
  CURLWS_TEXT,
  Easy,
} from '../../lib/curl';
import { main as websocketExample } from '../../examples/websocket';
import { payloadOf, rawTarget, waitForClientClose, waitForRawLog } from '../helpers/raw';
import { chunks, connectOnly, nextChunk, sendAll, textSink } from './helpers';

describe('examples/websocket.ts (websocket.c)', () => {
  it('pings 11 times, receives each PONG, sends an empty CLOSE', async () => {
    const { url, id } = rawTarget('/echo');
    const err = textSink();
    const code = await websocketExample(['websocket', url], { pauseMs: 0, stderr: err.stream });
    expect(code).toBe(CURLE_OK);
    const lines = err
      .text()
      .split('\n')
      .filter((l) => !l.includes('waiting for the socket'));
    expect(lines.filter((l) => l === 'ws: sent PING with payload')).toHaveLength(11);
    expect(lines.filter((l) => l === 'ws: received PONG with same payload back')).toHaveLength(11);
    const { frame, log } = await waitForClientClose(id);
    expect(frame.length).toBe(0);
    const pings = log.received.filter((f) => f.opcode === 0x9);
    expect(pings.map((f) => f.text)).toEqual(Array(11).fill('foobar'));
    expect(pings.every((f) => f.masked && f.fin)).toBe(true);
  });

  it('reports a failed perform() the way the C example does', async () => {
    const { url } = rawTarget('/status', { code: 403 });
    const err = textSink();
    expect(await websocketExample(['websocket', url], { stderr: err.stream })).toBe(22);
    expect(err.text()).toBe('curl_easy_perform() failed: HTTP response code said error\n');
  });
});

describe('CONNECT_ONLY=2: receiving', () => {
  it('CURLE_AGAIN (a result, not an exception) when nothing is pending', async () => {
    const easy = await connectOnly(rawTarget('/echo').url);
    const r = easy.wsRecv(Buffer.alloc(64));
    expect(r).toEqual({ result: CURLE_AGAIN, nread: 0, meta: null });
    easy.close();
  });

  it('the 101 is in CURLH_1XX, not CURLH_HEADER; CURLINFO_* of the connection', async () => {
    const easy = await connectOnly(rawTarget('/echo', { protocol: 'chat' }).url, (e) =>
      e.setopt('CURLOPT_HTTPHEADER', ['Sec-WebSocket-Protocol: chat']),
    );
    expect(easy.getinfo('CURLINFO_RESPONSE_CODE')).toBe(101);
    expect(easy.header('Sec-WebSocket-Protocol')).toBeNull();
    const h = easy.header('sec-websocket-protocol', { origin: CURLH_1XX });
    expect(h).toMatchObject({ name: 'Sec-WebSocket-Protocol', value: 'chat', amount: 1, index: 0 });
    expect(h!.origin & CURLH_1XX).toBe(CURLH_1XX);
    expect(easy.header('Sec-WebSocket-Protocol', { origin: CURLH_1XX, index: 1 })).toBeNull(); // CURLHE_BADINDEX
    expect(easy.getinfo('CURLINFO_ACTIVESOCKET')).toBeGreaterThan(0);
    expect(easy.getinfo('CURLINFO_PRIMARY_IP')).toBe('127.0.0.1');
    expect(easy.getinfo('CURLINFO_SCHEME')).toBe('ws');
    easy.close();
  });

  it('a frame larger than the buffer comes in chunks with offset and bytesleft', async () => {
    const easy = await connectOnly(rawTarget('/many', { count: 1, size: 100 }).url);
    const got = await chunks(easy, 4, 30);
    expect(got.map((c) => [c.meta.offset, c.meta.bytesleft, c.meta.len, c.data.length])).toEqual([
      [0, 70, 30, 30],
      [30, 40, 30, 30],
      [60, 10, 30, 30],
      [90, 0, 10, 10],
    ]);
    expect(got.every((c) => c.meta.flags === CURLWS_BINARY && c.meta.age === 0)).toBe(true);
    expect(easy.wsRecv(Buffer.alloc(30)).result).toBe(CURLE_AGAIN);
    easy.close();
  });

  it('a fragmented message: TEXT|CONT fragments, an interleaved PING (NOAUTOPONG), final TEXT', async () => {
    const { url, id } = rawTarget('/ping-between-fragments');
    const easy = await connectOnly(url, (e) => e.setopt('CURLOPT_WS_OPTIONS', CURLWS_NOAUTOPONG));
    const [first, ping] = await chunks(easy, 2);
    expect(first).toMatchObject({ data: Buffer.from('Hel'), meta: { flags: CURLWS_TEXT | CURLWS_CONT, bytesleft: 0 } });
    expect(ping).toMatchObject({ data: Buffer.from('p1'), meta: { flags: CURLWS_PING } });
    // with NOAUTOPONG the application answers; the server holds the last fragment until then
    await sendAll(easy, ping.data, CURLWS_PONG);
    const [last, report] = await chunks(easy, 2);
    expect(last).toMatchObject({ data: Buffer.from('lo'), meta: { flags: CURLWS_TEXT } });
    expect(report).toMatchObject({ data: Buffer.from('pong:p1'), meta: { flags: CURLWS_TEXT } });
    const log = await waitForRawLog(id, (l) => l.received.some((f) => f.opcode === 0xa), 'the PONG');
    expect(log.received.filter((f) => f.opcode === 0xa).map((f) => f.text)).toEqual(['p1']);
    easy.close();
  });

  it('by default libcurl consumes the PING and queues the PONG until the next send (or successful recv)', async () => {
    const { url, id } = rawTarget('/ping-in-fragment', { fallback: 60_000 });
    const easy = await connectOnly(url);
    expect((await nextChunk(easy)).data.toString()).toBe('Hel');
    // the PING (written with the first fragment, read with it) is consumed, not returned; the
    // server holds the rest of the message until it gets the PONG
    expect(easy.wsRecv(Buffer.alloc(64))).toEqual({ result: CURLE_AGAIN, nread: 0, meta: null });
    // any curl_ws_send flushes the queued PONG first
    await sendAll(easy, Buffer.from('x'), CURLWS_TEXT);
    const log = await waitForRawLog(id, (l) => l.received.length >= 2, 'PONG and x');
    expect(log.received.map((f) => [f.opcode, f.text])).toEqual([
      [0xa, 'p1'],
      [0x1, 'x'],
    ]);
    const got = await chunks(easy, 2);
    expect(got.map((c) => [c.data.toString(), c.meta.flags])).toEqual([
      ['lo', CURLWS_TEXT],
      ['pong:p1', CURLWS_TEXT],
    ]);
    easy.close();
  });

  it('zero-length frames are returned with len 0; an empty PING only with NOAUTOPONG', async () => {
    const plain = await connectOnly(rawTarget('/zero-length').url);
    expect((await chunks(plain, 3)).map((c) => [c.meta.flags, c.meta.len, c.data.toString()])).toEqual([
      [CURLWS_TEXT, 0, ''],
      [CURLWS_BINARY, 0, ''],
      [CURLWS_TEXT, 3, 'end'],
    ]);
    plain.close();
    const noPong = await connectOnly(rawTarget('/zero-length').url, (e) => e.setopt('CURLOPT_WS_OPTIONS', CURLWS_NOAUTOPONG));
    expect((await chunks(noPong, 4)).map((c) => [c.meta.flags, c.meta.len])).toEqual([
      [CURLWS_TEXT, 0],
      [CURLWS_BINARY, 0],
      [CURLWS_PING, 0],
      [CURLWS_TEXT, 3],
    ]);
    noPong.close();
  });

  it("the server's CLOSE comes with its raw payload; libcurl does not answer it; then CURLE_GOT_NOTHING", async () => {
    const { url, id } = rawTarget('/server-close', { code: 4001, reason: 'bye now' });
    const easy = await connectOnly(url);
    const close = await nextChunk(easy);
    expect(close.meta.flags).toBe(CURLWS_CLOSE);
    expect(close.data).toEqual(Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('bye now')]));
    // the application replies (libcurl never does), the raw server then ends the connection
    await sendAll(easy, close.data.subarray(0, 2), CURLWS_CLOSE);
    const log = await waitForClientClose(id);
    expect(log.frame.closeCode).toBe(4001);
    await expect(nextChunk(easy)).rejects.toMatchObject({ name: 'CurlError', code: 'CURLE_GOT_NOTHING', curlCode: 52 });
    easy.close();
  });

  it("a protocol violation is a CurlError CURLE_RECV_ERROR with libcurl's error text", async () => {
    const easy = await connectOnly(rawTarget('/masked').url);
    const err = await nextChunk(easy).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CurlError', code: 'CURLE_RECV_ERROR', curlCode: 56 });
    expect((err as Error).message).toMatch(/^Failure when receiving data from the peer: \[WS\] masked input frame/);
    expect(easy.errorBuffer).toMatch(/masked/);
    easy.close();
  });
});

describe('CONNECT_ONLY=2: sending', () => {
  it('a text, a binary and a PING frame, masked, as sent', async () => {
    const { url, id } = rawTarget('/echo');
    const easy = await connectOnly(url);
    expect(easy.wsSend(Buffer.from('hi'), CURLWS_TEXT)).toEqual({ result: CURLE_OK, sent: 2 });
    await sendAll(easy, Buffer.from([1, 2, 3]), CURLWS_BINARY);
    await sendAll(easy, Buffer.from('p'), CURLWS_PING);
    const echoed = await chunks(easy, 3);
    expect(echoed.map((c) => [c.meta.flags, c.data.toString('hex')])).toEqual([
      [CURLWS_TEXT, Buffer.from('hi').toString('hex')],
      [CURLWS_BINARY, '010203'],
      [CURLWS_PONG, Buffer.from('p').toString('hex')],
    ]);
    const log = await waitForRawLog(id, (l) => l.received.length >= 3, 'three frames');
    expect(log.received.map((f) => [f.opcode, f.masked, f.fin])).toEqual([
      [1, true, true],
      [2, true, true],
      [9, true, true],
    ]);
    easy.close();
  });

  it('CURLWS_OFFSET: one frame fed in parts (fragsize first, then 0)', async () => {
    const { url, id } = rawTarget('/echo');
    const easy = await connectOnly(url);
    const whole = Buffer.from('0123456789abcdef');
    expect(easy.wsSend(whole.subarray(0, 6), CURLWS_BINARY | CURLWS_OFFSET, whole.length).result).toBe(CURLE_OK);
    expect(easy.wsSend(whole.subarray(6, 10), CURLWS_BINARY | CURLWS_OFFSET).result).toBe(CURLE_OK);
    await sendAll(easy, whole.subarray(10), CURLWS_BINARY | CURLWS_OFFSET);
    const log = await waitForRawLog(id, (l) => l.received.length >= 1, 'the frame');
    expect(log.received).toHaveLength(1);
    expect(payloadOf(log.received[0]!)).toEqual(whole);
    expect((await nextChunk(easy)).data).toEqual(whole);
    easy.close();
  });

  it('too much data for the announced frame is CURLE_BAD_FUNCTION_ARGUMENT, and recoverable', async () => {
    const easy = await connectOnly(rawTarget('/echo').url);
    expect(easy.wsSend(Buffer.from('abc'), CURLWS_TEXT | CURLWS_OFFSET, 4).result).toBe(CURLE_OK);
    expect(() => easy.wsSend(Buffer.from('de'), CURLWS_TEXT | CURLWS_OFFSET)).toThrow(
      expect.objectContaining({ name: 'CurlError', code: 'CURLE_BAD_FUNCTION_ARGUMENT' }),
    );
    expect(easy.wsSend(Buffer.from('d'), CURLWS_TEXT | CURLWS_OFFSET).result).toBe(CURLE_OK);
    expect((await nextChunk(easy)).data.toString()).toBe('abcd');
    easy.close();
  });

  it('control frames over 125 bytes are CURLE_TOO_LARGE', async () => {
    const easy = await connectOnly(rawTarget('/echo').url);
    expect(() => easy.wsSend(Buffer.alloc(126), CURLWS_PING)).toThrow(expect.objectContaining({ code: 'CURLE_TOO_LARGE' }));
    easy.close();
  });

  it('a large frame to a peer that does not read: partial sends and CURLE_AGAIN, retried with the rest', async () => {
    const { url, id } = rawTarget('/slow-reader', { pause: 1000 }); // reads nothing for a while
    const easy = await connectOnly(url);
    const big = Buffer.alloc(32 << 20, 0x61);
    let rest = big;
    let again = 0;
    let partial = 0;
    while (rest.length) {
      const r = easy.wsSend(rest, CURLWS_BINARY);
      if (r.result === CURLE_AGAIN) {
        again++;
        await easy.wsWritable();
      } else {
        if (r.sent < rest.length) partial++;
        rest = rest.subarray(r.sent);
      }
    }
    expect(again + partial).toBeGreaterThan(0);
    const log = await waitForRawLog(id, (l) => l.received.length >= 1, 'the 32 MiB frame', 30_000);
    expect(log.received[0]).toMatchObject({ opcode: 2, length: big.length, fin: true });
    easy.close();
  });

  it('wsStartFrame() (libcurl >= 8.16) buffers a frame header; wsSend() supplies the payload', async () => {
    const { url, id } = rawTarget('/echo');
    const easy = await connectOnly(url);
    // libcurl parks the connection at CURLMSG_DONE; curl_ws_recv/send re-attach it, and
    // curl_ws_start_frame does not ("[WS] No associated connection" before the first of them)
    expect(() => easy.wsStartFrame(CURLWS_TEXT, 5)).toThrow(expect.objectContaining({ code: 'CURLE_SEND_ERROR' }));
    expect(easy.wsRecv(Buffer.alloc(8)).result).toBe(CURLE_AGAIN);
    easy.wsStartFrame(CURLWS_TEXT, 5);
    await sendAll(easy, Buffer.from('start'), 0);
    expect((await nextChunk(easy)).data.toString()).toBe('start');
    const log = await waitForRawLog(id, (l) => l.received.length >= 1, 'the frame');
    expect(log.received[0]).toMatchObject({ opcode: 1, text: 'start', fin: true });
    easy.close();
  });
});

describe('CONNECT_ONLY=2: handshake outcomes and handle lifecycle', () => {
  it('a 2xx answer to the upgrade fails with CURLE_HTTP_RETURNED_ERROR; status and headers stay readable', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/status', { code: 200 }).url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    const err = await easy.perform().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CurlError', code: 'CURLE_HTTP_RETURNED_ERROR', curlCode: 22 });
    expect((err as Error).message).toMatch(/^HTTP response code said error: Refused WebSocket upgrade: 200$/);
    expect(easy.getinfo('CURLINFO_RESPONSE_CODE')).toBe(200);
    expect(easy.header('X-Reason')?.value).toBe('nope');
    easy.close();
  });

  it('a refused connection rejects with CURLE_COULDNT_CONNECT; the handle can perform() again', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', 'ws://127.0.0.1:1/');
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await expect(easy.perform()).rejects.toMatchObject({ code: 'CURLE_COULDNT_CONNECT' });
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    await easy.perform();
    expect((await nextChunk(easy)).data.toString()).toBe('hello');
    easy.close();
  });

  it('perform() twice at once is refused; reset() drops the connection and the options', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    const p = easy.perform();
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_PERFORMING' });
    await p;
    expect(easy.getinfo('CURLINFO_ACTIVESOCKET')).toBeGreaterThan(0);
    easy.reset();
    expect(easy.getinfo('CURLINFO_ACTIVESOCKET')).toBe(-1);
    await expect(easy.perform()).rejects.toMatchObject({ code: 'CURLE_URL_MALFORMAT' });
    easy.close();
  });

  it('close() settles pending wsReadable()/wsWritable() and perform() with ERR_CURL_EASY_CLOSED', async () => {
    const easy = await connectOnly(rawTarget('/echo').url);
    const readable = easy.wsReadable();
    easy.close();
    await expect(readable).rejects.toMatchObject({ name: 'CurlWsError', code: 'ERR_CURL_EASY_CLOSED' });

    const silent = new Easy();
    silent.setopt('CURLOPT_URL', rawTarget('/silence').url);
    silent.setopt('CURLOPT_CONNECT_ONLY', 2);
    const performing = silent.perform();
    setTimeout(() => silent.close(), 50);
    await expect(performing).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
  });

  it('wss:// with CURLOPT_CAINFO_BLOB', async () => {
    const easy = await connectOnly(`${inject('wssEchoUrl')}curl`, (e) => e.setopt('CURLOPT_CAINFO_BLOB', Buffer.from(inject('tlsCaPem'))));
    await sendAll(easy, Buffer.from('over tls'), CURLWS_TEXT);
    expect((await nextChunk(easy)).data.toString()).toBe('over tls');
    expect(easy.getinfo('CURLINFO_SCHEME')).toBe('wss');
    easy.close();
  });

  // libcurl traces TLS records to the DEBUGFUNCTION while it reads, inside wsRecv()/recv(): a
  // callback that frees the caller's buffer then (a transfer detaches it) must not leave libcurl
  // writing into freed memory (npm run test:asan reports it if it does).
  it('wss:// with a DEBUGFUNCTION that detaches the receive buffer during wsRecv()', async () => {
    let victim: Buffer | undefined;
    let detached = 0;
    const easy = await connectOnly(`${inject('wssEchoUrl')}curl`, (e) => {
      e.setopt('CURLOPT_CAINFO_BLOB', Buffer.from(inject('tlsCaPem')));
      e.setopt('CURLOPT_VERBOSE', 1);
      e.setopt('CURLOPT_DEBUGFUNCTION', () => {
        if (victim && victim.byteLength > 0) {
          const memory = victim.buffer as ArrayBuffer; // made from an ArrayBuffer below
          structuredClone(memory, { transfer: [memory] });
          detached++;
        }
        return 0;
      });
    });
    await sendAll(easy, Buffer.from('over tls'), CURLWS_TEXT);
    let got = 0;
    while (got === 0) {
      victim = Buffer.from(new ArrayBuffer(64)); // its own ArrayBuffer: detaching frees only it
      const r = easy.wsRecv(victim);
      if (r.result === CURLE_AGAIN) {
        await easy.wsReadable();
        continue;
      }
      expect(r.result).toBe(CURLE_OK);
      got = r.nread;
    }
    expect(got).toBe('over tls'.length);
    expect(detached).toBeGreaterThan(0); // the callback did run inside a receive
    expect(victim?.byteLength).toBe(0);
    easy.close();
  });
});

// curl_easy_send/curl_easy_recv (easy.send()/easy.recv()) on CONNECT_ONLY connections — 1: a
// plain socket after connect, 2: the WebSocket's raw bytes, bypassing libcurl's framing — and
// curl_easy_duphandle (easy.duphandle()). Real libcurl, the raw server.
import { describe, expect, it } from 'vitest';
import { CURLE_AGAIN, CURLINFO_TEXT, Easy } from '../../lib/curl';
import { binding } from '../../lib/core/native';
import { Op, rawTarget, waitForRawLog } from '../helpers/raw';
import { nextChunk } from './helpers';

/** recv() until `enough` holds for everything read so far (waiting through CURLE_AGAIN). */
async function recvUntil(easy: Easy, enough: (all: Buffer) => boolean): Promise<Buffer> {
  let all = Buffer.alloc(0);
  const buf = Buffer.alloc(4096);
  while (!enough(all)) {
    const r = easy.recv(buf);
    if (r.result === CURLE_AGAIN) {
      await easy.wsReadable();
      continue;
    }
    if (r.nread === 0) throw new Error(`the peer closed after ${JSON.stringify(all.toString('latin1'))}`);
    all = Buffer.concat([all, buf.subarray(0, r.nread)]);
  }
  return all;
}

/** A masked client frame, built by hand (what libcurl would do in curl_ws_send). */
function maskedFrame(opcode: number, payload: string): Buffer {
  const data = Buffer.from(payload);
  const key = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length]), key, masked]);
}

describe('send() and recv() (curl_easy_send/curl_easy_recv)', () => {
  it('CONNECT_ONLY=1: a plain socket — the upgrade written by hand, the 101 and frames read as bytes', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const u = new URL(url);
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 1);
    await easy.perform();
    const request =
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const r = easy.send(Buffer.from(request));
    expect(r).toEqual({ result: 0, sent: request.length });
    const all = await recvUntil(easy, (b) => b.includes(Buffer.from([0x81, 0x05, ...Buffer.from('hello')])));
    expect(all.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    expect(all.toString('latin1')).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    // no WebSocket decoder on this connection: libcurl's answer
    expect(() => easy.wsRecv(Buffer.alloc(8))).toThrow(expect.objectContaining({ name: 'CurlError', code: 'CURLE_BAD_FUNCTION_ARGUMENT' }));
    easy.close();
    expect((await waitForRawLog(id, (l) => l.socketClosed, 'the close')).request.headers['sec-websocket-version']).toBe('13');
  });

  it('CONNECT_ONLY=2: send() and recv() bypass the framing (raw WebSocket bytes)', async () => {
    const { url, id } = rawTarget('/echo');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    await easy.perform();
    const frame = maskedFrame(Op.TEXT, 'hi');
    expect(easy.send(frame)).toEqual({ result: 0, sent: frame.length });
    // the server's echo, unmasked, as it is on the wire
    expect(await recvUntil(easy, (b) => b.length >= 4)).toEqual(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const log = await waitForRawLog(id, (l) => l.received.length === 1, 'the frame');
    expect(log.received[0]).toMatchObject({ opcode: Op.TEXT, masked: true, text: 'hi' });
    // and the WebSocket calls still work on the same connection
    const hello = maskedFrame(Op.TEXT, 'again');
    easy.send(hello);
    expect(await nextChunk(easy)).toMatchObject({ data: Buffer.from('again') });
    easy.close();
  });

  it('refuses what libcurl refuses, and bad arguments', async () => {
    const easy = new Easy();
    expect(() => easy.recv(Buffer.alloc(8))).toThrow(expect.objectContaining({ name: 'CurlError' }));
    expect(() => easy.send(Buffer.from('x'))).toThrow(expect.objectContaining({ name: 'CurlError' }));
    expect(() => easy.send('x' as unknown as Buffer)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.recv(null as unknown as Buffer)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    easy.close();
    expect(() => easy.send(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
    expect(() => easy.recv(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
  });
});

describe('duphandle() (curl_easy_duphandle)', () => {
  it('copies options, lists, callbacks, userdata and PRIVATE; the copy outlives the original', async () => {
    const original = new Easy();
    const userdata = { who: 'userdata' };
    const writes: [string, unknown][] = [];
    const debugHandles = new Set<Easy>();
    original.setopt('CURLOPT_URL', 'ws://127.0.0.1:1/never');
    original.setopt('CURLOPT_HTTPHEADER', ['X-Dup: kept alive']);
    original.setopt('CURLOPT_USERAGENT', 'dup-agent');
    original.setopt('CURLOPT_PRIVATE', 'private value');
    original.setopt('CURLOPT_WRITEDATA', userdata);
    original.setopt('CURLOPT_VERBOSE', 1);
    original.setopt('CURLOPT_DEBUGFUNCTION', (handle, type) => {
      if (type === CURLINFO_TEXT) debugHandles.add(handle);
    });
    let copy: Easy | undefined;
    original.setopt('CURLOPT_WRITEFUNCTION', (d, _s, _n, p) => {
      writes.push([String(d), p]);
      copy?.close();
    });
    copy = original.duphandle();
    // the original goes first: the copy must not use its lists
    original.close();
    const { url, id } = rawTarget('/greet-echo');
    copy.setopt('CURLOPT_URL', url);
    await expect(copy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(writes).toEqual([['hello', userdata]]);
    expect([...debugHandles]).toEqual([copy]);
    const log = await waitForRawLog(id, (l) => l.socketClosed, 'the close');
    expect(log.request.headers['x-dup']).toBe('kept alive');
    expect(log.request.headers['user-agent']).toBe('dup-agent');
  });

  it('a CONNECT_ONLY=2 handle duplicates into another connection of its own', async () => {
    const { url } = rawTarget('/greet-echo');
    const original = new Easy();
    original.setopt('CURLOPT_URL', url);
    original.setopt('CURLOPT_CONNECT_ONLY', 2);
    original.setopt('CURLOPT_PRIVATE', 42);
    await original.perform();
    const copy = original.duphandle(); // not the connection, as in C
    expect(copy.getinfo('CURLINFO_PRIVATE')).toBe(42);
    expect(() => copy.wsRecv(Buffer.alloc(8))).toThrow(expect.objectContaining({ name: 'CurlError' }));
    await copy.perform();
    const [a, b] = await Promise.all([nextChunk(original), nextChunk(copy)]);
    expect([String(a.data), String(b.data)]).toEqual(['hello', 'hello']);
    original.close();
    copy.close();
    expect(() => copy.duphandle()).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
  });
});

describe('the native dupFrom() behind duphandle()', () => {
  // duphandle() always hands a fresh handle and an Easy; a direct call must not do worse than throw.
  it('refuses an object that is not an Easy, itself, and a target that is in use', () => {
    const target = new binding.Easy();
    const source = new binding.Easy();
    expect(() => target.dupFrom({} as never)).toThrow(TypeError);
    expect(() => target.dupFrom(target)).toThrow(TypeError);
    expect(() => target.dupFrom(null as never)).toThrow(TypeError);
    target.dupFrom(source); // a fresh target and another Easy: fine
    target.close();
    source.close();
  });
});

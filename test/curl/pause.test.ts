// Pausing in curlws/curl: CURL_WRITEFUNC_PAUSE from the write callback, easy.pause() =
// curl_easy_pause from inside and outside callbacks, a throw while paused data is redelivered,
// close() while paused, workers ending while paused, and pause()'s argument checks.
// (CURL_READFUNC_PAUSE: read-callback.test.ts; both directions against C: twins.test.ts.)
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  CURL_READFUNC_PAUSE,
  CURL_WRITEFUNC_PAUSE,
  CURLPAUSE_ALL,
  CURLPAUSE_CONT,
  CURLPAUSE_RECV,
  CURLWS_BINARY,
  CURLWS_TEXT,
  Easy,
} from '../../lib/curl';
import type { CurlWsFrame } from '../../lib/curl';
import { rawTarget, waitForRawLog, waitForSocketClosed } from '../helpers/raw';

const dist = path.resolve(__dirname, '../../dist/curl.js');

interface Seen {
  data: string;
  meta: CurlWsFrame | null;
}

describe('CURL_WRITEFUNC_PAUSE and pause()', () => {
  it('the paused chunk comes again after pause(CURLPAUSE_CONT), with its metadata, then the rest in order', async () => {
    const seen: Seen[] = [];
    let paused = false;
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/many', { count: 4, size: 8 }).url);
    easy.setopt('CURLOPT_WRITEFUNCTION', (d) => {
      seen.push({ data: d.toString('hex'), meta: easy.wsMeta() });
      if (seen.length === 2 && !paused) {
        paused = true;
        setImmediate(() => easy.pause(CURLPAUSE_CONT));
        return CURL_WRITEFUNC_PAUSE;
      }
      if (seen.length === 5) easy.close();
      return d.length;
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen.length).toBe(5);
    expect(seen[2]).toEqual(seen[1]); // the refused chunk, delivered again
    const order = [seen[0], seen[2], seen[3], seen[4]].map((s) => s!.data);
    expect(new Set(order).size).toBe(4);
    for (const s of seen) expect(s.meta).toMatchObject({ flags: CURLWS_BINARY, offset: 0, bytesleft: 0, len: 8 });
  });

  it('pause(CURLPAUSE_RECV) inside the callback holds what arrives until pause(CURLPAUSE_CONT) from outside', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const seen: string[] = [];
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_WRITEFUNCTION', (d) => {
      seen.push(String(d));
      if (seen.length === 1) {
        easy.pause(CURLPAUSE_RECV); // allowed inside a callback, as in C
        easy.wsSend(Buffer.from('echo me'), CURLWS_TEXT);
      } else easy.close();
      return d.length;
    });
    const done = easy.perform().catch((e: unknown) => e);
    // the server has the frame and has echoed it, but nothing is delivered while paused
    await waitForRawLog(id, (l) => l.received.length === 1, 'the frame');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['hello']);
    easy.pause(CURLPAUSE_CONT);
    expect(await done).toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen).toEqual(['hello', 'echo me']);
  });

  it('a write callback that throws while pause(CURLPAUSE_CONT) redelivers fails perform() with it as the cause', async () => {
    let calls = 0;
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    easy.setopt('CURLOPT_WRITEFUNCTION', () => {
      if (++calls === 1) {
        setImmediate(() => {
          // libcurl returns the failure, and the transfer is aborted with it
          expect(() => easy.pause(CURLPAUSE_CONT)).toThrow(expect.objectContaining({ code: 'CURLE_WRITE_ERROR' }));
        });
        return CURL_WRITEFUNC_PAUSE;
      }
      throw new Error('redelivery failed');
    });
    await expect(easy.perform()).rejects.toMatchObject({
      code: 'CURLE_WRITE_ERROR',
      cause: expect.objectContaining({ message: 'redelivery failed' }),
    });
    expect(calls).toBe(2);
    easy.close();
  });

  it('only the write callback may pause: CURL_WRITEFUNC_PAUSE from the header callback fails the transfer', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    easy.setopt('CURLOPT_HEADERFUNCTION', () => CURL_WRITEFUNC_PAUSE);
    await expect(easy.perform()).rejects.toMatchObject({ name: 'CurlError', code: 'CURLE_WRITE_ERROR' });
    easy.close();
  });

  it('close() while receiving is paused ends perform() and the connection', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_WRITEFUNCTION', () => {
      setImmediate(() => easy.close());
      return CURL_WRITEFUNC_PAUSE;
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    await waitForSocketClosed(id);
    expect(() => easy.pause(CURLPAUSE_CONT)).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
  });

  it('close() while both directions are paused (CURLPAUSE_ALL from outside) ends perform() and the connection', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_UPLOAD', 1);
    easy.setopt('CURLOPT_READFUNCTION', () => CURL_READFUNC_PAUSE);
    easy.setopt('CURLOPT_WRITEFUNCTION', (d) => {
      setImmediate(() => {
        easy.pause(CURLPAUSE_ALL);
        setImmediate(() => easy.close());
      });
      return d.length;
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    await waitForSocketClosed(id);
  });

  it('pause() checks its argument; a handle without a transfer gets what libcurl answers', () => {
    const easy = new Easy();
    expect(() => easy.pause(2)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => easy.pause(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => easy.pause(8)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => easy.pause('1' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    // libcurl refuses to pause a handle without a transfer
    expect(() => easy.pause(CURLPAUSE_ALL)).toThrow(expect.objectContaining({ name: 'CurlError', code: 'CURLE_BAD_FUNCTION_ARGUMENT' }));
    easy.close();
  });

  it('workers terminated or exiting while a transfer is paused exit cleanly', async () => {
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Easy, CURL_WRITEFUNC_PAUSE, CURL_READFUNC_PAUSE } = require(workerData.dist);
      const easy = new Easy();
      easy.setopt('CURLOPT_URL', workerData.url);
      easy.setopt('CURLOPT_UPLOAD', 1);
      easy.setopt('CURLOPT_READFUNCTION', () => CURL_READFUNC_PAUSE);
      easy.setopt('CURLOPT_WRITEFUNCTION', (d) => {
        parentPort.postMessage(String(d));
        if (workerData.end === 'exit') setImmediate(() => process.exit(7));
        return CURL_WRITEFUNC_PAUSE;
      });
      easy.perform().catch(() => {});`;
    const run = (end: 'terminate' | 'exit'): Promise<{ message: string; exitCode: number }> =>
      new Promise((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: { dist, url: rawTarget('/greet-echo').url, end } });
        let message = '';
        w.once('error', reject);
        w.once('message', (m: string) => {
          message = m;
          if (end === 'terminate') setImmediate(() => void w.terminate());
        });
        w.once('exit', (exitCode) => resolve({ message, exitCode }));
      });
    expect(await run('terminate')).toEqual({ message: 'hello', exitCode: 1 });
    expect(await run('exit')).toEqual({ message: 'hello', exitCode: 7 });
    expect(await Promise.all([run('terminate'), run('exit')])).toEqual([
      { message: 'hello', exitCode: 1 },
      { message: 'hello', exitCode: 7 },
    ]);
  });
});

// CURLOPT_UPLOAD + CURLOPT_READFUNCTION: libcurl's read-callback send model (8.16+) through
// curlws/curl. Every return code of the read callback (a count, 0, CURL_READFUNC_PAUSE,
// CURL_READFUNC_ABORT, a throw, a bad value), the Buffer's lifetime, wsStartFrame() inside the
// callback, close() and the other methods called from inside it. Real libcurl, the raw server.
import { describe, expect, it } from 'vitest';
import { CURL_READFUNC_ABORT, CURL_READFUNC_PAUSE, CURLPAUSE_CONT, CURLPAUSE_SEND, CURLWS_TEXT, Easy } from '../../lib/curl';
import type { ReadFunction, WriteFunction } from '../../lib/curl';
import { Op, rawTarget, waitForRawLog, waitForSocketClosed } from '../helpers/raw';

/** An Easy in callback mode that uploads through `read`; `write` gets what comes back. */
function uploader(url: string, read: ReadFunction, write: WriteFunction = (d) => d.length): Easy {
  const easy = new Easy();
  easy.setopt('CURLOPT_URL', url);
  easy.setopt('CURLOPT_UPLOAD', 1);
  easy.setopt('CURLOPT_READFUNCTION', read);
  easy.setopt('CURLOPT_READDATA', easy);
  easy.setopt('CURLOPT_WRITEFUNCTION', write);
  return easy;
}

const decoded = (f: { opcode: number; payload: string }): [number, string] => [f.opcode, Buffer.from(f.payload, 'base64').toString()];

describe('CURLOPT_READFUNCTION', () => {
  it("each read is a frame (BINARY unless wsStartFrame() says otherwise); the Buffer is libcurl's for the call only", async () => {
    const { url, id } = rawTarget('/echo');
    const kept: Buffer[] = [];
    const calls: [number, number, number, unknown][] = [];
    let step = 0;
    let echoes = 0;
    const easy = uploader(
      url,
      (buf, size, nitems, userdata) => {
        calls.push([buf.length, size, nitems, userdata]);
        kept.push(buf);
        const self = userdata as Easy;
        switch (step++) {
          case 0:
            return buf.write('abc');
          case 1:
            self.wsStartFrame(CURLWS_TEXT, 5);
            return buf.write('hello');
          default:
            return CURL_READFUNC_PAUSE; // nothing more for now
        }
      },
      (d) => {
        if (++echoes === 2) easy.close();
        return d.length;
      },
    );
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    const log = await waitForRawLog(id, (l) => l.received.length >= 2, 'two frames');
    expect(log.received.map(decoded)).toEqual([
      [Op.BINARY, 'abc'],
      [Op.TEXT, 'hello'],
    ]);
    // (a third call, answered with PAUSE, may or may not come before the echoes)
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const [length, size, nitems, userdata] of calls) {
      expect(length).toBeGreaterThan(0);
      expect([size, nitems, userdata]).toEqual([1, length, easy]);
    }
    // detached once the call returned: a kept Buffer cannot reach memory libcurl reuses
    expect(kept.every((b) => b.length === 0)).toBe(true);
  });

  it('a callback that transfers its Buffer away keeps a copy, never libcurl memory; the read fails', async () => {
    let moved: ArrayBuffer | undefined;
    const easy = uploader(rawTarget('/echo').url, (buf) => {
      buf.write('secret');
      const own = buf.buffer as ArrayBuffer; // the callback's Buffer is never shared memory
      moved = structuredClone(own, { transfer: [own] });
      return 6; // the Buffer is empty now: more than it holds
    });
    await expect(easy.perform()).rejects.toMatchObject({
      code: 'CURLE_ABORTED_BY_CALLBACK',
      cause: expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    });
    easy.close();
    // the moved memory is the callback's own, alive after the handle is gone
    expect(Buffer.from(moved!).subarray(0, 6).toString()).toBe('secret');
  });

  it('after wsStartFrame(), reads fill that frame until its length is reached', async () => {
    const { url, id } = rawTarget('/echo');
    const parts = ['0123', '456789', 'next'];
    let step = 0;
    const echoes: string[] = [];
    const easy = uploader(
      url,
      (buf, _s, _n, p) => {
        if (step === 0) (p as Easy).wsStartFrame(CURLWS_TEXT, 10);
        const part = parts[step++];
        return part === undefined ? CURL_READFUNC_PAUSE : buf.write(part);
      },
      (d) => {
        echoes.push(String(d));
        if (echoes.length === 2) easy.close();
        return d.length;
      },
    );
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(echoes).toEqual(['0123456789', 'next']);
    // one TEXT frame of 10 bytes from two reads, then a read of its own: BINARY again
    expect((await waitForSocketClosed(id)).received.map(decoded)).toEqual([
      [Op.TEXT, '0123456789'],
      [Op.BINARY, 'next'],
    ]);
  });

  it('returning 0 ends the upload; the connection stays up both ways', async () => {
    const { url, id } = rawTarget('/echo');
    let reads = 0;
    const got: string[] = [];
    const easy = uploader(
      url,
      () => {
        reads++;
        // the upload is over: send once from outside the callback, as libcurl allows
        setImmediate(() => easy.wsSend(Buffer.from('after'), CURLWS_TEXT));
        return 0;
      },
      (d) => {
        got.push(String(d));
        easy.close();
        return d.length;
      },
    );
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(got).toEqual(['after']);
    expect(reads).toBe(1);
    expect((await waitForSocketClosed(id)).received.map(decoded)).toEqual([[Op.TEXT, 'after']]);
  });

  it('UPLOAD without a READFUNCTION sends nothing (libcurl would read the process stdin)', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_UPLOAD', 1);
    easy.setopt('CURLOPT_WRITEFUNCTION', () => easy.close());
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect((await waitForSocketClosed(id)).received).toEqual([]);
  });

  it('CURL_READFUNC_ABORT fails the transfer with CURLE_ABORTED_BY_CALLBACK', async () => {
    const easy = uploader(rawTarget('/echo').url, () => CURL_READFUNC_ABORT);
    const err = await easy.perform().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CurlError', code: 'CURLE_ABORTED_BY_CALLBACK' });
    expect((err as Error).cause).toBeUndefined();
    easy.close();
  });

  it('a throw (any value) or a bad return value aborts, with it as the cause', async () => {
    const cases: [ReadFunction, unknown][] = [
      [
        () => {
          throw new Error('boom');
        },
        expect.objectContaining({ message: 'boom' }),
      ],
      [
        () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 42;
        },
        42,
      ],
      [() => 'yes' as unknown as number, expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' })],
      [() => undefined as unknown as number, expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' })],
      [(buf) => buf.length + 1, expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' })],
      [() => -1, expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' })],
      [() => 1.5, expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' })],
      [() => Number.NaN, expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' })],
    ];
    for (const [read, cause] of cases) {
      const easy = uploader(rawTarget('/echo').url, read);
      await expect(easy.perform()).rejects.toMatchObject({ code: 'CURLE_ABORTED_BY_CALLBACK', cause });
      easy.close();
    }
  });

  it('CURL_READFUNC_PAUSE holds the upload until pause(CURLPAUSE_CONT), called from outside', async () => {
    const { url, id } = rawTarget('/echo');
    const events: string[] = [];
    let paused = false;
    const easy = uploader(
      url,
      (buf) => {
        if (!paused) {
          paused = true;
          events.push('read: pause');
          setImmediate(() => {
            events.push('pause(CONT)');
            easy.pause(CURLPAUSE_CONT);
          });
          return CURL_READFUNC_PAUSE;
        }
        if (events.includes('read: late')) return 0; // the upload is complete
        events.push('read: late');
        return buf.write('late');
      },
      (d) => {
        events.push(`echo: ${d}`);
        easy.close();
        return d.length;
      },
    );
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(events).toEqual(['read: pause', 'pause(CONT)', 'read: late', 'echo: late']);
    expect((await waitForSocketClosed(id)).received.map(decoded)).toEqual([[Op.BINARY, 'late']]);
  });

  it('close() inside the read callback stops the transfer; no further call', async () => {
    let reads = 0;
    const easy = uploader(rawTarget('/echo').url, (buf) => {
      reads++;
      easy.close();
      return buf.write('never sent');
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(reads).toBe(1);
  });

  it('re-entrancy: what may and may not be called from inside the read callback', async () => {
    const outcomes: Record<string, unknown> = {};
    const settled: Promise<unknown>[] = [];
    const attempt = (name: string, f: () => unknown): void => {
      try {
        const r = f();
        outcomes[name] = 'ok';
        // perform() is async: its refusal is a rejection
        if (r instanceof Promise) settled.push(r.catch((err: { code?: string }) => (outcomes[name] = err.code)));
      } catch (err) {
        outcomes[name] = (err as { code?: string }).code;
      }
    };
    const easy = uploader(rawTarget('/echo').url, (buf, _s, _n, p) => {
      const self = p as Easy;
      attempt('setopt', () => self.setopt('CURLOPT_VERBOSE', 0));
      attempt('reset', () => self.reset());
      attempt('perform', () => self.perform());
      attempt('wsRecv', () => self.wsRecv(Buffer.alloc(8)));
      attempt('recv', () => self.recv(Buffer.alloc(8)));
      attempt('getinfo', () => self.getinfo('CURLINFO_RESPONSE_CODE'));
      attempt('pause', () => self.pause(CURLPAUSE_SEND));
      attempt('duphandle', () => self.duphandle().close());
      attempt('wsSend', () => self.wsSend(Buffer.from('from inside'), CURLWS_TEXT));
      self.close();
      return buf.length;
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    await Promise.all(settled);
    expect(outcomes).toEqual({
      setopt: 'ERR_CURL_IN_CALLBACK',
      reset: 'ERR_CURL_IN_CALLBACK',
      perform: 'ERR_CURL_IN_CALLBACK',
      // libcurl's own answers: curl_ws_recv is for CONNECT_ONLY handles, curl_easy_recv refuses
      // to run inside a callback
      wsRecv: 'CURLE_UNSUPPORTED_PROTOCOL',
      recv: 'CURLE_RECURSIVE_API_CALL',
      getinfo: 'ok',
      pause: 'ok',
      duphandle: 'ok',
      wsSend: 'ok', // a blocking send, as libcurl does inside callbacks
    });
  });
});

// curlws/curl in callback mode (no CONNECT_ONLY): WRITEFUNCTION with curl_ws_meta(), sends
// from inside and outside the callback, HEADERFUNCTION, DEBUGFUNCTION, RAW_MODE, and the
// re-entrancy rules (close/reset/perform from inside a callback, exceptions, GC-unrelated).
// Plus the TypeScript twin of docs/examples/websocket-cb.c.
import { describe, expect, inject, it } from 'vitest';
import {
  CURLE_AGAIN,
  CURLE_OK,
  CURL_WRITEFUNC_ERROR,
  CURLINFO_HEADER_IN,
  CURLINFO_HEADER_OUT,
  CURLINFO_TEXT,
  CURLWS_BINARY,
  CURLWS_CONT,
  CURLWS_RAW_MODE,
  CURLWS_TEXT,
  Easy,
} from '../../lib/curl';
import type { CurlWsFrame } from '../../lib/curl';
import { connect } from '../../lib/index';
import { encodeFrame } from '../servers/raw-server';
import { main as websocketCbExample } from '../../examples/websocket-cb';
import { rawTarget, waitForRawLog } from '../helpers/raw';
import { chunks, textSink } from './helpers';

interface Seen {
  data: Buffer;
  meta: CurlWsFrame | null;
}

/** An Easy in callback mode whose WRITEFUNCTION records each call and then runs `then`. */
function recorder(url: string, then?: (easy: Easy, seen: Seen[]) => number | void): { easy: Easy; seen: Seen[] } {
  const easy = new Easy();
  const seen: Seen[] = [];
  easy.setopt('CURLOPT_URL', url);
  easy.setopt('CURLOPT_WRITEFUNCTION', (data, size, nmemb, userdata) => {
    const self = userdata as Easy;
    seen.push({ data, meta: self.wsMeta() });
    return then ? then(self, seen) : size * nmemb;
  });
  easy.setopt('CURLOPT_WRITEDATA', easy);
  return { easy, seen };
}

describe('examples/websocket-cb.ts (websocket-cb.c)', () => {
  it("prints each frame's type and bytes until the server goes away", async () => {
    const err = textSink();
    const code = await websocketCbExample(rawTarget('/frames-then-eof').url, { stderr: err.stream });
    // the C example's output, byte for byte (its "Bytes: %u" has no newline); a peer closing
    // TCP ends libcurl's callback-mode transfer with CURLE_OK
    expect(err.text()).toBe('Type: text\nBytes: 568 65 6c 6c 6f Type: binary\nBytes: 4de ad be ef ');
    expect(code).toBe(0);
  });
});

describe('WRITEFUNCTION', () => {
  it('gets each frame with wsMeta() valid inside it (null outside); sends from inside the callback', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const { easy, seen } = recorder(url, (self, s) => {
      if (s.length === 1) {
        // a blocking send from inside the callback, as libcurl does it
        expect(self.wsSend(Buffer.from('echo me'), CURLWS_TEXT).sent).toBe(7);
      } else {
        self.close();
      }
    });
    await expect(easy.perform()).rejects.toMatchObject({ name: 'CurlWsError', code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen.map((s) => [s.data.toString(), s.meta?.flags, s.meta?.offset, s.meta?.bytesleft, s.meta?.len])).toEqual([
      ['hello', CURLWS_TEXT, 0, 0, 5],
      ['echo me', CURLWS_TEXT, 0, 0, 7],
    ]);
    const log = await waitForRawLog(id, (l) => l.socketClosed, 'the close');
    expect(log.received.map((f) => f.text)).toEqual(['echo me']);
  });

  it('sends from outside the callback while perform() runs', async () => {
    const { url } = rawTarget('/greet-echo');
    let resolveGreeting: () => void = () => {};
    const greeted = new Promise<void>((r) => (resolveGreeting = r));
    const { easy, seen } = recorder(url, (self, s) => {
      if (s.length === 1) resolveGreeting();
      else self.close();
    });
    const performing = easy.perform();
    await greeted;
    expect(easy.wsMeta()).toBeNull(); // outside the callback, as curl_ws_meta
    expect(easy.wsSend(Buffer.from([9, 8, 7]), CURLWS_BINARY)).toEqual({ result: 0, sent: 3 });
    await expect(performing).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen[1]).toMatchObject({ data: Buffer.from([9, 8, 7]), meta: { flags: CURLWS_BINARY } });
  });

  it('a big frame arrives in several calls with offset and bytesleft', async () => {
    const size = 300_000;
    const { easy, seen } = recorder(rawTarget('/many', { count: 1, size }).url, (self, s) => {
      const m = s[s.length - 1]!.meta!;
      if (m.bytesleft === 0) self.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen.length).toBeGreaterThan(1);
    let offset = 0;
    for (const s of seen) {
      expect(s.meta).toMatchObject({ flags: CURLWS_BINARY, offset, len: s.data.length, bytesleft: size - offset - s.data.length });
      offset += s.data.length;
    }
    expect(offset).toBe(size);
  });

  it('fragments of a message carry CURLWS_CONT until the last one', async () => {
    const { easy, seen } = recorder(rawTarget('/fragments', { count: 3, size: 4, type: 'text' }).url, (self, s) => {
      if (s.length === 3) self.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(seen.map((s) => s.meta!.flags)).toEqual([CURLWS_TEXT | CURLWS_CONT, CURLWS_TEXT | CURLWS_CONT, CURLWS_TEXT]);
  });

  it('an exception thrown in the callback aborts the transfer: CURLE_WRITE_ERROR with the error as cause', async () => {
    const boom = new Error('boom');
    const { easy } = recorder(rawTarget('/greet-echo').url, () => {
      throw boom;
    });
    const err = await easy.perform().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CurlError', code: 'CURLE_WRITE_ERROR', curlCode: 23 });
    expect((err as Error).cause).toBe(boom);
    // the handle is usable again
    easy.setopt('CURLOPT_WRITEFUNCTION', (_d, _s, _n, p) => void (p as Easy).close());
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
  });

  it('thrown primitives and bad return values are causes too; a short count is CURLE_WRITE_ERROR', async () => {
    const a = recorder(rawTarget('/greet-echo').url, () => {
      throw 'plain string'; // a primitive on purpose: the cause must carry whatever was thrown
    });
    await expect(a.easy.perform()).rejects.toMatchObject({ code: 'CURLE_WRITE_ERROR', cause: 'plain string' });
    const b = recorder(rawTarget('/greet-echo').url, () => 'yes' as unknown as number);
    await expect(b.easy.perform()).rejects.toMatchObject({
      code: 'CURLE_WRITE_ERROR',
      cause: expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    });
    const c = recorder(rawTarget('/greet-echo').url, () => 1);
    const err = await c.easy.perform().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURLE_WRITE_ERROR' });
    expect((err as Error).cause).toBeUndefined();
    // (CURL_WRITEFUNC_PAUSE pauses: test/curl/pause.test.ts)
    const e = recorder(rawTarget('/greet-echo').url, () => CURL_WRITEFUNC_ERROR);
    await expect(e.easy.perform()).rejects.toMatchObject({ code: 'CURLE_WRITE_ERROR' });
    for (const x of [a, b, c, e]) x.easy.close();
  });

  it("perform(), reset() and setopt() inside the handle's own callback throw ERR_CURL_IN_CALLBACK", async () => {
    const errors: unknown[] = [];
    const { easy } = recorder(rawTarget('/greet-echo').url, (self) => {
      for (const f of [() => self.reset(), () => self.setopt('CURLOPT_VERBOSE', 0), () => self.perform()]) {
        try {
          const p: unknown = f();
          if (p instanceof Promise) p.catch((e: unknown) => errors.push(e));
        } catch (e) {
          errors.push(e);
        }
      }
      self.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'ERR_CURL_IN_CALLBACK',
      'ERR_CURL_IN_CALLBACK',
      'ERR_CURL_IN_CALLBACK',
    ]);
  });

  it("another handle's perform(), connect() and a high-level connection's close from inside a callback work", async () => {
    const other = new Easy();
    other.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    other.setopt('CURLOPT_CONNECT_ONLY', 2);
    const conn = await connect(inject('wsEchoUrl'));
    const closed = new Promise((r) => conn.once('close', r));
    let started: Promise<void> | undefined;
    let connecting: ReturnType<typeof connect> | undefined;
    const { easy } = recorder(rawTarget('/greet-echo').url, (self) => {
      started = other.perform(); // deferred until libcurl is out of its callback
      connecting = connect(inject('wsEchoUrl')); // its handshake starts after the callback too
      conn.terminate(); // the Session leaves the multi after the callback
      self.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    await started;
    expect(other.getinfo('CURLINFO_RESPONSE_CODE')).toBe(101);
    await closed;
    other.close();
    const late = await connecting!;
    const echoed = new Promise((r) => late.once('message', r));
    await late.send('made in a callback');
    expect(await echoed).toBe('made in a callback');
    expect((await late.close(1000)).wasClean).toBe(true);
  });
});

describe('HEADERFUNCTION and DEBUGFUNCTION', () => {
  it('HEADERFUNCTION gets each line of the 101; DEBUGFUNCTION the trace with its curl_infotype', async () => {
    const headers: string[] = [];
    const trace: [number, string][] = [];
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_HEADERFUNCTION', (data, size, nmemb, tag) => {
      headers.push(`${tag as string}${data.toString()}`);
      return size * nmemb;
    });
    easy.setopt('CURLOPT_HEADERDATA', '> ');
    easy.setopt('CURLOPT_VERBOSE', 1);
    easy.setopt('CURLOPT_DEBUGFUNCTION', (handle, type, data) => {
      expect(handle).toBe(easy);
      trace.push([type, data.toString()]);
      return 0;
    });
    await easy.perform();
    expect(headers[0]).toBe('> HTTP/1.1 101 Switching Protocols\r\n');
    expect(headers).toContain('> Upgrade: websocket\r\n');
    expect(headers[headers.length - 1]).toBe('> \r\n');
    expect(trace.some(([t, d]) => t === CURLINFO_HEADER_OUT && d.startsWith('GET /greet-echo'))).toBe(true);
    expect(trace.some(([t, d]) => t === CURLINFO_HEADER_IN && d.startsWith('HTTP/1.1 101'))).toBe(true);
    expect(trace.some(([t]) => t === CURLINFO_TEXT)).toBe(true);
    easy.close();
  });

  it('a DEBUGFUNCTION that throws aborts perform() with CURLE_ABORTED_BY_CALLBACK; during wsSend it rethrows', async () => {
    const boom = new Error('trace failed');
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/echo').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_VERBOSE', true);
    easy.setopt('CURLOPT_DEBUGFUNCTION', () => {
      throw boom;
    });
    const err = await easy.perform().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURLE_ABORTED_BY_CALLBACK', cause: boom });

    // JS → curl_ws_recv → DEBUGFUNCTION ("[WS] connection expectedly closed?") → throws:
    // the wsRecv() call rethrows it
    easy.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    let armed = false;
    easy.setopt('CURLOPT_DEBUGFUNCTION', () => {
      if (armed) throw boom;
    });
    await easy.perform();
    await chunks(easy, 2);
    armed = true;
    let thrown: unknown;
    for (;;) {
      try {
        const r = easy.wsRecv(Buffer.alloc(64));
        if (r.result === CURLE_AGAIN) await easy.wsReadable();
      } catch (e) {
        thrown = e;
        break;
      }
    }
    expect(thrown).toBe(boom);
    easy.close();
  });

  it('close() inside DEBUGFUNCTION while perform() runs', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/echo').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_VERBOSE', 1);
    easy.setopt('CURLOPT_DEBUGFUNCTION', (h, type) => {
      if (type === CURLINFO_HEADER_OUT) h.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
  });
});

describe('CURLWS_RAW_MODE', () => {
  it('raw bytes in both directions: frames as the server sent them, our bytes as written', async () => {
    const { url, id } = rawTarget('/greet-echo');
    const raw: Buffer[] = [];
    const ourFrame = encodeFrame({ opcode: 0x1, payload: 'raw!', mask: Buffer.from([1, 2, 3, 4]) });
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', url);
    easy.setopt('CURLOPT_WS_OPTIONS', CURLWS_RAW_MODE);
    easy.setopt('CURLOPT_WRITEFUNCTION', (data, size, nmemb) => {
      raw.push(data);
      const all = Buffer.concat(raw);
      if (all.length === 7) {
        // the greeting arrived raw: send our own, hand-masked frame, raw (flags 0)
        expect(easy.wsSend(ourFrame, 0)).toEqual({ result: 0, sent: ourFrame.length });
      }
      if (all.length >= 13) easy.close();
      return size * nmemb;
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(Buffer.concat(raw)).toEqual(
      Buffer.concat([encodeFrame({ opcode: 0x1, payload: 'hello' }), encodeFrame({ opcode: 0x1, payload: 'raw!' })]),
    );
    const log = await waitForRawLog(id, (l) => l.received.length >= 1, 'our raw frame');
    expect(log.received[0]).toMatchObject({ opcode: 1, masked: true, text: 'raw!' });
  });

  it('flags or fragsize with RAW_MODE are CURLE_BAD_FUNCTION_ARGUMENT', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/greet-echo').url);
    easy.setopt('CURLOPT_WS_OPTIONS', CURLWS_RAW_MODE);
    easy.setopt('CURLOPT_WRITEFUNCTION', () => {
      expect(() => easy.wsSend(Buffer.from('x'), CURLWS_TEXT)).toThrow(expect.objectContaining({ code: 'CURLE_BAD_FUNCTION_ARGUMENT' }));
      easy.close();
    });
    await expect(easy.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
  });
});

describe('close() from a callback nested in a call you made', () => {
  it('close() inside DEBUGFUNCTION during wsRecv(): the call returns, the handle is released after', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_VERBOSE', 1);
    let armed = false;
    let closedInside = 0;
    easy.setopt('CURLOPT_DEBUGFUNCTION', (h) => {
      if (!armed) return;
      h.close();
      closedInside++;
    });
    await easy.perform();
    await chunks(easy, 2);
    armed = true;
    // the next calls trace ("[WS] connection expectedly closed?") and close the handle from
    // inside libcurl; the call itself still completes with libcurl's answer
    let outcome: unknown;
    try {
      for (;;) {
        const r = easy.wsRecv(Buffer.alloc(64));
        if (r.result !== CURLE_AGAIN) break;
        await easy.wsReadable();
      }
    } catch (e) {
      outcome = e;
    }
    expect(closedInside).toBe(1);
    expect(outcome).toMatchObject({ code: expect.stringMatching(/^(CURLE_GOT_NOTHING|ERR_CURL_EASY_CLOSED)$/) });
    expect(() => easy.wsRecv(Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
    await new Promise((r) => setTimeout(r, 10)); // the deferred release runs; nothing crashes
  });
});

describe('a high-level connection closed from an Easy callback inside its own event handler', () => {
  it('message handler → wsRecv → DEBUGFUNCTION → conn.terminate(): closes once, releases, no crash', async () => {
    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    easy.setopt('CURLOPT_CONNECT_ONLY', 2);
    easy.setopt('CURLOPT_VERBOSE', 1);
    await easy.perform();
    await chunks(easy, 2); // the server has closed TCP: the next wsRecv traces, then fails
    const conn = await connect(inject('wsEchoUrl'));
    let terminated = 0;
    easy.setopt('CURLOPT_DEBUGFUNCTION', () => {
      terminated++;
      conn.terminate(); // inside libcurl, inside the Session's own dispatch
    });
    const closed = new Promise<unknown[]>((r) => conn.once('close', (...args: unknown[]) => r(args)));
    let recvError: unknown;
    conn.once('message', () => {
      try {
        for (;;) if (easy.wsRecv(Buffer.alloc(16)).result !== CURLE_OK) break;
      } catch (e) {
        recvError = e;
      }
    });
    await conn.send('trigger');
    const [code] = await closed;
    expect(code).toBe(1006);
    expect(terminated).toBeGreaterThan(0);
    expect(recvError).toMatchObject({ code: 'CURLE_GOT_NOTHING' });
    easy.close();
    // the engine is fine afterwards
    const again = await connect(inject('wsEchoUrl'));
    expect((await again.close(1000)).wasClean).toBe(true);
  });
});

/**
 * `Easy`: a libcurl easy handle from TypeScript, for people who know libcurl's C API. Same option
 * and info names, same WebSocket semantics (curl_ws_recv/curl_ws_send/curl_ws_meta), with
 * `curl_easy_perform` replaced by an asynchronous `perform()` that runs through curlws's engine
 * (the per-environment multi on the event loop). See docs/libcurl.md for the full mapping.
 */
import { binding } from '../core/native';
import type { NativeEasy, NativePerformResult, NativeWsFrame } from '../core/contract';
import { CurlError, CurlWsError, codedError, invalidArgType, invalidArgValue, outOfRange } from '../core/errors';
import { CALLBACKS, curlOptionRule, curlOptionValue } from '../core/curl-policy';
import type { CallbackOptionName, CurlOptionAlias, CurlOptionName, OptionRule } from '../core/curl-policy';
import {
  CURL_READFUNC_ABORT,
  CURL_READFUNC_PAUSE,
  CURLE_AGAIN,
  CURLH_HEADER,
  CURLHE_NAMES,
  CURLINFOS,
  type CURLOPT_ALIASES,
  type CURLOPTS,
  CURLPAUSE_ALL,
} from '../core/curl-symbols';

/** `struct curl_ws_frame`: what a received chunk is (see curl_ws_meta(3)). */
export type CurlWsFrame = NativeWsFrame;

/**
 * `CURLOPT_WRITEFUNCTION`: one chunk of received data (in WebSocket callback mode: one frame
 * fragment). Return the count (or nothing: all of it), `CURL_WRITEFUNC_PAUSE` to pause receiving
 * (the same chunk comes again after `easy.pause(CURLPAUSE_CONT)`), `CURL_WRITEFUNC_ERROR` to fail.
 */
export type WriteFunction = (data: Buffer, size: 1, nmemb: number, userdata: unknown) => number | void;
/**
 * `CURLOPT_READFUNCTION` (with `CURLOPT_UPLOAD` 1): fill `buffer` — `size * nitems` bytes,
 * valid only during the call (then copied into libcurl's buffer and detached: a kept one reads
 * as empty) — and return how many bytes you wrote. They are sent as WebSocket frame payload
 * (`easy.wsStartFrame()` in the call sets the frame's type and length). `0` ends the upload,
 * `CURL_READFUNC_PAUSE` pauses sending until `easy.pause(CURLPAUSE_CONT)`,
 * `CURL_READFUNC_ABORT` fails the transfer.
 */
export type ReadFunction = (buffer: Buffer, size: 1, nitems: number, userdata: unknown) => number;
/** `CURLOPT_HEADERFUNCTION`: one response header line, CRLF included. */
export type HeaderFunction = (data: Buffer, size: 1, nmemb: number, userdata: unknown) => number | void;
/** `CURLOPT_DEBUGFUNCTION`: one piece of libcurl's trace; `type` is a `CURLINFO_TEXT`… value. */
export type DebugFunction = (handle: Easy, type: number, data: Buffer, userdata: unknown) => number | void;

type OptType<N extends CurlOptionName> = (typeof CURLOPTS)[N]['type'];

/** The JS value of an option, by its CURLOPTTYPE (never: not settable from JS). */
export type CurlOptionValue<N extends CurlOptionName | CurlOptionAlias> = N extends CurlOptionAlias
  ? CurlOptionValue<(typeof CURLOPT_ALIASES)[N]>
  : N extends 'CURLOPT_WRITEFUNCTION'
    ? WriteFunction | null
    : N extends 'CURLOPT_HEADERFUNCTION'
      ? HeaderFunction | null
      : N extends 'CURLOPT_DEBUGFUNCTION'
        ? DebugFunction | null
        : N extends 'CURLOPT_READFUNCTION'
          ? ReadFunction | null
          : N extends 'CURLOPT_PRIVATE' | 'CURLOPT_WRITEDATA' | 'CURLOPT_HEADERDATA' | 'CURLOPT_DEBUGDATA' | 'CURLOPT_READDATA'
            ? unknown
            : N extends CurlOptionName
              ? OptType<N> extends 'LONG' | 'VALUES'
                ? number | boolean
                : OptType<N> extends 'OFF_T'
                  ? number | bigint
                  : OptType<N> extends 'STRINGPOINT'
                    ? string | null
                    : OptType<N> extends 'SLISTPOINT'
                      ? readonly string[] | null
                      : OptType<N> extends 'BLOB'
                        ? Uint8Array | null
                        : never
              : never;

/** Every `CURLINFO_*` name of the pinned libcurl. */
export type CurlInfoName = keyof typeof CURLINFOS;
type InfoType<N extends CurlInfoName> = (typeof CURLINFOS)[N]['type'];
/** The JS value `getinfo()` returns, by CURLINFO type. */
export type CurlInfoValue<N extends CurlInfoName> = N extends 'CURLINFO_PRIVATE'
  ? unknown
  : N extends 'CURLINFO_CERTINFO'
    ? string[][]
    : InfoType<N> extends 'STRING'
      ? string | null
      : InfoType<N> extends 'SLIST'
        ? string[]
        : InfoType<N> extends 'PTR'
          ? never
          : number;

/** `struct curl_header` from `curl_easy_header`. */
export interface CurlHeader {
  name: string;
  value: string;
  /** how many headers with this name exist (for this origin and request) */
  amount: number;
  index: number;
  /** the `CURLH_*` bit this header came from */
  origin: number;
}

/** Options of {@link Easy.header}: the other arguments of `curl_easy_header`. */
export interface CurlHeaderOptions {
  /** `CURLH_*` bits to search; `CURLH_1XX` for the 101 response. @defaultValue `CURLH_HEADER` */
  origin?: number;
  /** which of several headers with this name. @defaultValue 0 */
  index?: number;
  /** which request (redirects, CONNECT), -1 for the last. @defaultValue -1 */
  request?: number;
}

/** `curl_ws_recv` result: `result` is `CURLE_OK` or `CURLE_AGAIN` (anything else throws). */
export interface WsRecvResult {
  result: number;
  /** bytes written into the buffer */
  nread: number;
  /** metadata of this chunk; null with `CURLE_AGAIN` */
  meta: CurlWsFrame | null;
}

/** `curl_ws_send` result: `result` is `CURLE_OK` or `CURLE_AGAIN` (anything else throws). */
export interface WsSendResult {
  result: number;
  /** payload bytes written to the socket by this call */
  sent: number;
}

/** `curl_easy_send` result: `result` is `CURLE_OK` or `CURLE_AGAIN` (anything else throws). */
export interface EasySendResult {
  result: number;
  /** bytes written to the socket */
  sent: number;
}

/**
 * `curl_easy_recv` result: `result` is `CURLE_OK` or `CURLE_AGAIN` (anything else throws).
 * `CURLE_OK` with `nread` 0 means the peer closed the connection.
 */
export interface EasyRecvResult {
  result: number;
  /** bytes written into the buffer */
  nread: number;
}

/** A `CurlError` with libcurl's text and the error buffer's detail, as `curl` prints them. */
function curlFailure(code: number, detail: string, cause?: { cause: unknown }): CurlError {
  const text = binding.curlStrerror(code);
  return new CurlError(code, detail && detail !== text ? `${text}: ${detail}` : text, cause);
}

/** Native ERR_CURL_* errors become CurlWsError; anything else passes through. */
function fromNative(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && code.startsWith('ERR_CURL')) {
    return new CurlWsError(err.message, code);
  }
  return err;
}

function bytes(name: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw invalidArgType(name, 'a Buffer or Uint8Array', value);
}

function int(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `an integer from ${min} to ${max}`, value);
  return value;
}

/** Calls a READFUNCTION and checks its answer: a count that fits the buffer, or a READFUNC code. */
function readCount(fn: ReadFunction, buffer: Buffer, userdata: unknown): number {
  const r: unknown = fn(buffer, 1, buffer.length, userdata);
  if (typeof r !== 'number') throw invalidArgType('the return value of CURLOPT_READFUNCTION', 'a number', r);
  if (r === CURL_READFUNC_PAUSE || r === CURL_READFUNC_ABORT) return r;
  if (!Number.isInteger(r) || r < 0 || r > buffer.length) {
    throw outOfRange(
      'the return value of CURLOPT_READFUNCTION',
      `a byte count from 0 to ${buffer.length}, CURL_READFUNC_PAUSE or CURL_READFUNC_ABORT`,
      r,
    );
  }
  return r;
}

function noNul(name: string, s: string): string {
  if (s.includes('\0')) throw invalidArgValue(name, s, 'a string without NUL characters (libcurl takes C strings)');
  return s;
}

/**
 * A libcurl easy handle. Create one, `setopt()`, `await perform()`, then talk WebSocket with
 * `wsRecv()`/`wsSend()` (CONNECT_ONLY = 2) or receive frames in `CURLOPT_WRITEFUNCTION`.
 * Call `close()` when done (`curl_easy_cleanup`); an Easy that is garbage-collected unclosed is
 * cleaned up too.
 */
export class Easy {
  readonly #native: NativeEasy;
  #closed = false;
  #inCallback = 0;
  #private: unknown = undefined;
  readonly #userdata: unknown[] = [undefined, undefined, undefined, undefined];
  /** the functions set per callback kind, for duphandle() */
  readonly #functions: (((...args: never[]) => unknown) | null)[] = [null, null, null, null];

  constructor() {
    try {
      this.#native = new binding.Easy();
    } catch (err) {
      throw fromNative(err);
    }
  }

  /** `curl_easy_strerror`-style text of the last failure, from `CURLOPT_ERRORBUFFER` ('' if none). */
  get errorBuffer(): string {
    return this.#closed ? '' : this.#native.errorBuffer();
  }

  /**
   * `curl_easy_setopt(handle, name, value)`.
   * @throws TypeError `ERR_INVALID_ARG_VALUE` (unknown name), `ERR_CURL_OPTION_UNSUPPORTED`
   *   (an option curlws/curl refuses, with the reason), `ERR_INVALID_ARG_TYPE` (wrong value type);
   *   CurlError when libcurl refuses the value.
   */
  setopt<N extends CurlOptionName | CurlOptionAlias>(name: N, value: CurlOptionValue<N>): void {
    this.#check('setopt()', true);
    const rule = curlOptionRule('easy', name);
    switch (rule.kind) {
      case 'private':
        this.#private = value;
        return;
      case 'userdata':
        this.#userdata[Object.values(CALLBACKS).findIndex((c) => c.data === rule.name)] = value;
        return;
      case 'function':
        this.#setCallback(rule.name as CallbackOptionName, value);
        return;
      default:
        this.#setPlain(rule, value);
    }
  }

  #setPlain(rule: OptionRule, value: unknown): void {
    const { name } = rule;
    const v = curlOptionValue('easy', rule, value, name);
    const rc = this.#native.setopt(name, v);
    if (rc === 48) throw curlFailure(rc, `${name} is not an option of the linked libcurl ${binding.versions.libcurl}`);
    // Name the option and the value: "A libcurl function was given a bad argument" alone does
    // not say which setopt() of many it was.
    if (rc !== 0) throw curlFailure(rc, `libcurl refused ${name} = ${JSON.stringify(v)}`);
  }

  #setCallback(name: CallbackOptionName, fn: unknown): void {
    if (fn !== null && typeof fn !== 'function') throw invalidArgType(name, 'a function or null', fn);
    const { kind } = CALLBACKS[name];
    let bridge: ((...args: never[]) => unknown) | null = null;
    if (typeof fn === 'function') {
      if (kind === 3) {
        bridge = (buffer: Buffer) => this.#enter(() => readCount(fn as ReadFunction, buffer, this.#userdata[3]));
      } else if (kind === 2) {
        bridge = (type: number, data: Buffer) => this.#enter(() => (fn as DebugFunction)(this, type, data, this.#userdata[2]));
      } else {
        bridge = (data: Buffer) =>
          this.#enter(() => {
            const r: unknown = (fn as WriteFunction)(data, 1, data.length, this.#userdata[kind]);
            if (r === undefined) return data.length;
            if (typeof r !== 'number') throw invalidArgType(`the return value of ${name}`, 'a number or undefined', r);
            return r;
          });
      }
    }
    const rc = this.#native.setCallback(kind, bridge);
    if (rc !== 0) throw curlFailure(rc, '');
    this.#functions[kind] = typeof fn === 'function' ? (fn as (...args: never[]) => unknown) : null;
  }

  #enter<T>(fn: () => T): T {
    this.#inCallback++;
    try {
      return fn();
    } finally {
      this.#inCallback--;
    }
  }

  /**
   * `curl_easy_getinfo(handle, name, &value)`.
   * @throws TypeError for an unknown name or a native pointer info; CurlError if libcurl fails.
   */
  getinfo<N extends CurlInfoName>(name: N): CurlInfoValue<N> {
    this.#check('getinfo()', false);
    const entry = (CURLINFOS as Record<string, { id: number; type: string }>)[name as string];
    if (!entry) throw invalidArgValue('name', name, 'a CURLINFO_* name');
    if (name === 'CURLINFO_PRIVATE') return this.#private as CurlInfoValue<N>;
    if (entry.type === 'PTR' && name !== 'CURLINFO_CERTINFO') {
      throw codedError(TypeError, 'ERR_CURL_OPTION_UNSUPPORTED', `${name} is a native pointer and has no JS value`);
    }
    const [rc, value] = this.#native.getinfo(entry.id);
    if (rc !== 0) throw curlFailure(rc, '');
    return value as CurlInfoValue<N>;
  }

  /**
   * `curl_easy_header(handle, name, index, origin, request, &h)`. The headers of the 101 live
   * under `CURLH_1XX`. Returns null for CURLHE_MISSING, CURLHE_NOHEADERS, CURLHE_BADINDEX and
   * CURLHE_NOREQUEST; other CURLHcodes throw a CurlWsError with the CURLHE_* name as `code`.
   */
  header(name: string, options: CurlHeaderOptions = {}): CurlHeader | null {
    this.#check('header()', false);
    if (typeof name !== 'string' || name === '') throw invalidArgType('name', 'a non-empty string', name);
    const origin = int('options.origin', options.origin ?? CURLH_HEADER, 1, 0x7fffffff);
    const index = int('options.index', options.index ?? 0, 0, 0x7fffffff);
    const request = int('options.request', options.request ?? -1, -1, 0x7fffffff);
    const [code, h] = this.#native.header(noNul('name', name), index, origin, request);
    if (code === 0) return h;
    if (code >= 1 && code <= 4) return null;
    const label = CURLHE_NAMES[code] ?? `CURLHE_UNKNOWN_${code}`;
    throw new CurlWsError(`curl_easy_header(${JSON.stringify(name)}) failed: ${label}`, label);
  }

  /** `curl_easy_reset`: every option back to its default; the connection (if any) is closed. */
  reset(): void {
    this.#check('reset()', true);
    try {
      this.#native.reset();
    } catch (err) {
      // ERR_CURL_* errors mean nothing was reset; anything else is a DEBUGFUNCTION's exception
      // from the connection's teardown, thrown after the reset (as wsSend() rethrows one)
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && code.startsWith('ERR_CURL')) throw fromNative(err);
      this.#forgetJsState();
      throw err;
    }
    this.#forgetJsState();
  }

  #forgetJsState(): void {
    this.#private = undefined;
    this.#userdata.fill(undefined);
    this.#functions.fill(null);
  }

  /**
   * `curl_easy_cleanup`. Idempotent. A pending `perform()` rejects with `ERR_CURL_EASY_CLOSED`,
   * so do pending `wsReadable()`/`wsWritable()`. Inside one of this handle's callbacks the
   * transfer is stopped and the handle released right after the callback returns.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }

  /**
   * `curl_easy_perform`, asynchronously: the transfer runs on the event loop through curlws's
   * engine. With `CURLOPT_CONNECT_ONLY = 2` it resolves once the WebSocket is up; otherwise when
   * the transfer ends (in WebSocket callback mode: when the connection closes).
   * @throws (rejects) CurlError with `code` `CURLE_*`; a JS callback's exception is its `cause`.
   */
  async perform(): Promise<void> {
    this.#check('perform()', true);
    let r: NativePerformResult;
    try {
      r = await this.#native.perform();
    } catch (err) {
      throw fromNative(err);
    }
    if (r.closed) throw new CurlWsError('perform() was interrupted: the Easy handle was closed', 'ERR_CURL_EASY_CLOSED');
    if (r.result !== 0) throw curlFailure(r.result, r.error, r.hasCause ? { cause: r.cause } : undefined);
  }

  /**
   * `curl_ws_recv(handle, buffer, buffer.length, &nread, &meta)`: at most one frame (or part of
   * one) per call. `CURLE_AGAIN` is a result, not an error: nothing is pending now. An empty
   * buffer peeks, as in C: `CURLE_OK` with `nread` 0 and the next frame's `meta` (its
   * `bytesleft` is the payload still to read) consuming nothing — so a loop must read with a
   * non-empty buffer to make progress — or `CURLE_AGAIN` when nothing has arrived yet.
   * @throws CurlError for any other CURLcode.
   */
  wsRecv(buffer: Uint8Array): WsRecvResult {
    this.#check('wsRecv()', false);
    const data = bytes('buffer', buffer);
    const r = this.#call(() => this.#native.wsRecv(data));
    if (r.result !== 0 && r.result !== CURLE_AGAIN) throw curlFailure(r.result, this.#native.errorBuffer());
    return r;
  }

  /**
   * `curl_ws_send(handle, buffer, buffer.length, &sent, fragsize, flags)`. `CURLE_OK` with
   * `sent < buffer.length`: call again with the rest. `CURLE_AGAIN`: retry with the same
   * (remaining) buffer once `wsWritable()` resolves. `CURLWS_OFFSET` + `fragsize`: a frame fed in
   * parts, as in C.
   * @throws CurlError for any other CURLcode.
   */
  wsSend(buffer: Uint8Array, flags: number, fragsize = 0): WsSendResult {
    this.#check('wsSend()', false);
    const data = bytes('buffer', buffer);
    int('flags', flags, 0, 0xffff);
    int('fragsize', fragsize, 0, Number.MAX_SAFE_INTEGER);
    const r = this.#call(() => this.#native.wsSend(data, flags, fragsize));
    if (r.result !== 0 && r.result !== CURLE_AGAIN) throw curlFailure(r.result, this.#native.errorBuffer());
    return r;
  }

  /** `curl_ws_meta`: the frame metadata inside `CURLOPT_WRITEFUNCTION`, null elsewhere. */
  wsMeta(): CurlWsFrame | null {
    this.#check('wsMeta()', false);
    return this.#native.wsMeta();
  }

  /**
   * `curl_ws_start_frame(handle, flags, length)` (libcurl 8.16.0 and newer): buffer a frame
   * header; the payload follows with `wsSend()`.
   * @throws CurlWsError `ERR_CURL_NOT_AVAILABLE` when built against an older libcurl.
   */
  wsStartFrame(flags: number, length: number): void {
    this.#check('wsStartFrame()', false);
    int('flags', flags, 0, 0xffff);
    int('length', length, 0, Number.MAX_SAFE_INTEGER);
    const rc = this.#call(() => this.#native.wsStartFrame(flags, length));
    if (rc !== 0) throw curlFailure(rc, this.#native.errorBuffer());
  }

  /**
   * `curl_easy_pause(handle, bitmask)`: `CURLPAUSE_RECV`, `CURLPAUSE_SEND`, `CURLPAUSE_ALL` or
   * `CURLPAUSE_CONT` (resume both). Allowed inside this handle's callbacks, as in C. Resuming
   * may call `CURLOPT_WRITEFUNCTION` with the held data before `pause()` returns; if that fails
   * (the callback throws or refuses the data), the transfer is aborted: `perform()` rejects with
   * that code and the exception as `cause`, and `pause()` throws the code too.
   * @throws RangeError `ERR_OUT_OF_RANGE` for other bits; CurlError if libcurl refuses (e.g.
   *   `CURLE_BAD_FUNCTION_ARGUMENT` for a handle without a transfer).
   */
  pause(bitmask: number): void {
    this.#check('pause()', false);
    int('bitmask', bitmask, 0, CURLPAUSE_ALL);
    if (bitmask & ~CURLPAUSE_ALL) throw outOfRange('bitmask', 'a combination of CURLPAUSE_RECV and CURLPAUSE_SEND', bitmask);
    const rc = this.#call(() => this.#native.pause(bitmask));
    // (closed by a callback that pause() ran: the transfer is over by the caller's own hand)
    if (rc !== 0 && !this.#closed) throw curlFailure(rc, this.#native.errorBuffer());
  }

  /**
   * `curl_easy_send(handle, buffer, buffer.length, &sent)` on a `CURLOPT_CONNECT_ONLY`
   * connection: the bytes go to the socket as they are — also with `CONNECT_ONLY = 2`, where
   * they bypass libcurl's WebSocket framing. `CURLE_AGAIN`: retry once `wsWritable()` resolves.
   * @throws CurlError for any other CURLcode (e.g. `CURLE_UNSUPPORTED_PROTOCOL` without a connection).
   */
  send(buffer: Uint8Array): EasySendResult {
    this.#check('send()', false);
    const data = bytes('buffer', buffer);
    const r = this.#call(() => this.#native.send(data));
    if (r.result !== 0 && r.result !== CURLE_AGAIN) throw curlFailure(r.result, this.#native.errorBuffer());
    return r;
  }

  /**
   * `curl_easy_recv(handle, buffer, buffer.length, &nread)` on a `CURLOPT_CONNECT_ONLY`
   * connection: the connection's bytes as they arrive (with `CONNECT_ONLY = 2`: raw WebSocket
   * frames, bypassing `wsRecv()`'s decoder). `CURLE_AGAIN`: wait with `wsReadable()`.
   * @throws CurlError for any other CURLcode.
   */
  recv(buffer: Uint8Array): EasyRecvResult {
    this.#check('recv()', false);
    const data = bytes('buffer', buffer);
    const r = this.#call(() => this.#native.recv(data));
    if (r.result !== 0 && r.result !== CURLE_AGAIN) throw curlFailure(r.result, this.#native.errorBuffer());
    return r;
  }

  /**
   * `curl_easy_duphandle`: a new Easy with the same options — not the connection, as in C.
   * The callbacks are the same functions, called with the copy's own userdata (the same values
   * as the original's, as C copies the pointers) and, for `CURLOPT_DEBUGFUNCTION`, the copy as
   * `handle`; `CURLOPT_PRIVATE` is copied too.
   */
  duphandle(): Easy {
    this.#check('duphandle()', false);
    const copy = new Easy();
    try {
      copy.#native.dupFrom(this.#native);
    } catch (err) {
      copy.close();
      throw fromNative(err);
    }
    copy.#private = this.#private;
    copy.#userdata.splice(0, this.#userdata.length, ...this.#userdata);
    for (const [name, { kind }] of Object.entries(CALLBACKS)) {
      const fn = this.#functions[kind];
      if (fn) copy.#setCallback(name as CallbackOptionName, fn);
    }
    return copy;
  }

  /**
   * Resolves when the connection's socket is readable (what C code would `select()`/`poll()`
   * for). As in C, first read with `wsRecv()` until `CURLE_AGAIN`: data libcurl already buffered
   * does not make the socket readable. Only after `perform()` with `CURLOPT_CONNECT_ONLY` 1 or 2.
   * Rejects with `ERR_CURL_EASY_CLOSED` if the handle is closed meanwhile.
   */
  wsReadable(): Promise<void> {
    return this.#wait(1);
  }

  /** Resolves when the socket is writable: retry a `wsSend()` that gave `CURLE_AGAIN`. */
  wsWritable(): Promise<void> {
    return this.#wait(2);
  }

  async #wait(events: 1 | 2): Promise<void> {
    this.#check(events === 1 ? 'wsReadable()' : 'wsWritable()', false);
    try {
      await this.#native.wsWait(events);
    } catch (err) {
      throw fromNative(err);
    }
  }

  #call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw fromNative(err);
    }
  }

  #check(what: string, forbidInCallback: boolean): void {
    if (this.#closed) throw new CurlWsError(`${what}: the Easy handle is closed`, 'ERR_CURL_EASY_CLOSED');
    if (forbidInCallback && this.#inCallback > 0) {
      throw new CurlWsError(`${what} cannot be called from inside this handle's own callback`, 'ERR_CURL_IN_CALLBACK');
    }
  }
}

/**
 * The WHATWG `WebSocket` (websockets.spec.whatwg.org) on top of `connect()`: an `EventTarget`
 * with `open`/`message`/`error`/`close`, the `on*` attributes, `readyState`, `binaryType`,
 * `bufferedAmount` and the spec's exceptions (`DOMException`s). This module only translates
 * between the standard's vocabulary and a {@link Connection}; the engine does the protocol work.
 */
import { types } from 'node:util';
import { CLOSED, CLOSING, CONNECTING, OPEN, connect, kMessageSink, kSendWithCallbacks } from '../core/connection';
import type { Connection, ReadyState } from '../core/connection';
import { CloseEvent, ErrorEvent, MessageEvent } from './events';
import { CurlWsError, invalidArgValue } from '../core/errors';
import { MAX_CLOSE_REASON } from '../core/frames';
import type { ConnectOptions } from '../core/options';
import { defineEventHandlerAttributes, EventTargetHandlerSlots } from './facade/event-handler-attributes';
import { BufferedAmount } from './facade/buffered-amount';
import { BlobOrderedSendQueue } from './facade/send-queue';
import { defineReadyStateConstants } from './ready-state';
import { TOKEN } from '../core/request-values';
import { parseWebSocketUrl } from '../core/websocket-url';

/** Values of {@link WebSocket.binaryType}: the standard's two plus `'nodebuffer'` (a Buffer). */
export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/**
 * The third constructor argument: every {@link ConnectOptions} member except `protocols` (that
 * is the second argument). `signal` aborts like `close()` does.
 */
export type WebSocketOptions = Omit<ConnectOptions, 'protocols'>;

/** Data `send()` takes. Anything else is converted to a string, as WebIDL does. */
export type WebSocketData = string | Blob | ArrayBuffer | ArrayBufferView;

const BINARY_TYPES: readonly string[] = ['blob', 'arraybuffer', 'nodebuffer'];

/**
 * A WHATWG `WebSocket` whose transport is libcurl.
 *
 * ```ts
 * const ws = new WebSocket('wss://example.test/feed', ['v1'], { tls: { ca } });
 * ws.binaryType = 'arraybuffer';
 * ws.onmessage = (e) => console.log(e.data);
 * ```
 */
export class WebSocket extends EventTarget {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  readonly #url: string;
  readonly #origin: string;
  readonly #controller = new AbortController();
  #conn: Connection | undefined;
  #readyState: ReadyState = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  /** The spec's bufferedAmount: queued by send(), not yet handed to the kernel. */
  readonly #buffered = new BufferedAmount();
  /** Sends waiting behind a Blob being read (the spec queues them in order). */
  readonly #queue = new BlobOrderedSendQueue<undefined>({
    defer: (run) => run(),
    // An unreadable Blob (its file changed, …) cannot be sent: the standard's "cannot be sent"
    // step closes the connection, and browsers fail it: 'error', then 'close' 1006. Nothing
    // queued behind it goes out.
    onUnreadableBlob: (err) => this.#failOnUnreadableBlob(err),
  });
  /** close() during CONNECTING: the connection must end as failed (error + 1006). */
  #failed = false;
  #error: WebSocketErrorCause | undefined;
  readonly #handlers = new EventTargetHandlerSlots(this);

  /**
   * @param url - `ws:`/`wss:` (or `http:`/`https:`, mapped) absolute URL, no fragment
   * @param protocols - one subprotocol or a list, each an RFC 7230 token, no duplicates
   * @param options - curlws {@link ConnectOptions} (TLS, headers, timeouts, …) minus `protocols`
   * @throws DOMException `SyntaxError` for a bad URL or subprotocol list
   * @throws TypeError for invalid options (see `connect()`)
   */
  constructor(url: string | URL, protocols?: string | string[], options?: WebSocketOptions) {
    super();
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    }
    const record = parseUrl(url);
    const list = toProtocolList(protocols);
    this.#url = record.href;
    this.#origin = record.origin;
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`Expected an object for options but received ${String(options)}`);
    }
    if (options && 'protocols' in options) {
      throw invalidArgValue(
        'options.protocols',
        (options as ConnectOptions).protocols,
        'no protocols option (pass subprotocols as the second argument)',
      );
    }
    const userSignal = options?.signal;
    const signal = userSignal ? AbortSignal.any([userSignal, this.#controller.signal]) : this.#controller.signal;
    if (userSignal) {
      userSignal.addEventListener('abort', () => this.close(), { once: true });
    }
    // permessage-deflate is on unless turned off, as in browsers and undici.
    const perMessageDeflate = options?.perMessageDeflate ?? true;
    connect(this.#url, { ...options, perMessageDeflate, protocols: list, signal }).then(
      (conn) => this.#onConnected(conn),
      (err: unknown) => this.#onConnectFailed(err),
    );
  }

  /** The URL, serialized, after mapping `http:`→`ws:`/`https:`→`wss:`. */
  get url(): string {
    return this.#url;
  }
  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): ReadyState {
    if (this.#readyState === OPEN && this.#conn && this.#conn.readyState === CLOSING) return CLOSING;
    return this.#readyState;
  }
  /**
   * Bytes of application data queued by `send()` and not yet handed to the network. After the
   * connection closed it only grows (the standard's rule), so code that polls it sees the loss.
   */
  get bufferedAmount(): number {
    return this.#buffered.value;
  }
  /**
   * The extensions the server agreed to, as its `Sec-WebSocket-Extensions` value ('' before open
   * or if none). permessage-deflate is offered unless `options.perMessageDeflate` is `false`.
   */
  get extensions(): string {
    return this.#extensions;
  }
  /** The subprotocol the server chose, '' before open or if none. */
  get protocol(): string {
    return this.#protocol;
  }
  /**
   * How binary messages are delivered: `'blob'` (default, per the standard), `'arraybuffer'`, or
   * curlws's `'nodebuffer'` (a Buffer). Invalid values are ignored, as WebIDL enums are.
   */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    const v = String(value);
    if (BINARY_TYPES.includes(v)) this.#binaryType = v as BinaryType;
  }

  /**
   * Queues a message: a string as text; a Blob, ArrayBuffer or view as binary. Anything else is
   * sent as `String(data)`. Blobs are read asynchronously; message order is kept.
   * @throws DOMException `InvalidStateError` while CONNECTING
   */
  send(data: WebSocketData): void {
    if (arguments.length === 0) {
      throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    }
    if (this.#readyState === CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
    }
    let payload: Blob | Buffer | string;
    let size: number;
    if (data instanceof Blob) {
      payload = data;
      size = data.size;
    } else if (types.isAnyArrayBuffer(data)) {
      payload = Buffer.from(data as ArrayBuffer);
      size = (data as ArrayBuffer).byteLength;
    } else if (ArrayBuffer.isView(data)) {
      payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      size = data.byteLength;
    } else {
      payload = toUSVString(data);
      size = Buffer.byteLength(payload);
    }
    // Every send() that does not throw counts, even once closing or closed (the standard's rule).
    this.#buffered.count(size);
    if (this.readyState !== OPEN || !this.#conn) return;
    if (payload instanceof Blob) {
      this.#queue.pushBlob(payload, (bytes) => this.#transmit(bytes, size), undefined);
    } else if (this.#queue.busy) {
      // Bytes must be captured now: the caller may reuse its buffer once send() returns.
      const copy = Buffer.isBuffer(payload) ? Buffer.from(payload) : payload;
      this.#queue.push(() => this.#transmit(copy, size), undefined);
    } else {
      this.#transmit(payload, size);
    }
  }

  /**
   * Starts the closing handshake; during CONNECTING, fails the connection (error, then close
   * with 1006).
   * @param code - 1000 or 3000–4999
   * @param reason - at most 123 bytes of UTF-8
   * @throws DOMException `InvalidAccessError` for another code, `SyntaxError` for a long reason
   */
  close(code?: number, reason?: string): void {
    let status: number | undefined;
    if (code !== undefined) {
      status = clampUnsignedShort(code);
      if (status !== 1000 && !(status >= 3000 && status <= 4999)) {
        throw new DOMException(
          `Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${status} is neither.`,
          'InvalidAccessError',
        );
      }
    }
    let reasonBytes = Buffer.alloc(0);
    if (reason !== undefined) {
      reasonBytes = Buffer.from(toUSVString(reason));
      if (reasonBytes.length > MAX_CLOSE_REASON) {
        throw new DOMException(
          `Failed to execute 'close' on 'WebSocket': The close reason must not be greater than ${MAX_CLOSE_REASON} UTF-8 bytes.`,
          'SyntaxError',
        );
      }
    }
    const state = this.readyState;
    if (state === CLOSING || state === CLOSED) return;
    if (state === CONNECTING) {
      this.#failed = true;
      this.#readyState = CLOSING;
      this.#controller.abort();
      return;
    }
    this.#readyState = CLOSING;
    if (status === undefined && reasonBytes.length > 0) status = 1000;
    this.#queue.closeWhenDrained(() => this.#closeConn(status, reasonBytes));
  }

  // ---- internals ---------------------------------------------------------------------------

  #closeConn(code: number | undefined, reason: Buffer): void {
    const conn = this.#conn;
    if (!conn) return;
    (code === undefined ? conn.close() : conn.close(code, reason)).catch(() => {});
  }

  #transmit(data: Buffer | string, size: number): void {
    const conn = this.#conn;
    if (!conn || conn.readyState !== OPEN) return; // never transmitted: stays counted
    const buffered = this.#buffered;
    // Refused (the connection is closing): never transmitted, stays counted.
    if (conn[kSendWithCallbacks](data, typeof data !== 'string', true, buffered.onSent, buffered.onFailed)) return;
    buffered.track(size);
  }

  #failOnUnreadableBlob(err: unknown): void {
    this.#error ??= asCause(err);
    this.#failed = true;
    if (this.#readyState === OPEN) this.#readyState = CLOSING;
    this.#conn?.terminate();
  }

  #onConnected(conn: Connection): void {
    this.#conn = conn;
    conn[kMessageSink]((data, isBinary, arena, offset, length) => this.#onMessage(data, isBinary, arena, offset, length));
    conn.on('error', (err) => {
      this.#error ??= err;
    });
    conn.on('close', (code, reason, wasClean) => this.#onClose(code, reason, wasClean));
    if (this.#readyState !== CONNECTING) {
      // close() ran while connect() was settling: the standard says the connection fails.
      conn.terminate();
      return;
    }
    this.#readyState = OPEN;
    this.#protocol = conn.protocol;
    this.#extensions = conn.extensions;
    this.dispatchEvent(new Event('open'));
  }

  #onConnectFailed(err: unknown): void {
    this.#error = asCause(err);
    this.#onClose(1006, '', false, true);
  }

  /** `data` undefined: a small binary message, `length` bytes at `offset` in `arena` (shared). */
  #onMessage(data: string | Buffer | undefined, isBinary: boolean, arena?: ArrayBuffer, offset = 0, length = 0): void {
    if (this.readyState !== OPEN) return; // the standard drops messages once closing
    let value: unknown = data;
    if (isBinary) {
      const type = this.#binaryType;
      if (data === undefined) {
        const ab = arena as ArrayBuffer;
        // A batch whose arena holds this message alone (the usual case for one message per
        // read) hands the arena over: nothing else refers to it, so no copy is needed.
        if (type === 'arraybuffer') value = offset === 0 && length === ab.byteLength ? ab : ab.slice(offset, offset + length);
        else if (type === 'blob') value = new Blob([new Uint8Array(ab, offset, length)]);
        else value = Buffer.from(ab, offset, length);
      } else if (type === 'blob') {
        value = new Blob([data as Uint8Array<ArrayBuffer>]);
      } else if (type === 'arraybuffer') {
        value = toArrayBuffer(data as Buffer);
      }
    }
    this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.#origin }));
  }

  #onClose(code: number, reason: string, wasClean: boolean, failed = false): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.#queue.clear();
    if (this.#failed) {
      failed = true;
      code = 1006;
      reason = '';
      wasClean = false;
    }
    if (failed || this.#error !== undefined) {
      const error = this.#error;
      const message = error instanceof Error ? error.message : 'WebSocket connection failed';
      this.dispatchEvent(new ErrorEvent<WebSocketErrorCause>('error', { message, error }));
    }
    this.dispatchEvent(new CloseEvent('close', { wasClean, code, reason }));
  }

  static {
    defineEventHandlerAttributes(WebSocket.prototype, (ws) => ws.#handlers, false);
  }
}

defineReadyStateConstants(WebSocket);
Object.defineProperty(WebSocket.prototype, Symbol.toStringTag, { value: 'WebSocket', configurable: true });

// The on* attributes are installed on the prototype (the static block above); this interface,
// merged with the class, gives them their types.
export interface WebSocket {
  onopen: ((this: WebSocket, ev: Event) => unknown) | null;
  onmessage: ((this: WebSocket, ev: MessageEvent) => unknown) | null;
  /** Gets an {@link ErrorEvent} whose `error` says what failed (`e.error?.code`). */
  onerror: ((this: WebSocket, ev: ErrorEvent<WebSocketErrorCause>) => unknown) | null;
  onclose: ((this: WebSocket, ev: CloseEvent) => unknown) | null;
}

/**
 * What the `error` event's `error` holds: the `CurlWsError` that failed the connection (its
 * `code`: `CURLE_*`, `WS_ERR_*`, `ABORT_ERR`, …), or the `DOMException` of a Blob that could not
 * be read (`NotReadableError`). `undefined` when `close()` ended the handshake.
 */
export type WebSocketErrorCause = CurlWsError | DOMException;

/** Anything else (not expected) becomes a CurlWsError, so the type above holds. */
function asCause(err: unknown): WebSocketErrorCause {
  if (err instanceof CurlWsError || err instanceof DOMException) return err;
  return new CurlWsError(err instanceof Error ? err.message : String(err), 'ERR_CURLWS_INTERNAL', { cause: err });
}

/**
 * The constructor's URL steps: parse, map http(s) to ws(s), require ws/wss, forbid fragments.
 * @throws DOMException `SyntaxError`
 */
function parseUrl(input: unknown): URL {
  const text = toUSVString(input);
  const syntaxError = (message: string) => new DOMException(`Failed to construct 'WebSocket': ${message}`, 'SyntaxError');
  return parseWebSocketUrl(text, {
    unparsable: () => syntaxError(`The URL '${text}' is invalid.`),
    wrongScheme: (url) =>
      syntaxError(`The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${url.protocol.slice(0, -1)}' is not allowed.`),
    fragment: (url) =>
      syntaxError(`The URL contains a fragment identifier ('${url.hash}'). Fragment identifiers are not allowed in WebSocket URLs.`),
  });
}

/** WebIDL `(DOMString or sequence<DOMString>)`, then the standard's checks. */
function toProtocolList(value: unknown): string[] {
  if (value === undefined) return [];
  const list =
    typeof value === 'object' && value !== null && Symbol.iterator in value
      ? Array.from(value as Iterable<unknown>, (v) => toDOMString(v))
      : [toDOMString(value)];
  const seen = new Set<string>();
  for (const p of list) {
    if (!TOKEN.test(p) || seen.has(p)) {
      throw new DOMException(`Failed to construct 'WebSocket': The subprotocol '${p}' is invalid or duplicated.`, 'SyntaxError');
    }
    seen.add(p);
  }
  return list;
}

function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return String(value);
}

function toUSVString(value: unknown): string {
  // String.prototype.toWellFormed (ES2024, Node 20): lone surrogates become U+FFFD.
  return (toDOMString(value) as string & { toWellFormed(): string }).toWellFormed();
}

/** WebIDL `[Clamp] unsigned short`. */
function clampUnsignedShort(value: unknown): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') {
    throw new TypeError(`Cannot convert a ${typeof value} value to a number`);
  }
  let x = Number(value);
  if (Number.isNaN(x)) return 0;
  x = Math.min(Math.max(x, 0), 65535);
  const f = Math.floor(x);
  const frac = x - f;
  if (frac > 0.5) return f + 1;
  if (frac < 0.5) return f;
  return f % 2 === 0 ? f : f + 1; // round half to even
}

/** An ArrayBuffer holding exactly `buf`'s bytes (no copy when `buf` spans its whole buffer). */
export function toArrayBuffer(buf: Buffer): ArrayBuffer {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && types.isArrayBuffer(buf.buffer)) {
    return buf.buffer;
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

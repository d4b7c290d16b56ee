/**
 * A client with the API of the npm `ws` package's `WebSocket` (v8), on top of `connect()`.
 * Meant as a drop-in for code that uses `ws` as a client: same constructor, options, events,
 * methods, error-throwing rules and callback semantics. Every remaining difference is listed in
 * docs/compat.md.
 */
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { types } from 'node:util';
import { CLOSED, CLOSING, CONNECTING, OPEN, connect, kSendWithCallbacks } from '../core/connection';
import type { Connection, Handshake, ReadyState } from '../core/connection';
import { CurlWsError, HandshakeError, invalidArgType } from '../core/errors';
import { CloseEvent, ErrorEvent, MessageEvent } from './events';
import { isSendableCloseCode, MAX_CLOSE_REASON } from '../core/frames';
import { NETWORK_KEYS, TLS_KEYS } from '../core/network-options';
import type { PerMessageDeflateOptions } from '../core/deflate-options';
import type { NetworkOptions, TlsOptions } from '../core/network-options';
import { MOVED_KEYS } from '../core/options';
import type { ConnectOptions } from '../core/options';
import { TOKEN, wireString } from '../core/request-values';
import { parseWebSocketUrl } from '../core/websocket-url';
import { defineEventHandlerAttributes } from './facade/event-handler-attributes';
import { BlobOrderedSendQueue } from './facade/send-queue';
import type { QueuedSend } from './facade/send-queue';
import { defineReadyStateConstants, READY_STATE_NAMES } from './ready-state';

/** `binaryType` values, as in `ws`. */
export type WsBinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** Options of the `ws`-compatible constructor. */
/** `ws` client options, plus curlws's network options (`proxy`, `resolve`, `verbose`, …). */
export interface WsClientOptions extends Omit<NetworkOptions, 'tls' | 'followRedirects' | 'maxRedirects'>, Pick<TlsOptions, WsTlsKey> {
  /** Subprotocols, when the second constructor argument is omitted. */
  protocols?: string | string[];
  /** Extra request headers (`Upgrade`, `Connection`, `Sec-WebSocket-*` are rejected; `Host` replaces the URL's). */
  headers?: Record<string, string | string[]>;
  /** Milliseconds for connect + TLS + upgrade. @defaultValue curlws's 30 000 (ws: none) */
  handshakeTimeout?: number;
  /** @defaultValue `104857600` */
  maxPayload?: number;
  /**
   * Follow 3xx answers to the handshake with a new handshake to `Location` (credentials are
   * dropped when leaving the origin). The `redirect` event does not fire.
   * @defaultValue `false`
   */
  followRedirects?: boolean;
  /** @defaultValue `10` */
  maxRedirects?: number;
  /** Sent as the `Origin` header. */
  origin?: string;
  /** Only `13`. */
  protocolVersion?: number;
  /** Answer PINGs automatically. @defaultValue `true` */
  autoPong?: boolean;
  /** Accepted and ignored: UTF-8 is always validated by the engine. */
  skipUTF8Validation?: boolean;
  /** Milliseconds to wait for the peer's CLOSE after ours. @defaultValue `30000` */
  closeTimeout?: number;
  /**
   * permessage-deflate, as in ws: `true`, `false`, or its settings (ws's `zlibDeflateOptions`
   * `level`/`memLevel` are taken; `zlibInflateOptions` and `concurrencyLimit` are accepted and
   * ignored: zlib runs on the event loop, in bounded slices of work). @defaultValue `true`
   */
  perMessageDeflate?: boolean | WsPerMessageDeflateOptions;
  /** Accepted and ignored: events are emitted as messages arrive. */
  allowSynchronousEvents?: boolean;
  /** Accepted for compatibility (ws receiver limits); the engine applies its own. */
  maxBufferedChunks?: number;
  maxFragments?: number;
  maxPendingAutoPongs?: number;
  /** curlws extension: TLS settings, see `ConnectOptions.tls`. */
  tls?: ConnectOptions['tls'];
  /** curlws extension: aborts like `terminate()`. */
  signal?: AbortSignal;
}

/**
 * The options `ws` hands to `tls.connect` that curlws's `tls` option has under the same name and
 * meaning: given at the top level, as with ws, they are moved into `tls` (`rejectUnauthorized:
 * false` works as in ws): curlws's `tls` keys but its own two.
 */
const CURLWS_ONLY_TLS_KEYS: readonly string[] = ['pinnedPublicKey', 'keylog'];
type WsTlsKey = Exclude<(typeof TLS_KEYS)[number], 'pinnedPublicKey' | 'keylog'>;
const WS_TLS_KEYS = TLS_KEYS.filter((k): k is WsTlsKey => !CURLWS_ONLY_TLS_KEYS.includes(k));

/** ws's perMessageDeflate object: curlws's settings plus ws's zlib option objects. */
export interface WsPerMessageDeflateOptions extends PerMessageDeflateOptions {
  zlibDeflateOptions?: { level?: number; memLevel?: number };
  zlibInflateOptions?: object;
  concurrencyLimit?: number;
}

/** ws's perMessageDeflate object in connect()'s terms (anything unexpected is left to it). */
function deflateOptions(value: WsClientOptions['perMessageDeflate']): ConnectOptions['perMessageDeflate'] {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return value;
  const { zlibDeflateOptions, zlibInflateOptions: _inflate, concurrencyLimit: _limit, ...rest } = value;
  const zlib = zlibDeflateOptions ?? {};
  return {
    ...rest,
    ...(zlib.level !== undefined && rest.level === undefined ? { level: zlib.level } : {}),
    ...(zlib.memLevel !== undefined && rest.memLevel === undefined ? { memLevel: zlib.memLevel } : {}),
  };
}

/** Every option key the constructor accepts (the option-injection test iterates it). */
export const WS_OPTION_KEYS = [
  'protocols',
  'headers',
  'handshakeTimeout',
  'maxPayload',
  'followRedirects',
  'maxRedirects',
  'origin',
  'protocolVersion',
  'autoPong',
  'skipUTF8Validation',
  'closeTimeout',
  'perMessageDeflate',
  'allowSynchronousEvents',
  'maxBufferedChunks',
  'maxFragments',
  'maxPendingAutoPongs',
  'tls',
  'signal',
  ...WS_TLS_KEYS,
  ...NETWORK_KEYS,
] as const;
const SUPPORTED = new Set<string>(WS_OPTION_KEYS);

const BINARY_TYPES: readonly string[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];
const EMPTY = Buffer.alloc(0);
const kForOnEventAttribute = Symbol('kIsForOnEventAttribute');
const kListener = Symbol('kListener');

type Callback = (err?: Error) => void;

/** The `res` of `'upgrade'` and `'unexpected-response'`: an ended `Readable` with the head. */
export interface WsResponse extends Readable {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string>;
  rawHeaders: string[];
}

function unsupported(what: string, instead?: string): Error {
  const message = `curlws/ws: ${what} is not supported${instead ? `; use ${instead}` : ''}`;
  return Object.assign(new Error(message), { code: 'ERR_CURLWS_UNSUPPORTED' });
}

/**
 * The `ws` client `WebSocket`, driven by libcurl.
 *
 * ```ts
 * import WebSocket from 'curlws/ws';
 * const ws = new WebSocket('wss://example.test/', { headers: { Authorization: 'Bearer …' } });
 * ws.on('message', (data, isBinary) => {});
 * ```
 */
export class WsWebSocket extends EventEmitter {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
  /** So `import { WebSocket } from 'curlws/ws'` works as with `ws`. */
  static WebSocket: typeof WsWebSocket;

  #url = '';
  #requestUrl = ''; // what connect() was given (ws+unix: mapped); another URL after it means a redirect
  #conn: Connection | undefined;
  #readyState: ReadyState = CONNECTING;
  #protocol = '';
  #binaryType: WsBinaryType = 'nodebuffer';
  #paused = false;
  #errorEmitted = false;
  #closeFrameReceived = false;
  #closeFrameSent = false;
  #bufferedAmount = 0; // sends after close, and Blobs being read
  /** Sends waiting behind a Blob being read; each one's context is its callback, told if it never goes out. */
  readonly #queue = new BlobOrderedSendQueue<Callback | undefined>({
    // Settled from process.nextTick: what a callback or listener throws is an uncaught exception.
    defer: (run) => process.nextTick(run),
    onUnreadableBlob: (err, failed, dropped) => this.#failOnUnreadableBlob(err, failed, dropped),
  });
  #controller = new AbortController();

  /**
   * @param address - `ws:`/`wss:`/`http:`/`https:` URL
   * @param protocols - subprotocol(s); may be omitted (options in second position)
   * @param options - see {@link WsClientOptions}
   * @throws SyntaxError for an invalid URL or subprotocol, RangeError for `protocolVersion`,
   *   Error `ERR_CURLWS_UNSUPPORTED` for options curlws cannot honour
   */
  constructor(address: string | URL, protocols?: string | string[] | WsClientOptions, options?: WsClientOptions) {
    super();
    let list: unknown[];
    if (protocols === undefined || (!Array.isArray(protocols) && typeof protocols === 'object' && protocols !== null)) {
      if (protocols !== undefined) options = protocols as WsClientOptions;
      const p = options?.protocols;
      list = p === undefined ? [] : Array.isArray(p) ? p : [p];
    } else {
      list = Array.isArray(protocols) ? protocols : [protocols];
    }
    const opts: WsClientOptions = { ...options };
    for (const key of Object.keys(opts)) {
      if (!SUPPORTED.has(key) && (opts as Record<string, unknown>)[key] !== undefined) {
        // ws passes TLS options (rejectUnauthorized, cert, …) to tls.connect; here they live in `tls`.
        throw unsupported(`the option "${key}"`, Object.hasOwn(MOVED_KEYS, key) ? `"${MOVED_KEYS[key]}"` : undefined);
      }
    }
    if (opts.protocolVersion !== undefined && opts.protocolVersion !== 13) {
      throw new RangeError(`Unsupported protocol version: ${opts.protocolVersion} (supported versions: 13)`);
    }

    let unixSocket: string | undefined;
    const url = parseWebSocketUrl(address, {
      unparsable: () => new SyntaxError(`Invalid URL: ${String(address)}`),
      wrongScheme: () => new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"'),
      fragment: () => new SyntaxError('The URL contains a fragment identifier'),
      allowEmptyFragment: true,
      rewrite: (given) => {
        this.#url = given.href;
        if (given.protocol !== 'ws+unix:') return given;
        // ws+unix:///path/to.sock:/request/path — the socket path, then the request path.
        if (!given.pathname) throw new SyntaxError("The URL's pathname is empty");
        const colon = given.pathname.indexOf(':');
        unixSocket = decodeURIComponent(colon < 0 ? given.pathname : given.pathname.slice(0, colon));
        if (!unixSocket) throw new SyntaxError(`Invalid URL: ${given.href}`);
        return new URL(`ws://localhost${colon < 0 ? '/' : given.pathname.slice(colon + 1) || '/'}${given.search}`);
      },
    });
    // ws ignores an empty fragment ("…/#"); connect() rejects it, so drop it.
    if (url.href.endsWith('#')) url.hash = '';
    const seen = new Set<string>();
    for (const p of list) {
      if (typeof p !== 'string' || !TOKEN.test(p) || seen.has(p)) {
        throw new SyntaxError('An invalid or duplicated subprotocol was specified');
      }
      seen.add(p);
    }
    const headers: Record<string, string | string[]> = { ...opts.headers };
    const origin = opts.origin ? wireString('options.origin', opts.origin) : undefined;
    if (origin && !Object.keys(headers).some((h) => h.toLowerCase() === 'origin')) headers.Origin = origin;
    let tls = opts.tls;
    for (const key of WS_TLS_KEYS) {
      // an explicit `tls` entry wins over the ws-style top-level one
      if (opts[key] !== undefined && tls?.[key] === undefined) tls = { ...tls, [key]: opts[key] };
    }
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.#controller.signal]) : this.#controller.signal;
    opts.signal?.addEventListener('abort', () => this.terminate(), { once: true });
    const connectOptions: ConnectOptions = { protocols: [...seen], headers, signal };
    if (opts.handshakeTimeout !== undefined) connectOptions.handshakeTimeout = opts.handshakeTimeout;
    if (opts.maxPayload !== undefined) connectOptions.maxPayload = opts.maxPayload;
    if (opts.closeTimeout !== undefined) connectOptions.closeTimeout = opts.closeTimeout;
    if (opts.autoPong !== undefined) connectOptions.autoPong = opts.autoPong;
    connectOptions.textAs = 'bytes'; // ws hands text to 'message' as a Buffer: no decode, re-encode
    connectOptions.perMessageDeflate = deflateOptions(opts.perMessageDeflate);
    // curlws's network options (proxy, resolve, verbose, curl: {…}, …) pass straight through.
    for (const key of NETWORK_KEYS) {
      const value = (opts as Record<string, unknown>)[key];
      if (value !== undefined && key !== 'tls' && key !== 'followRedirects' && key !== 'maxRedirects') {
        (connectOptions as Record<string, unknown>)[key] = value;
      }
    }
    if (tls !== undefined) connectOptions.tls = tls;
    if (unixSocket !== undefined) connectOptions.unixSocket = unixSocket;
    if (opts.followRedirects !== undefined) connectOptions.followRedirects = opts.followRedirects;
    if (opts.maxRedirects !== undefined) connectOptions.maxRedirects = opts.maxRedirects;
    const requested = seen.size > 0;
    this.#requestUrl = url.href;
    // Listeners run from process.nextTick, not from a promise reaction: what one throws is an
    // uncaught exception, as with ws (EventEmitter), not an unhandled rejection.
    connect(url, connectOptions).then(
      (conn) => process.nextTick(() => this.#onConnected(conn, requested)),
      (err: unknown) => process.nextTick(() => this.#onConnectFailed(err)),
    );
  }

  get binaryType(): WsBinaryType {
    return this.#binaryType;
  }
  set binaryType(type: WsBinaryType) {
    if (BINARY_TYPES.includes(type)) this.#binaryType = type;
  }
  /** Bytes queued and not yet handed to the kernel (plus bytes "sent" after close). */
  get bufferedAmount(): number {
    return this.#bufferedAmount + (this.#conn?.bufferedAmount ?? 0);
  }
  /** Names of the negotiated extensions, comma-separated (ws's shape: `'permessage-deflate'`). */
  get extensions(): string {
    const agreed = this.#conn?.extensions ?? '';
    return agreed && agreed.split(';', 1)[0]!.trim();
  }
  get isPaused(): boolean {
    return this.#paused;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get readyState(): ReadyState {
    return this.#readyState;
  }
  /** The URL given (`http:`/`https:` mapped to `ws:`/`wss:`); after a followed redirect, the final one. */
  get url(): string {
    return this.#url;
  }

  /**
   * Sends a message. A string is text, other data binary, unless `options.binary` says otherwise.
   * @throws Error while CONNECTING; `ERR_CURLWS_UNSUPPORTED` for `fin: false` or `mask: false`
   */
  send(data: unknown, options?: { binary?: boolean; mask?: boolean; compress?: boolean; fin?: boolean } | Callback, cb?: Callback): void {
    if (this.#readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (typeof options === 'function') {
      cb = options;
      options = {};
    }
    if (typeof data === 'number') data = data.toString();
    if (this.#readyState !== OPEN) {
      this.#sendAfterClose(data, cb);
      return;
    }
    const opts = { binary: typeof data !== 'string', mask: true, fin: true, ...options };
    if (opts.mask === false) throw unsupported('send() with mask: false (client frames are always masked)');
    if (opts.fin !== undefined && typeof opts.fin !== 'boolean') throw invalidArgType('options.fin', 'a boolean', opts.fin);
    const binary = Boolean(opts.binary);
    if (isBlob(data)) {
      this.#enqueueBlob(data, (bytes) => this.#sendNow(bytes, binary, cb, opts.fin), cb);
      return;
    }
    const payload = data ? (typeof data === 'string' ? data : toBuffer(data)) : EMPTY;
    if (this.#queue.busy) {
      const copy = typeof payload === 'string' ? payload : Buffer.from(payload);
      this.#queue.push(() => this.#sendNow(copy, binary, cb, opts.fin), cb);
    } else {
      this.#sendNow(payload, binary, cb, opts.fin);
    }
  }

  /** Sends a PING. @throws Error while CONNECTING, RangeError over 125 bytes */
  ping(data?: unknown, mask?: boolean | Callback, cb?: Callback): void {
    this.#control(true, data, mask, cb);
  }

  /** Sends a PONG. @throws Error while CONNECTING, RangeError over 125 bytes */
  pong(data?: unknown, mask?: boolean | Callback, cb?: Callback): void {
    this.#control(false, data, mask, cb);
  }

  /**
   * Starts the closing handshake; while CONNECTING, aborts it (error, then close 1006).
   * @throws TypeError for an invalid code, RangeError for a reason over 123 bytes
   */
  close(code?: number, data?: string | Buffer): void {
    if (this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      this.#abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    if (this.#readyState === CLOSING) return;
    let reason: Buffer = EMPTY;
    if (code !== undefined) {
      if (typeof code !== 'number' || !isSendableCloseCode(code)) {
        throw new TypeError('First argument must be a valid error code number');
      }
      if (data !== undefined && data.length) {
        reason = Buffer.from(data as string);
        if (reason.length > MAX_CLOSE_REASON) throw new RangeError(`The message must not be greater than ${MAX_CLOSE_REASON} bytes`);
      }
    }
    this.#readyState = CLOSING;
    const run = (): void => {
      const conn = this.#conn;
      if (!conn) return;
      this.#closeFrameSent = true;
      (code === undefined ? conn.close() : conn.close(code, reason)).catch(() => {});
    };
    this.#queue.closeWhenDrained(run);
  }

  /** Destroys the connection at once (close code 1006); while CONNECTING, aborts it. */
  terminate(): void {
    if (this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      this.#abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    this.#readyState = CLOSING;
    this.#conn?.terminate();
  }

  /** Stops reading from the socket. No-op while CONNECTING or CLOSED. */
  pause(): void {
    if (this.#readyState === CONNECTING || this.#readyState === CLOSED) return;
    this.#paused = true;
    this.#conn?.pause();
  }

  /** Undoes {@link pause}. */
  resume(): void {
    if (this.#readyState === CONNECTING || this.#readyState === CLOSED) return;
    this.#paused = false;
    this.#conn?.resume();
  }

  /** `ws`'s `EventTarget`-style listener API (`MessageEvent` data: text as string). */
  addEventListener(type: string, handler: unknown, options: { once?: boolean; [kForOnEventAttribute]?: boolean } = {}): void {
    if (typeof handler !== 'function' && !(typeof handler === 'object' && handler !== null)) return;
    for (const l of this.listeners(type) as WrappedListener[]) {
      if (!options[kForOnEventAttribute] && l[kListener] === handler && !l[kForOnEventAttribute]) return;
    }
    const call = (event: Event): void => {
      Object.defineProperty(event, 'target', { value: this });
      Object.defineProperty(event, 'currentTarget', { value: this });
      if (typeof handler === 'function') (handler as (e: Event) => void).call(this, event);
      else (handler as { handleEvent(e: Event): void }).handleEvent(event);
    };
    let wrapper: WrappedListener;
    if (type === 'message') {
      wrapper = ((data: unknown, isBinary: boolean) =>
        call(new MessageEvent('message', { data: isBinary ? data : String(data) }))) as WrappedListener;
    } else if (type === 'close') {
      wrapper = ((code: number, message: Buffer) =>
        call(
          new CloseEvent('close', {
            code,
            reason: message.toString(),
            wasClean: this.#closeFrameReceived && this.#closeFrameSent,
          }),
        )) as WrappedListener;
    } else if (type === 'error') {
      wrapper = ((error: Error) => call(new ErrorEvent('error', { error, message: error.message }))) as WrappedListener;
    } else if (type === 'open') {
      wrapper = (() => call(new Event('open'))) as WrappedListener;
    } else {
      return;
    }
    wrapper[kForOnEventAttribute] = Boolean(options[kForOnEventAttribute]);
    wrapper[kListener] = handler;
    if (options.once) this.once(type, wrapper);
    else this.on(type, wrapper);
  }

  removeEventListener(type: string, handler: unknown): void {
    for (const l of this.listeners(type) as WrappedListener[]) {
      if (l[kListener] === handler && !l[kForOnEventAttribute]) {
        this.removeListener(type, l);
        break;
      }
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  #sendNow(payload: Buffer | string, binary: boolean, cb: Callback | undefined, fin = true): void {
    const conn = this.#conn;
    if (!conn || conn.readyState !== OPEN) {
      this.#sendAfterClose(payload, cb);
      return;
    }
    // Without a callback nobody can see the outcome: no promise, no closure.
    const refused = cb
      ? conn[kSendWithCallbacks](
          payload,
          binary,
          fin,
          () => process.nextTick(cb),
          (err) => process.nextTick(cb, err),
        )
      : conn[kSendWithCallbacks](payload, binary, fin);
    if (refused && cb) process.nextTick(cb, refused);
  }

  #control(ping: boolean, data: unknown, mask: boolean | Callback | undefined, cb: Callback | undefined): void {
    if (this.#readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (typeof data === 'function') {
      cb = data as Callback;
      data = mask = undefined;
    } else if (typeof mask === 'function') {
      cb = mask;
      mask = undefined;
    }
    if (typeof data === 'number') data = data.toString();
    if (this.#readyState !== OPEN) {
      this.#sendAfterClose(data, cb);
      return;
    }
    if (mask === false) throw unsupported(`${ping ? 'ping' : 'pong'}() with mask: false`);
    const run = (bytes: Buffer): void => {
      const conn = this.#conn;
      if (!conn || conn.readyState !== OPEN) {
        this.#sendAfterClose(bytes, cb);
        return;
      }
      const p = ping ? conn.ping(bytes) : conn.pong(bytes);
      settle(p, cb);
    };
    if (isBlob(data)) {
      if (data.size > 125) throw new RangeError('The data size must not be greater than 125 bytes');
      this.#enqueueBlob(data, run, cb);
      return;
    }
    const bytes = data ? (typeof data === 'string' ? Buffer.from(data) : toBuffer(data)) : EMPTY;
    if (bytes.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.#queue.busy) {
      const copy = Buffer.from(bytes);
      this.#queue.push(() => run(copy), cb);
    } else {
      run(bytes);
    }
  }

  #sendAfterClose(data: unknown, cb: Callback | undefined): void {
    if (data) {
      this.#bufferedAmount += isBlob(data) ? data.size : typeof data === 'string' ? Buffer.byteLength(data) : toBuffer(data).length;
    }
    if (cb) {
      const state = this.#readyState;
      const err = new Error(`WebSocket is not open: readyState ${state} (${READY_STATE_NAMES[state]})`);
      process.nextTick(cb, err);
    }
  }

  /** Blobs are read asynchronously; everything sent after one waits behind it (order kept). */
  #enqueueBlob(blob: Blob, then: (bytes: Buffer) => void, cb: Callback | undefined): void {
    this.#bufferedAmount += blob.size;
    const send = (bytes: Buffer): void => {
      this.#bufferedAmount -= blob.size;
      then(bytes);
    };
    this.#queue.pushBlob(blob, send, cb);
  }

  /**
   * A Blob could not be read (its file changed, …), as ws handles it: its callback and those of
   * every send queued behind it get the error, then 'error', and the connection ends (close
   * 1006). Runs when the Blob reaches the head of the queue, so the sends before it went out.
   */
  #failOnUnreadableBlob(err: Error, failed: QueuedSend<Callback | undefined>, dropped: QueuedSend<Callback | undefined>[]): void {
    for (const entry of [failed, ...dropped]) {
      if (entry.blob) this.#bufferedAmount -= entry.blob.size;
      entry.context?.(err);
    }
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSING;
    if (!this.#errorEmitted) {
      this.#errorEmitted = true;
      this.emit('error', err);
    }
    this.#conn?.terminate();
  }

  #abortHandshake(message: string): void {
    this.#readyState = CLOSING;
    const err = new Error(message);
    Error.captureStackTrace(err, this.#abortHandshake);
    this.#controller.abort();
    process.nextTick(() => this.#emitErrorAndClose(err));
  }

  #emitErrorAndClose(err: Error): void {
    this.#readyState = CLOSING;
    this.#errorEmitted = true;
    this.emit('error', err);
    this.#emitClose(1006, EMPTY);
  }

  #emitClose(code: number, reason: Buffer): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    // Sends still waiting behind a Blob never go out: their callbacks say so.
    for (const { context: cb } of this.#queue.clear()) {
      if (cb) process.nextTick(cb, new Error('WebSocket is not open: readyState 3 (CLOSED)'));
    }
    this.emit('close', code, reason);
  }

  #onConnected(conn: Connection, requested: boolean): void {
    if (this.#readyState !== CONNECTING) {
      conn.terminate();
      return;
    }
    // After a followed redirect `url` is the final URL, as in ws.
    if (conn.url !== this.#requestUrl) this.#url = conn.url;
    // Reading `handshake` makes the engine build it: only for a listener that will see it.
    if (this.listenerCount('upgrade') > 0) this.emit('upgrade', responseOf(conn.handshake));
    if (this.#readyState !== CONNECTING) {
      conn.terminate();
      return;
    }
    if (requested && conn.protocol === '') {
      // ws fails when subprotocols were offered and none came back; the engine (like the
      // WHATWG standard) accepts it, so fail here.
      conn.terminate();
      this.#readyState = CLOSING;
      this.#emitErrorAndClose(new Error('Server sent no subprotocol'));
      return;
    }
    this.#conn = conn;
    this.#protocol = conn.protocol;
    conn.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    conn.on('ping', (payload) => this.emit('ping', payload));
    conn.on('pong', (payload) => this.emit('pong', payload));
    conn.on('error', (err) => {
      if (this.#readyState === OPEN) this.#readyState = CLOSING;
      if (this.#errorEmitted) return;
      this.#errorEmitted = true;
      this.emit('error', err);
    });
    conn.on('close', (code, reason, wasClean) => {
      if (wasClean || code !== 1006) this.#closeFrameReceived = true;
      if (wasClean) this.#closeFrameSent = true;
      this.#emitClose(code, reason === '' ? EMPTY : Buffer.from(reason));
    });
    this.#readyState = OPEN;
    if (this.#paused) conn.pause();
    this.emit('open');
  }

  #onConnectFailed(err: unknown): void {
    if (this.#readyState !== CONNECTING) return; // aborted by close()/terminate(): already reported
    if (err instanceof HandshakeError && err.code === 'WS_ERR_UNEXPECTED_RESPONSE' && this.listenerCount('unexpected-response') > 0) {
      this.emit('unexpected-response', null, responseOf({ status: err.status ?? 0, headers: err.headers ?? {} }));
      // ws leaves the request to the listener; here the connection is already gone.
      if (this.#readyState === CONNECTING) this.#emitClose(1006, EMPTY);
      return;
    }
    if (err instanceof HandshakeError && err.status === 101 && err.headers?.upgrade !== undefined) {
      // The 101 failed validation (Accept, Upgrade, subprotocol, extension): ws emits 'upgrade'
      // with it before the 'error' (when it has an Upgrade header: else Node's parser sees no
      // upgrade).
      this.emit('upgrade', responseOf({ status: 101, headers: err.headers ?? {} }));
      if (this.#readyState !== CONNECTING) return; // the listener closed or terminated
    }
    this.#emitErrorAndClose(err instanceof Error ? err : new CurlWsError(String(err), 'ERR_CURLWS_INTERNAL'));
  }

  #onMessage(data: string | Buffer, isBinary: boolean): void {
    if (this.#readyState === OPEN && this.#conn?.readyState === CLOSING) this.#readyState = CLOSING;
    if (!isBinary) {
      this.emit('message', data, false); // a Buffer already (textAs: 'bytes')
      return;
    }
    const buf = data as Buffer;
    let value: unknown = buf;
    switch (this.#binaryType) {
      case 'arraybuffer':
        value = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
        break;
      case 'fragments':
        value = [buf];
        break;
      case 'blob':
        value = new Blob([buf as Uint8Array<ArrayBuffer>]);
        break;
    }
    this.emit('message', value, true);
  }
}

type WrappedListener = ((...args: unknown[]) => void) & {
  [kForOnEventAttribute]?: boolean;
  [kListener]?: unknown;
};

defineReadyStateConstants(WsWebSocket);
// Enumerable accessors, as ws defines them: code that spreads, logs or iterates a socket sees them.
for (const property of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
  Object.defineProperty(WsWebSocket.prototype, property, { enumerable: true });
}
// ws keeps an on* handler as a marked listener: setting one replaces it (moving it last).
defineEventHandlerAttributes(
  WsWebSocket.prototype,
  (ws) => ({
    get(type) {
      for (const l of ws.listeners(type) as WrappedListener[]) {
        if (l[kForOnEventAttribute]) return l[kListener];
      }
      return null;
    },
    set(type, handler) {
      for (const l of ws.listeners(type) as WrappedListener[]) {
        if (l[kForOnEventAttribute]) {
          ws.removeListener(type, l);
          break;
        }
      }
      if (typeof handler !== 'function') return;
      ws.addEventListener(type, handler, { [kForOnEventAttribute]: true });
    },
  }),
  true,
);
WsWebSocket.WebSocket = WsWebSocket;

// The on* attributes are installed on the prototype above (Object.defineProperty); this interface,
// merged with the class, gives them their types.
export interface WsWebSocket {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: ErrorEvent<Error>) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** Calls a send's callback once its promise settles, from process.nextTick (see the constructor). */
function settle(p: Promise<void>, cb: Callback | undefined): void {
  if (cb)
    p.then(
      () => process.nextTick(cb),
      (err: Error) => process.nextTick(cb, err),
    );
  else p.catch(() => {});
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** ws's `toBuffer`: Buffers as is, ArrayBuffers and views without copying, else `Buffer.from`. */
function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (types.isAnyArrayBuffer(data)) return Buffer.from(data as ArrayBuffer);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as string);
}

function responseOf(head: Pick<Handshake, 'status' | 'headers'> & { rawHeaders?: [string, string][] }): WsResponse {
  const res = Readable.from([]) as WsResponse;
  res.statusCode = head.status;
  res.statusMessage = STATUS_CODES[head.status] ?? '';
  res.headers = { ...head.headers };
  res.rawHeaders = (head.rawHeaders ?? Object.entries(head.headers)).flat();
  return res;
}

/**
 * `connect()` and `Connection`: the Promise + EventEmitter API over one native Session.
 * This module only coordinates; validation lives in options.ts/frames.ts, errors in errors.ts,
 * and every protocol decision (framing, UTF-8, close replies, timeouts) in the native engine.
 */
import { EventEmitter } from 'node:events';
import {
  AbortError,
  CurlWsError,
  HandshakeError,
  InvalidStateError,
  WebSocketProtocolError,
  errorFromNative,
  invalidArgType,
} from './errors';
import { toControlPayload, toSendable, validateCloseArgs } from './frames';
import { caBundleFile, mayUseTls } from './ca-bundle';
import { binding } from './native';
import { HandshakeField, NativeEvent } from './contract';
import { sessionInitArray } from './session-init';
import type { HandshakeInfo, NativeErrorInfo, NativeSession, NativeStats } from './contract';
import { normalizeUrl, validateConnectOptions } from './options';
import type { CurlOptionValue } from './network-options';
import type { ConnectOptions, NormalizedOptions } from './options';
import { MessageIterator } from './message-iterator';
import { SendCompletions } from './send-completions';
import type { OnFailed, OnSent } from './send-completions';

/** `readyState` values, as in the WHATWG `WebSocket`. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** What the server answered to the opening handshake. */
export interface Handshake {
  /** HTTP status, always 101 for an open connection. */
  status: number;
  /** Response headers, names lower-cased, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Response headers as sent, in order. */
  rawHeaders: [string, string][];
  /** The URL libcurl connected to. */
  url: string;
  /** The subprotocol the server chose ('' if none). */
  protocol: string;
  /** Both ends of the TCP connection (the proxy's address when connected through one). */
  address: { remoteAddress: string; remotePort: number; localAddress: string; localPort: number };
  /** TLS version and cipher, for `wss:`. */
  tls: { version: string; cipher: string } | undefined;
  /** Milliseconds from the start of the handshake until each phase completed. */
  timings: { dns: number; connect: number; tls: number; firstByte: number; total: number };
}

/** One message from the async iterator. */
export interface Message {
  /** Binary as a Buffer; text as a string, or a Buffer of its UTF-8 bytes with `textAs: 'bytes'`. */
  data: string | Buffer;
  binary: boolean;
}

/** How a connection ended. */
export interface CloseResult {
  /** The peer's close code; 1005 if its CLOSE had none; 1006 if no CLOSE was exchanged. */
  code: number;
  reason: string;
  /** True when both CLOSE frames were exchanged. */
  wasClean: boolean;
}

/** Events of a `Connection`, with their listener arguments. */
export interface ConnectionEvents {
  message: [data: string | Buffer, isBinary: boolean];
  ping: [payload: Buffer];
  pong: [payload: Buffer];
  /** Every byte queued by `send()` has been handed to the kernel after backpressure. */
  drain: [];
  /** Always followed by `close`. */
  error: [error: CurlWsError];
  close: [code: number, reason: string, wasClean: boolean];
}

const RESOLVED: Promise<void> = Promise.resolve();

// A promise's resolve/reject taken by one executor made once, rather than a closure per send():
// the executor runs synchronously inside `new Promise`, so the next line reads them.
const NOTHING = (): void => {};
let capturedResolve: OnSent = NOTHING;
let capturedReject: OnFailed = NOTHING;
function captureSettlers(resolve: OnSent, reject: OnFailed): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
const kCreate = Symbol('curlws.create');

/**
 * The CA roots, for connections that may use TLS: as an in-memory file when possible (libcurl
 * caches those per multi), else as a blob. A plain ws:// connection gets none.
 */
function caSource(options: NormalizedOptions): { caFile: string } | { caBundle: Buffer } | undefined {
  if (!mayUseTls(options.url, options.curlOptions)) return undefined;
  const file = caBundleFile(options.caBundle, (bundle) => binding.caFile(bundle));
  return file ? { caFile: file } : { caBundle: options.caBundle };
}
const kOnEvents = Symbol('curlws.onEvents');

/**
 * @internal How the wrappers (WHATWG `WebSocket`, `curlws/ws`, the streams) send without a
 * promise per message: `(payload, binary, fin, onSent?, onFailed?)` queues one message exactly as
 * `send()` does (same queue, same order) and calls `onSent` once its bytes reached the kernel or
 * `onFailed` if the connection ends first, never from inside the call. Returns the error instead
 * of queueing when the connection cannot take it (nothing is called then).
 */
export const kSendWithCallbacks = Symbol('curlws.sendWithCallbacks');
/** @internal The number of sends whose completion is still to be reported (tests: none is retained). */
export const kPendingSends = Symbol('curlws.pendingSends');

/**
 * @internal How a wrapper that owns its Connection (the WHATWG WebSocket) takes messages instead
 * of 'message' events: no emit, and a small binary message comes as (undefined, true, arena,
 * offset, length) so the wrapper makes the one object it needs (an ArrayBuffer, a Blob) without
 * a Buffer in between. Set it before any message can arrive; 'message' is not emitted then.
 */
export const kMessageSink = Symbol('curlws.messageSink');
export type MessageSink = (
  data: string | Buffer | undefined,
  isBinary: boolean,
  arena?: ArrayBuffer,
  offset?: number,
  length?: number,
) => void;

/**
 * An open WebSocket connection. Obtain one with {@link connect}.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  #native: NativeSession | undefined;
  #session: NativeSession | undefined; // kept after close for stats()
  #trace: ((line: string) => void) | undefined;
  #readyState: ReadyState = CONNECTING;
  #url: string;
  #protocol = '';
  #extensions = '';
  #handshake: Handshake | undefined; // asked from the engine on first read (see get handshake)
  #opened = false;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #settleConnect: { resolve(c: Connection): void; reject(e: Error): void } | undefined;
  #connectStack: Error | undefined; // dropped once open: only a failed connect() uses it
  #error: CurlWsError | undefined;
  // Created by the first send()/ping(): an idle connection carries neither.
  #sends: SendCompletions | undefined;
  #controls: SendCompletions | undefined;
  #flushQueued = false; // a microtask will run #flush()
  #held = false; // the engine holds a message for native.flush() (send() returned -1)
  #flushTask: (() => void) | undefined; // made by the first send that needs it, for queueMicrotask
  #closeResult: CloseResult | undefined;
  #closeWaiters: ((r: CloseResult) => void)[] | undefined; // made by the first close()
  #deferred: unknown[] | undefined; // events held back until connect() has resolved
  #iterator: MessageIterator<Message> | undefined;
  #paused = false;
  #fragmentBinary: boolean | undefined; // type of the fragmented message being sent, if any
  #heartbeat: { interval: number; timeout: number; timer?: NodeJS.Timeout; deadline?: NodeJS.Timeout } | undefined;
  #highWaterMark: number; // send side, bytes (options.highWaterMark)
  #receiveHighWater: number; // messages the async iterator holds before reading pauses
  #sink: MessageSink | undefined;

  /** @internal Use {@link connect}. */
  constructor(
    token: typeof kCreate,
    options: NormalizedOptions,
    settle: { resolve(c: Connection): void; reject(e: Error): void },
    stack: Error,
  ) {
    super();
    if (token !== kCreate) throw new TypeError('Use connect() to create a Connection');
    this.#url = options.publicUrl;
    this.#highWaterMark = options.highWaterMark;
    this.#receiveHighWater = options.receiveHighWaterMark;
    if (options.pingInterval > 0) {
      this.#heartbeat = { interval: options.pingInterval, timeout: options.pongTimeout || options.pingInterval };
    }
    this.#trace = options.trace;
    this.#settleConnect = settle;
    this.#connectStack = stack;
    this.#signal = options.signal;
    try {
      this.#native = this.#createSession(options);
      this.#session = this.#native;
    } catch (err) {
      // The engine refused to start (e.g. the environment is shutting down): reject connect()
      // with a coded error rather than whatever the native layer threw.
      const e = err as Error & { code?: string };
      this.#readyState = CLOSED;
      this.#rejectConnect(new CurlWsError(e.message, e.code ?? 'ERR_CURLWS_INTERNAL', { cause: err }));
      return;
    }
    if (this.#signal) {
      this.#onAbort = () => this.#abort();
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #createSession(options: NormalizedOptions): NativeSession {
    return new binding.Session(sessionInitArray(options, caSource(options)), this);
  }

  /** The URL connected to (after `http:`→`ws:` mapping). */
  get url(): string {
    return this.#url;
  }
  /** The subprotocol the server chose, or '' if none. */
  get protocol(): string {
    return this.#protocol;
  }
  /**
   * The extension the server agreed to, as its `Sec-WebSocket-Extensions` element
   * (`'permessage-deflate; server_no_context_takeover'`), or '' if none.
   */
  get extensions(): string {
    return this.#extensions;
  }
  get readyState(): ReadyState {
    return this.#readyState;
  }
  /** The server's answer to the opening handshake. */
  get handshake(): Handshake {
    if (!this.#handshake && this.#opened) {
      // Most connections never read it: the engine builds the record only now, from libcurl (or
      // from its copy, taken when the connection closed), and the object is made once.
      const info = this.#session?.handshake();
      if (info) this.#handshake = handshakeFrom(info, this.#protocol);
    }
    return this.#handshake as Handshake;
  }
  /** Bytes queued by `send()` and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#native ? this.#native.bufferedAmount() : 0;
  }

  /**
   * `true` while open and {@link bufferedAmount} is below `options.highWaterMark`. When it is
   * `false`, wait for `'drain'` (or `close`) before sending more, as with a Node `Writable`.
   */
  get writable(): boolean {
    return this.#readyState === OPEN && this.bufferedAmount < this.#highWaterMark;
  }

  /** `options.highWaterMark`: the `bufferedAmount` at which {@link writable} turns `false`. */
  get writableHighWaterMark(): number {
    return this.#highWaterMark;
  }

  /**
   * Sends a message: a string as text, a Buffer/ArrayBuffer/view as binary.
   * Resolves when its bytes are handed to the kernel; rejects if the connection closes first.
   * @param options.binary - override the frame type: `false` sends bytes as a text frame
   *   (they must be UTF-8; the peer fails the connection otherwise), `true` sends a string's
   *   UTF-8 as a binary frame.
   * @param options.fin - `false` sends a fragment: more of the same message follows, ending
   *   with a `send()` whose `fin` is true (the default). Later fragments keep the first one's type.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` for other data types.
   */
  send(data: string | Buffer | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean; fin?: boolean }): Promise<void> {
    let payload: string | Buffer;
    let binary: boolean;
    // The two common kinds without toSendable()'s result object: this runs once per message.
    if (typeof data === 'string') {
      payload = data;
      binary = false;
    } else if (Buffer.isBuffer(data)) {
      payload = data;
      binary = true;
    } else {
      ({ payload, binary } = toSendable(data));
    }
    let fin = true;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
      if (options.binary !== undefined) {
        if (typeof options.binary !== 'boolean') throw invalidArgType('options.binary', 'a boolean', options.binary);
        binary = options.binary;
      }
      if (options.fin !== undefined) {
        if (typeof options.fin !== 'boolean') throw invalidArgType('options.fin', 'a boolean', options.fin);
        fin = options.fin;
      }
    }
    let completed: number;
    try {
      completed = this.#push(payload, binary, fin);
    } catch (err) {
      return Promise.reject(err);
    }
    // Written at once with nothing older pending (a lone small send, a large one): already
    // complete, and resolving it here is asynchronous for its reactions anyway.
    if (completed === 1 && this.#pendingSends() === 0) return RESOLVED;
    const promise = new Promise<void>(captureSettlers);
    const onSent = capturedResolve;
    const onFailed = capturedReject;
    capturedResolve = capturedReject = NOTHING; // holds no promise alive
    this.#track(completed, onSent, onFailed);
    return promise;
  }

  /** @internal See {@link kSendWithCallbacks}. */
  [kSendWithCallbacks](
    payload: string | Buffer,
    binary: boolean,
    fin: boolean,
    onSent?: OnSent,
    onFailed?: OnFailed,
  ): CurlWsError | undefined {
    let completed: number;
    try {
      completed = this.#push(payload, binary, fin);
    } catch (err) {
      return err as CurlWsError;
    }
    if (completed === 1 && onSent === undefined && this.#pendingSends() === 0) return undefined;
    this.#track(completed, onSent, onFailed);
    return undefined;
  }

  /**
   * Hands one message to the engine. Returns how many queued sends (oldest first) it completed
   * on the way: 0 none (blocked), -1 none yet (held for #flush()). The engine writes the first
   * small message of a synchronous run at once and holds the rest of a burst.
   * @throws CurlWsError when the connection cannot take it (not open, closing, out of memory)
   */
  #push(payload: string | Buffer, binary: boolean, fin: boolean): number {
    // Every fragment of one message carries the type of its first fragment (as ws does).
    if (this.#fragmentBinary !== undefined) binary = this.#fragmentBinary;
    const native = this.#writableNative();
    if (!native) throw this.#notOpenError();
    let completed: number;
    try {
      completed = native.send(payload, binary, fin);
    } catch (err) {
      // Nothing was queued: the engine is still where it was in the fragmented message, if any.
      throw this.#stateError(err);
    }
    this.#fragmentBinary = fin ? undefined : binary;
    return completed;
  }

  /** @internal See {@link kPendingSends}. */
  get [kPendingSends](): number {
    return this.#pendingSends();
  }

  #pendingSends(): number {
    return this.#sends === undefined ? 0 : this.#sends.length;
  }

  /**
   * Queues the completion of the message just pushed. Completions are reported from a microtask,
   * never from inside the send call, so callers see the same order whatever the engine did.
   */
  #track(completed: number, onSent: OnSent | undefined, onFailed: OnFailed | undefined): void {
    this.#sends ??= new SendCompletions(reportListenerError);
    this.#sends.add(onSent, onFailed);
    if (completed === 0) return; // blocked: the engine reports it with the next 'Sent' event
    if (completed > 0) this.#sends.sentEarlier(completed);
    else this.#held = true;
    if (!this.#flushQueued) {
      // The engine holds the rest of a burst until the current synchronous code is done, then
      // writes all of it at once; what it completed inside a send call is reported there too.
      this.#flushQueued = true;
      this.#flushTask ??= () => this.#flush();
      queueMicrotask(this.#flushTask);
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    // Only sends the engine completed at once to report: no call into it.
    let completed = 0;
    if (this.#held) {
      this.#held = false;
      completed = this.#native?.flush() ?? 0;
    }
    this.#sends?.complete(completed);
  }

  /** Sends a PING (payload ≤ 125 bytes). Resolves when it is handed to the kernel. */
  ping(data?: string | number | Buffer | ArrayBuffer | ArrayBufferView): Promise<void> {
    return this.#control(toControlPayload('data', data), true);
  }

  /** Sends an unsolicited PONG (payload ≤ 125 bytes). PINGs are answered automatically. */
  pong(data?: string | number | Buffer | ArrayBuffer | ArrayBufferView): Promise<void> {
    return this.#control(toControlPayload('data', data), false);
  }

  /**
   * Starts the closing handshake (after queued messages) and resolves when the connection is
   * closed: with the peer's code when it answered, or 1006 after `closeTimeout`.
   * @param code 1000–1003, 1007–1014 or 3000–4999; omitted sends a CLOSE without a code.
   * @param reason at most 123 bytes of UTF-8.
   * @throws RangeError `ERR_OUT_OF_RANGE`, TypeError `ERR_INVALID_ARG_TYPE`/`ERR_INVALID_ARG_VALUE`.
   */
  close(code?: number, reason?: string | Buffer): Promise<CloseResult> {
    const args = validateCloseArgs(code, reason);
    if (this.#closeResult) return Promise.resolve(this.#closeResult);
    this.#closeWaiters ??= [];
    const waiters = this.#closeWaiters;
    const result = new Promise<CloseResult>((resolve) => waiters.push(resolve));
    if (this.#native && this.#readyState === OPEN) {
      this.#readyState = CLOSING;
      this.#paused = false; // the engine reads again to see the peer's CLOSE
      this.#native.close(args.code, args.reason);
    }
    return result;
  }

  /** Drops the connection at once, without a closing handshake (close code 1006). */
  terminate(): void {
    this.#native?.terminate();
  }

  /**
   * Lets the process exit while this connection is open, like `socket.unref()`: the connection
   * alone no longer keeps the event loop alive. (The handshake always does.)
   */
  unref(): this {
    this.#native?.keepAlive(false);
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    this.#native?.keepAlive(true);
    return this;
  }

  /** Messages and payload bytes received and sent so far (still available after close). */
  stats(): NativeStats {
    return this.#session
      ? this.#session.stats()
      : { messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0, bufferedAmount: 0 };
  }

  /** Stops reading from the socket: the peer's sends back up into its own buffers. */
  pause(): void {
    this.#paused = true;
    this.#native?.pause();
  }

  /** Undoes {@link pause}. */
  resume(): void {
    this.#paused = false;
    if (!this.#iterator || this.#iterator.length < this.#receiveHighWater) this.#native?.resume();
  }

  /** True while reading is paused by {@link pause}. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /**
   * Iterates over incoming messages until the connection closes. Reading pauses while the
   * consumer falls behind by `options.receiveHighWaterMark` messages. Only one iterator at a time.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    if (this.#iterator) throw new InvalidStateError('ERR_WS_ITERATOR_ACTIVE', 'Connection already has an active iterator');
    const it: MessageIterator<Message> = new MessageIterator(
      {
        taken: (remaining) => {
          if (remaining === Math.floor(this.#receiveHighWater / 2) && !this.#paused) this.#native?.resume();
        },
        finished: () => {
          if (this.#iterator === it) this.#iterator = undefined;
          if (!this.#paused) this.#native?.resume();
        },
      },
      this.#readyState === CLOSED,
    );
    this.#iterator = it;
    return it.iterator();
  }

  // ---- internals ---------------------------------------------------------------------------

  #writableNative(): NativeSession | undefined {
    return this.#readyState === OPEN ? this.#native : undefined;
  }

  #notOpenError(): CurlWsError {
    return this.#readyState === CONNECTING
      ? InvalidStateError.notOpen(this.#readyState)
      : new InvalidStateError(
          'ERR_WS_CLOSED',
          `WebSocket is not open: readyState ${this.#readyState} (${this.#readyState === CLOSING ? 'CLOSING' : 'CLOSED'})`,
        );
  }

  /** The engine refused a send because it is already closing: report that as a state error. */
  #stateError(err: unknown): CurlWsError {
    const code = (err as { code?: string }).code;
    return code === 'ERR_WS_NOT_OPEN' || code === 'ERR_WS_CLOSED'
      ? new InvalidStateError(code, (err as Error).message, { cause: err })
      : new CurlWsError((err as Error).message, code ?? 'ERR_CURLWS_INTERNAL', { cause: err });
  }

  #control(payload: Buffer, ping: boolean): Promise<void> {
    const native = this.#writableNative();
    if (!native) return Promise.reject(this.#notOpenError());
    let completed: number;
    try {
      completed = ping ? native.ping(payload) : native.pong(payload);
    } catch (err) {
      return Promise.reject(this.#stateError(err));
    }
    this.#controls ??= new SendCompletions(reportListenerError);
    const controls = this.#controls;
    const promise = new Promise<void>((resolve, reject) => controls.add(resolve, reject));
    // Only promise functions here: completing from inside the call runs no application code.
    if (completed > 0) controls.complete(completed);
    return promise;
  }

  #abort(): void {
    const reason = this.#signal?.reason;
    if (this.#readyState === CONNECTING) {
      this.#native?.terminate();
      this.#rejectConnect(new AbortError(reason));
    } else if (this.#readyState === OPEN) {
      void this.close();
    }
  }

  #rejectConnect(error: Error): void {
    const settle = this.#settleConnect;
    if (!settle) return;
    this.#settleConnect = undefined;
    if (this.#connectStack?.stack) {
      // Point the rejection at the connect() call, not at the event loop.
      const frames = this.#connectStack.stack.split('\n').slice(1).join('\n');
      error.stack = `${error.name}: ${error.message}\n${frames}`;
    }
    settle.reject(error);
  }

  /** @internal Called by the dispatcher with one batch of native events (see Dispatcher). */
  [kOnEvents](meta: Int32Array, values: unknown[] | undefined, arena: ArrayBuffer | undefined, text: string | undefined): void {
    if (this.#deferred) {
      this.#deferred.push(...unpack(meta, 0, values, arena, text));
      return;
    }
    for (let i = 0; i < meta.length; i += 4) {
      const type = meta[i] as NativeEvent;
      try {
        // The two kinds of small messages are decoded inline: they are most of a flood.
        if (type === NativeEvent.BinarySlice) {
          const sink = this.#sink;
          const binary = meta[i + 3] !== 1; // 1: text as bytes (textAs: 'bytes')
          if (sink && binary) sink(undefined, true, arena, meta[i + 1], meta[i + 2]);
          else this.#onMessage(Buffer.from(arena as ArrayBuffer, meta[i + 1], meta[i + 2]), binary);
        } else if (type === NativeEvent.TextSlice) {
          this.#onMessage((text as string).slice(meta[i + 1], meta[i + 2]), false);
        } else {
          const [a, b, c] = eventArgs(type, meta, i, values, arena, text);
          this.#onEvent(type, a, b, c);
        }
      } catch (err) {
        reportListenerError(err);
      }
      if (type === NativeEvent.Open && i + 4 < meta.length) {
        // Hold the rest of this batch until connect()'s caller has attached its listeners; the
        // engine reads nothing more meanwhile, and keeps its CLOSE (a failure's, or the reply to
        // the peer's) until what the application sends in answer to these events went first.
        this.#deferred = unpack(meta, i + 4, values, arena, text);
        this.#native?.hold(true);
        setImmediate(() => {
          const rest = this.#deferred ?? [];
          this.#deferred = undefined;
          this.#onUnpacked(rest);
          this.#session?.hold(false);
        });
        return;
      }
    }
  }

  /** Events from {@link unpack}, [type, a, b, c] with JS values. */
  #onUnpacked(events: unknown[]): void {
    for (let i = 0; i < events.length; i += 4) {
      try {
        this.#onEvent(events[i] as NativeEvent, events[i + 1], events[i + 2], events[i + 3]);
      } catch (err) {
        reportListenerError(err);
      }
    }
  }

  /** `type` is any NativeEvent but the slices; Message's `a` is the data, `b` isBinary. */
  #onEvent(type: NativeEvent, a: unknown, b: unknown, c: unknown): void {
    switch (type) {
      case NativeEvent.Open:
        this.#onOpen(a as string | undefined, b as string | undefined);
        return;
      case NativeEvent.Message:
        this.#onMessage(a as string | Buffer, b as boolean);
        return;
      case NativeEvent.Ping:
        this.emit('ping', a as Buffer);
        return;
      case NativeEvent.Pong:
        if (this.#heartbeat?.deadline) {
          clearTimeout(this.#heartbeat.deadline);
          this.#heartbeat.deadline = undefined;
        }
        this.emit('pong', a as Buffer);
        return;
      case NativeEvent.Sent:
        if ((a as number) > 0) this.#sends?.complete(a as number);
        if ((b as number) > 0) this.#controls?.complete(b as number);
        return;
      case NativeEvent.Drain:
        this.emit('drain');
        return;
      case NativeEvent.Error:
        this.#onError(errorFromNative(a as NativeErrorInfo));
        return;
      case NativeEvent.PeerClose:
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        return;
      case NativeEvent.Closed:
        this.#onClosed(a as number, b as string, c as boolean);
        return;
      case NativeEvent.Trace:
        this.#trace?.(a as string);
        return;
    }
  }

  #onOpen(protocol: string | undefined, extensions: string | undefined): void {
    // Nothing else of the handshake comes with 'open': `handshake` is asked for on first read,
    // which keeps it off every idle connection's heap and its cost off every open.
    this.#opened = true;
    this.#protocol = protocol ?? '';
    this.#extensions = extensions ?? '';
    this.#readyState = OPEN;
    this.#startHeartbeat();
    const settle = this.#settleConnect;
    this.#settleConnect = undefined;
    this.#connectStack = undefined;
    settle?.resolve(this);
  }

  /** @internal See {@link kMessageSink}. */
  [kMessageSink](sink: MessageSink): void {
    this.#sink = sink;
  }

  #onMessage(data: string | Buffer, binary: boolean): void {
    if (this.#sink) {
      // The sink (the WHATWG WebSocket) takes text as a string whatever textAs says.
      this.#sink(binary || typeof data === 'string' ? data : data.toString(), binary);
      return;
    }
    if (this.#iterator && this.#iterator.push({ data, binary }) >= this.#receiveHighWater) this.#native?.pause();
    this.emit('message', data, binary);
  }

  #onError(error: CurlWsError): void {
    this.#error = error;
    // The engine is now closing the connection (sending our CLOSE, waiting for the peer's).
    if (this.#readyState === OPEN) this.#readyState = CLOSING;
    if (this.#settleConnect) {
      this.#rejectConnect(error);
      return;
    }
    this.#iterator?.fail(error);
    if (this.listenerCount('error') > 0 || !this.#iterator) this.emit('error', error);
  }

  /** PING every `pingInterval`; a PONG must come back within `pongTimeout`, else drop (1006). */
  #startHeartbeat(): void {
    const hb = this.#heartbeat;
    if (!hb) return;
    hb.timer = setInterval(() => {
      if (this.#readyState !== OPEN || hb.deadline) return;
      this.ping().catch(() => {});
      hb.deadline = setTimeout(() => {
        hb.deadline = undefined;
        if (this.#readyState === CLOSED) return;
        this.#onError(new WebSocketProtocolError('WS_ERR_PONG_TIMEOUT', `No PONG within ${hb.timeout} ms of a heartbeat PING`, 1006));
        this.#native?.terminate();
      }, hb.timeout);
      // The connection itself keeps the process alive; the heartbeat must not.
      hb.deadline.unref();
    }, hb.interval);
    hb.timer.unref();
  }

  #stopHeartbeat(): void {
    const hb = this.#heartbeat;
    if (!hb) return;
    clearInterval(hb.timer);
    clearTimeout(hb.deadline);
    hb.timer = hb.deadline = undefined;
  }

  #onClosed(code: number, reason: string, wasClean: boolean): void {
    this.#stopHeartbeat();
    this.#readyState = CLOSED;
    this.#native = undefined;
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#settleConnect) {
      this.#rejectConnect(this.#error ?? new InvalidStateError('ERR_WS_CLOSED', 'Connection closed during the handshake'));
      return;
    }
    const closedError = (): Error =>
      new InvalidStateError('ERR_WS_CLOSED', 'WebSocket closed before the data was sent', { cause: this.#error });
    this.#sends?.failAll(closedError);
    this.#controls?.failAll(closedError);
    const result: CloseResult = { code, reason, wasClean };
    this.#closeResult = result;
    const waiters = this.#closeWaiters;
    this.#closeWaiters = undefined;
    if (waiters) for (const w of waiters) w(result);
    this.#iterator?.end();
    this.emit('close', code, reason, wasClean);
  }
}

/** A listener threw: report it like any uncaught exception, keep the engine consistent. */
function reportListenerError(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/**
 * The fields of one event of a batch as JS values (the form {@link Connection.#onEvent} takes):
 * Message (also for the slices): data, isBinary; Ping/Pong: the payload; others: their values.
 */
function eventArgs(
  type: NativeEvent,
  meta: Int32Array,
  i: number,
  values: unknown[] | undefined,
  arena: ArrayBuffer | undefined,
  text: string | undefined,
): [unknown, unknown, unknown] {
  const a = meta[i + 1] as number;
  const b = meta[i + 2] as number;
  const c = meta[i + 3] as number;
  switch (type) {
    case NativeEvent.BinarySlice:
      return [Buffer.from(arena as ArrayBuffer, a, b), c !== 1, undefined];
    case NativeEvent.TextSlice:
      return [(text as string).slice(a, b), false, undefined];
    case NativeEvent.Message:
      return [(values as unknown[])[a], b === 1, undefined];
    case NativeEvent.Ping:
    case NativeEvent.Pong:
      return [Buffer.from(arena as ArrayBuffer, a, b), undefined, undefined];
    default:
      return [a < 0 ? undefined : values?.[a], b < 0 ? undefined : values?.[b], c < 0 ? undefined : values?.[c]];
  }
}

/** Events of a batch from index `from` on, as [type, a, b, c] with JS values (held events). */
function unpack(
  meta: Int32Array,
  from: number,
  values: unknown[] | undefined,
  arena: ArrayBuffer | undefined,
  text: string | undefined,
): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < meta.length; i += 4) {
    let type = meta[i] as NativeEvent;
    const [a, b, c] = eventArgs(type, meta, i, values, arena, text);
    if (type === NativeEvent.BinarySlice || type === NativeEvent.TextSlice) type = NativeEvent.Message;
    out.push(type, a, b, c);
  }
  return out;
}

binding.setDispatcher((target, meta, values, arena, text) => {
  (target as Connection)[kOnEvents](meta, values, arena, text);
});

/**
 * Opens a WebSocket connection through libcurl and resolves once the server has accepted it.
 *
 * @param url `ws:`/`wss:` (or `http:`/`https:`) URL; a string or a `URL`.
 * @param options see {@link ConnectOptions}.
 * @throws TypeError/RangeError synchronously for invalid arguments (`ERR_INVALID_URL`,
 *   `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`).
 * @returns rejects with a `CurlWsError`: `CURLE_*` (network, TLS), `WS_ERR_*` (handshake),
 *   `ABORT_ERR` (signal).
 */
export function connect(url: string | URL, options?: ConnectOptions): Promise<Connection> {
  const normalized = validateConnectOptions(url, options, binding.curlOption);
  const stack = new Error();
  if (normalized.signal?.aborted) return Promise.reject(new AbortError(normalized.signal.reason));
  return normalized.followRedirects ? openFollowing(normalized, stack) : open(normalized, stack);
}

function open(options: NormalizedOptions, stack: Error): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    new Connection(kCreate, options, { resolve, reject }, stack);
  });
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** libcurl refuses any non-101 answer, so a redirect is a new handshake to `Location`. */
async function openFollowing(options: NormalizedOptions, stack: Error): Promise<Connection> {
  let current = options;
  for (let redirects = 0; ; redirects++) {
    try {
      return await open(current, stack);
    } catch (err) {
      const location =
        err instanceof HandshakeError &&
        err.code === 'WS_ERR_UNEXPECTED_RESPONSE' &&
        err.status !== undefined &&
        REDIRECT_STATUSES.has(err.status)
          ? err.headers?.location
          : undefined;
      if (location === undefined) throw err;
      if (redirects >= current.maxRedirects) {
        throw new HandshakeError('WS_ERR_TOO_MANY_REDIRECTS', `Maximum redirects exceeded (${current.maxRedirects})`, {
          cause: err,
          status: (err as HandshakeError).status,
          headers: Object.entries((err as HandshakeError).headers ?? {}),
        });
      }
      current = redirectTo(current, location, err as HandshakeError);
    }
  }
}

/**
 * The options for the next handshake. Credentials and cookies only travel within the origin,
 * and never from wss: to ws: (as browsers and ws do); a caller's `Host` header only to the same
 * host (as ws). Once dropped they stay dropped, even if a later hop comes back. `tls.servername`
 * (its route and its Host line) applies to the first URL only.
 */
function redirectTo(from: NormalizedOptions, location: string, cause: HandshakeError): NormalizedOptions {
  const base = new URL(from.publicUrl);
  let to: URL;
  try {
    to = normalizeUrl(new URL(location, base).href);
  } catch (err) {
    throw new HandshakeError('WS_ERR_INVALID_REDIRECT', `Invalid redirect location: ${location}`, {
      cause: err,
      status: cause.status,
      headers: Object.entries(cause.headers ?? {}),
    });
  }
  const sameHost = to.host === base.host;
  const sameOrigin = sameHost && !(base.protocol === 'wss:' && to.protocol === 'ws:');
  const credentialOptions = new Set([
    'CURLOPT_USERNAME',
    'CURLOPT_PASSWORD',
    'CURLOPT_USERPWD',
    'CURLOPT_XOAUTH2_BEARER',
    'CURLOPT_COOKIE',
    'CURLOPT_HTTPAUTH',
  ]);
  const curlOptions = from.curlOptions
    .filter(([name]) => sameOrigin || !credentialOptions.has(name))
    .map(([name, value]): [string, CurlOptionValue] =>
      name === 'CURLOPT_CONNECT_TO' && Array.isArray(value) ? [name, value.filter((r) => r !== from.servernameRoute)] : [name, value],
    );
  return {
    ...from,
    url: to.href,
    publicUrl: to.href,
    headers: from.headers.filter(
      (line) =>
        line !== from.servernameHost &&
        (sameHost || !/^host\s*[:;]/i.test(line)) &&
        (sameOrigin || !/^(authorization|cookie)\s*[:;]/i.test(line)),
    ),
    curlOptions,
    servernameRoute: undefined,
    servernameHost: undefined,
  };
}

/**
 * The public `handshake` object, from the engine's record of the opening handshake (which leaves
 * the subprotocol to 'open').
 */
function handshakeFrom(info: HandshakeInfo, protocol: string): Handshake {
  const str = (field: HandshakeField): string => info[field] as string;
  const ms = (field: HandshakeField): number => (info[field] as number) / 1000;
  const rawHeaders: [string, string][] = [];
  const block = str(HandshakeField.Headers);
  if (block !== '') {
    const parts = block.split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) rawHeaders.push([parts[i]!, parts[i + 1]!]);
  }
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of rawHeaders) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const tlsVersion = info[HandshakeField.TlsVersion];
  return {
    status: info[HandshakeField.Status] as number,
    headers,
    rawHeaders,
    url: str(HandshakeField.EffectiveUrl),
    protocol,
    address: {
      remoteAddress: str(HandshakeField.RemoteAddress),
      remotePort: info[HandshakeField.RemotePort] as number,
      localAddress: str(HandshakeField.LocalAddress),
      localPort: info[HandshakeField.LocalPort] as number,
    },
    tls: tlsVersion === undefined ? undefined : { version: tlsVersion as string, cipher: str(HandshakeField.TlsCipher) },
    timings: {
      dns: ms(HandshakeField.DnsUs),
      connect: ms(HandshakeField.ConnectUs),
      tls: ms(HandshakeField.TlsUs),
      firstByte: ms(HandshakeField.FirstByteUs),
      total: ms(HandshakeField.TotalUs),
    },
  };
}

/**
 * `ReconnectingWebSocket`: one logical connection over a succession of {@link Connection}s.
 * Opt-in: `connect()` itself never retries. This module decides *when* to open the next
 * connection (policy, backoff, jitter, limits) and keeps the application's view continuous
 * (messages, an outgoing queue, one async iterator); every connection is an ordinary `connect()`.
 *
 * Delivery is at most once: a send that was handed to a connection which then dropped is
 * rejected, never replayed (replaying could duplicate). Sends made while disconnected wait in an
 * optional bounded queue and go out, in order, on the next connection after the `onOpen` hook.
 * Nothing is dropped silently: a full queue, `close()`, an abort or giving up reject them.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { connect, OPEN } from '../core/connection';
import type { CloseResult, Connection, Message } from '../core/connection';
import {
  AbortError,
  CurlError,
  CurlWsError,
  HandshakeError,
  InvalidStateError,
  ReconnectError,
  WebSocketProtocolError,
  invalidArgType,
  invalidArgValue,
  outOfRange,
} from '../core/errors';
import { toSendable, validateCloseArgs } from '../core/frames';
import { binding } from '../core/native';
import { MOVED_KEYS, OPTION_KEYS, validateConnectOptions } from '../core/options';
import type { ConnectOptions } from '../core/options';
import { MessageIterator } from '../core/message-iterator';
import { checkKeys, integer, isObject } from '../core/validate';

/** Why a connection attempt failed or an open connection ended: what the policy decides on. */
/**
 * An error that ended a connection or an attempt: a `CurlWsError` (its `code`: `CURLE_*`,
 * `WS_ERR_*`, …), or what a hook threw (an `Error`, with a `code` if it has one). So
 * `cause.error?.code` typechecks.
 */
export type ReconnectFailure = CurlWsError | (Error & { code?: string | undefined });

export interface ReconnectCause {
  /** `'handshake'`: `connect()` rejected; `'open'`: a connection that had opened closed. */
  phase: 'handshake' | 'open';
  /**
   * The error: `connect()`'s rejection, the connection's `'error'` (e.g. `WS_ERR_PONG_TIMEOUT`),
   * or what the `onOpen` hook threw. `undefined` when the peer simply closed.
   */
  error: ReconnectFailure | undefined;
  /** The close code (phase `'open'`): the peer's, 1005 without one, 1006 if the TCP connection dropped. */
  code: number | undefined;
  reason: string;
  wasClean: boolean;
}

/** What `shouldReconnect` is asked. */
export interface ReconnectInfo extends ReconnectCause {
  /** The number of the reconnection attempt this would be (1 for the first retry since the last stable connection). */
  attempt: number;
}

/** Options of {@link ReconnectingWebSocket}: every `connect()` option plus these. */
export interface ReconnectOptions extends ConnectOptions {
  /**
   * Delay before the first retry, in ms.
   * @defaultValue `500`
   */
  initialDelay?: number;
  /**
   * Upper bound of the delay, in ms.
   * @defaultValue `30_000`
   */
  maxDelay?: number;
  /**
   * Each further attempt waits `factor` times longer (before jitter), up to `maxDelay`.
   * @defaultValue `2`
   */
  factor?: number;
  /**
   * Fraction of each delay that is random: the delay is `base × (1 − jitter × random())`, so
   * clients that lost the same server do not come back in step. 0 makes delays exact.
   * @defaultValue `0.5`
   */
  jitter?: number;
  /**
   * Consecutive attempts (without a stable connection in between) before giving up.
   * `Infinity` never gives up on retryable failures.
   * @defaultValue `Infinity`
   */
  maxAttempts?: number;
  /**
   * A connection that stayed open at least this many ms counts as stable: the attempt counter
   * (and with it the backoff) starts again from the beginning after it ends.
   * @defaultValue `5_000`
   */
  resetAfter?: number;
  /**
   * Sends made while disconnected (or during `onOpen`) wait in a queue of at most this many
   * messages, sent on the next connection; one more rejects with `ERR_WS_QUEUE_FULL`.
   * 0 rejects such sends at once (`ERR_WS_NOT_OPEN`).
   * @defaultValue `0`
   */
  maxQueuedMessages?: number;
  /**
   * Decides whether to try again after a failure; {@link defaultShouldReconnect} by default.
   * Not asked after `close()` or an abort. Called at most `maxAttempts` times in a row.
   */
  shouldReconnect?: (info: ReconnectInfo) => boolean;
  /**
   * Runs before every attempt (the first one too); what it returns (or resolves to) is merged over
   * the `connect()` options for that attempt: fresh credentials, another URL's headers, etc.
   * A rejection fails the attempt (`cause.error`, phase `'handshake'`).
   */
  beforeConnect?: (info: { attempt: number }) => ConnectOptions | undefined | Promise<ConnectOptions | undefined>;
  /**
   * Runs on every new connection before it is announced (`'open'`) and before queued sends go
   * out: re-authenticate, re-subscribe. A rejection closes that connection (1011) and counts as
   * a failure with the rejection as `cause.error`.
   */
  onOpen?: (connection: Connection, info: { attempt: number }) => void | Promise<void>;
  /**
   * Source of randomness for jitter, `[0, 1)`; inject one for reproducible delays.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

/** Where a {@link ReconnectingWebSocket} is. */
export type ReconnectState = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** `'close'` event payload: a connection that had opened has ended. */
export interface DisconnectInfo extends CloseResult {
  /** What failed it (see {@link ReconnectCause.error}). */
  error: ReconnectFailure | undefined;
  /** Whether another connection will be attempted. */
  willReconnect: boolean;
}

/** Events of a {@link ReconnectingWebSocket}. */
export interface ReconnectingEvents {
  /** An attempt starts (`state` becomes `'connecting'`); `attempt` 0 is the first connection. */
  connecting: [info: { attempt: number }];
  /** A connection is open (after `onOpen`); `attempt` 0 is the first connection. */
  open: [connection: Connection, info: { attempt: number }];
  message: [data: string | Buffer, isBinary: boolean];
  /** A connection that had opened ended. */
  close: [info: DisconnectInfo];
  /** The next attempt starts in `delay` ms. */
  reconnecting: [info: { attempt: number; delay: number; cause: ReconnectCause }];
  /** No more attempts: the policy refused or `maxAttempts` was reached. `'end'` follows. */
  giveup: [info: { attempt: number; cause: ReconnectCause }];
  /** Final: after `close()`, an abort or `'giveup'`. Nothing is emitted after it. */
  end: [];
}

export const RECONNECT_KEYS = [
  'initialDelay',
  'maxDelay',
  'factor',
  'jitter',
  'maxAttempts',
  'resetAfter',
  'maxQueuedMessages',
  'shouldReconnect',
  'beforeConnect',
  'onOpen',
  'random',
] as const satisfies readonly (keyof ReconnectOptions)[];

const MAX_TIMEOUT = 2_147_483_647;

/** HTTP answers to the handshake worth retrying: the server is overloaded or restarting. */
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
/** Close codes of servers going away or restarting (RFC 6455 §7.4.1, IANA registry). */
const RETRY_CLOSE_CODES = new Set([1001, 1006, 1011, 1012, 1013, 1014]);
/** libcurl failures a retry cannot fix: configuration, certificates, authentication. */
const FATAL_CURL_CODES = new Set([
  'CURLE_UNSUPPORTED_PROTOCOL',
  'CURLE_URL_MALFORMAT',
  'CURLE_NOT_BUILT_IN',
  'CURLE_LOGIN_DENIED',
  'CURLE_PEER_FAILED_VERIFICATION',
  'CURLE_SSL_CERTPROBLEM',
  'CURLE_SSL_CIPHER',
  'CURLE_SSL_CACERT_BADFILE',
  'CURLE_SSL_CRL_BADFILE',
  'CURLE_SSL_PINNEDPUBKEYNOTMATCH',
  'CURLE_SSL_ISSUER_ERROR',
  'CURLE_BAD_FUNCTION_ARGUMENT',
  'CURLE_UNKNOWN_OPTION',
]);

/**
 * The default policy. Retries what a later attempt can fix:
 * - network failures (`CURLE_*`: refused, reset, timeouts, DNS) and `WS_ERR_HANDSHAKE_TIMEOUT`;
 * - handshake answers 408, 425, 429, 500, 502, 503, 504;
 * - a dead peer (`WS_ERR_PONG_TIMEOUT`), closes 1001 (going away), 1006 (dropped),
 *   1011 (server error), 1012 (restart), 1013 (try again later), 1014 (bad gateway);
 * - a rejected `beforeConnect` or `onOpen` hook (except with an argument error).
 *
 * Does not retry what would fail the same way again: other HTTP answers (401, 403, 404, 3xx
 * without `followRedirects`), an invalid `Sec-WebSocket-Accept`/upgrade/subprotocol, TLS
 * verification and configuration errors, a proxy answering 407, protocol violations
 * (1002/1007/1009), and deliberate closes by the server: 1000, 1005 (no code), 1003, 1008
 * (policy), 1010 and every application code 3000–4999.
 */
export function defaultShouldReconnect(info: ReconnectInfo): boolean {
  const e = info.error;
  if (e instanceof AbortError) return false;
  if (e instanceof HandshakeError) {
    if (e.code === 'WS_ERR_HANDSHAKE_TIMEOUT') return true;
    return e.code === 'WS_ERR_UNEXPECTED_RESPONSE' && e.status !== undefined && RETRY_STATUSES.has(e.status);
  }
  if (e instanceof CurlError) return e.proxyStatus !== 407 && !FATAL_CURL_CODES.has(e.code);
  if (e instanceof WebSocketProtocolError) return e.code === 'WS_ERR_PONG_TIMEOUT';
  if (e instanceof CurlWsError) return false; // ERR_CURLWS_INTERNAL and other engine refusals
  // Invalid options (e.g. returned by beforeConnect) fail the same way every time.
  if (isArgumentError(e)) return false;
  if (e !== undefined) return true; // thrown by the beforeConnect/onOpen hooks: treated as transient
  return info.code !== undefined && RETRY_CLOSE_CODES.has(info.code);
}

/** Why {@link ReconnectingWebSocket} stopped: out of attempts, or the policy said no (or threw). */
type GiveUpReason = 'maxAttempts' | 'policy' | 'policyThrew';

/** "the connection closed with code 4002 "bye"", "connect() failed: …" */
function describeCause(cause: ReconnectCause): string {
  if (cause.phase === 'handshake') return `the connection attempt failed (${cause.error?.message ?? 'no error'})`;
  if (cause.error) return `the connection failed (${cause.error.message}), close code ${cause.code ?? 1006}`;
  const reason = cause.reason ? ` ${JSON.stringify(cause.reason)}` : '';
  return `the connection closed with code ${cause.code ?? 1006}${reason}`;
}

interface Queued {
  payload: string | Buffer;
  binary: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Settings {
  initialDelay: number;
  maxDelay: number;
  factor: number;
  jitter: number;
  maxAttempts: number;
  resetAfter: number;
  maxQueuedMessages: number;
  shouldReconnect: (info: ReconnectInfo) => boolean;
  beforeConnect: ReconnectOptions['beforeConnect'];
  onOpen: ReconnectOptions['onOpen'];
  random: () => number;
}

/**
 * A WebSocket client that reconnects with exponential backoff and jitter.
 *
 * ```ts
 * const rws = new ReconnectingWebSocket('wss://example.test/feed', {
 *   maxQueuedMessages: 100,
 *   onOpen: (conn) => conn.send(JSON.stringify({ subscribe: 'prices' })),
 * });
 * rws.on('reconnecting', ({ attempt, delay, cause }) => log(attempt, delay, cause.error?.code ?? cause.code));
 * for await (const { data } of rws) handle(data);
 * ```
 */
export class ReconnectingWebSocket extends EventEmitter<ReconnectingEvents> {
  readonly #url: string;
  readonly #connectOptions: ConnectOptions;
  readonly #settings: Settings;
  readonly #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #state: ReconnectState = 'connecting';
  #conn: Connection | undefined;
  /** Aborts the handshake in flight; replaced for each attempt so a stale one is recognised. */
  #attemptAbort: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Consecutive attempts since the last stable connection. */
  #attempt = 0;
  #queue: Queued[] = [];
  #stopping = false;
  #closeCode: { code: number | undefined; reason: Buffer | undefined } | undefined;
  #endWaiters: (() => void)[] = [];
  #lastClose: CloseResult | undefined;
  #iterator: MessageIterator<Message> | undefined;
  #iteratorPaused = false;
  #ended = false;
  readonly #receiveHighWater: number;

  /**
   * Starts connecting at once.
   * @param url - as for `connect()`
   * @param options - `connect()` options plus the reconnect settings; `signal` stops for good
   * @throws TypeError/RangeError synchronously for invalid options (unknown keys included)
   */
  constructor(url: string | URL, options?: ReconnectOptions) {
    super();
    if (options === undefined) options = {};
    if (!isObject(options)) throw invalidArgType('options', 'an object', options);
    checkKeys('options', options, [...OPTION_KEYS, ...RECONNECT_KEYS], MOVED_KEYS);
    const connectOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if (!(RECONNECT_KEYS as readonly string[]).includes(key) && key !== 'signal') connectOptions[key] = value;
    }
    // Validate the connection options once, now, so a typo fails here and not on attempt 1.
    const normalized = validateConnectOptions(url, { ...connectOptions, signal: options.signal }, binding.curlOption);
    this.#url = normalized.publicUrl;
    this.#connectOptions = connectOptions as ConnectOptions;
    this.#receiveHighWater = normalized.receiveHighWaterMark;
    this.#settings = validateSettings(options);
    this.#signal = normalized.signal;
    if (this.#signal?.aborted) {
      this.#state = 'closed';
      process.nextTick(() => this.#finish());
      return;
    }
    if (this.#signal) {
      this.#onAbort = () => void this.close();
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    // Next tick, so that listeners attached after the constructor see the first 'connecting'.
    process.nextTick(() => {
      if (!this.#stopping) this.#attemptConnect();
    });
  }

  /** The URL connected to (after `http:`→`ws:` mapping). */
  get url(): string {
    return this.#url;
  }
  /** `'connecting'`, `'open'`, `'reconnecting'` (waiting out a delay), `'closing'` or `'closed'`. */
  get state(): ReconnectState {
    return this.#state;
  }
  /** The open connection, or `undefined` while there is none (or its `onOpen` hook runs). */
  get connection(): Connection | undefined {
    return this.#state === 'open' || this.#state === 'closing' ? this.#conn : undefined;
  }
  /** Consecutive attempts since the last stable connection (0 while the first one is fine). */
  get attempt(): number {
    return this.#attempt;
  }
  /** Messages waiting in the queue for the next connection. */
  get queuedMessages(): number {
    return this.#queue.length;
  }
  /** The current connection's `bufferedAmount` plus the bytes waiting in the queue. */
  get bufferedAmount(): number {
    let queued = 0;
    for (const q of this.#queue) queued += typeof q.payload === 'string' ? Buffer.byteLength(q.payload) : q.payload.length;
    return (this.#conn?.bufferedAmount ?? 0) + queued;
  }

  /**
   * Sends on the open connection; while disconnected, queues (see `maxQueuedMessages`).
   * Resolves when handed to the kernel. Rejects with `ERR_WS_NOT_OPEN` (no queue),
   * `ERR_WS_QUEUE_FULL`, `ERR_WS_CLOSED` (closed, or the connection carrying it dropped) or
   * `ERR_WS_RECONNECT_GAVE_UP`. Fragments (`fin: false`) cannot span connections: not accepted.
   */
  send(data: string | Buffer | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean }): Promise<void> {
    const sendable = toSendable(data);
    let binary = sendable.binary;
    if (options !== undefined) {
      if (!isObject(options)) throw invalidArgType('options', 'an object', options);
      if ('fin' in options)
        throw invalidArgValue('options.fin', options.fin, 'no fin option (a fragmented message cannot span reconnections)');
      checkKeys('options', options, ['binary']);
      if (options.binary !== undefined) {
        if (typeof options.binary !== 'boolean') throw invalidArgType('options.binary', 'a boolean', options.binary);
        binary = options.binary;
      }
    }
    const conn = this.#conn;
    if (this.#state === 'open' && conn && conn.readyState === OPEN && this.#queue.length === 0) {
      return conn.send(sendable.payload, { binary });
    }
    if (this.#stopping || this.#state === 'closed') {
      return Promise.reject(new InvalidStateError('ERR_WS_CLOSED', 'ReconnectingWebSocket is closed'));
    }
    const max = this.#settings.maxQueuedMessages;
    if (max === 0) return Promise.reject(InvalidStateError.notOpen(0));
    if (this.#queue.length >= max) {
      return Promise.reject(new ReconnectError('ERR_WS_QUEUE_FULL', `Outgoing queue full (maxQueuedMessages: ${max})`));
    }
    // Copy: the caller may reuse its buffer once send() returns, long before the queue flushes.
    const payload = typeof sendable.payload === 'string' ? sendable.payload : Buffer.from(sendable.payload);
    return new Promise<void>((resolve, reject) => this.#queue.push({ payload, binary, resolve, reject }));
  }

  /**
   * Stops for good: cancels a pending attempt, closes the open connection (closing handshake
   * with `code`/`reason`), rejects queued sends with `ERR_WS_CLOSED`. Resolves after `'end'` with
   * the last connection's close result (`undefined` if none was open).
   */
  close(code?: number, reason?: string | Buffer): Promise<CloseResult | undefined> {
    validateCloseArgs(code, reason);
    const ended = new Promise<CloseResult | undefined>((resolve) => this.#endWaiters.push(() => resolve(this.#lastClose)));
    if (this.#ended) {
      for (const w of this.#endWaiters.splice(0)) w();
      return ended;
    }
    if (this.#stopping || this.#state === 'closed') return ended; // 'end' is on its way
    this.#stopping = true;
    this.#closeCode = { code, reason: reason === undefined ? undefined : Buffer.from(reason) };
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#rejectQueue(() => new InvalidStateError('ERR_WS_CLOSED', 'ReconnectingWebSocket closed before the data was sent'));
    const conn = this.#conn;
    if (conn) {
      // Open (or in its onOpen hook): the closing handshake; the 'close' listener finishes.
      this.#state = 'closing';
      this.#closeConnection(conn);
    } else {
      // Waiting out a delay, or a handshake in flight (whose late success is terminated).
      this.#attemptAbort?.abort();
      this.#attemptAbort = undefined;
      this.#finish();
    }
    return ended;
  }

  /**
   * Messages from every connection, in order, until `'end'`. After a give-up the iterator
   * rejects with `ERR_WS_RECONNECT_GAVE_UP`. Reading pauses while the consumer is
   * `receiveHighWaterMark` messages behind. One iterator at a time.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    if (this.#iterator) throw new InvalidStateError('ERR_WS_ITERATOR_ACTIVE', 'ReconnectingWebSocket already has an active iterator');
    const it: MessageIterator<Message> = new MessageIterator(
      {
        taken: (remaining) => {
          if (remaining <= Math.floor(this.#receiveHighWater / 2)) this.#resumeReading();
        },
        finished: () => {
          if (this.#iterator === it) this.#iterator = undefined;
          this.#resumeReading();
        },
      },
      this.#state === 'closed',
    );
    this.#iterator = it;
    return it.iterator();
  }

  // ---- internals ---------------------------------------------------------------------------

  #attemptConnect(): void {
    this.#timer = undefined;
    this.#state = 'connecting';
    const controller = new AbortController();
    this.#attemptAbort = controller;
    const hook = this.#settings.beforeConnect;
    const attempt = this.#attempt;
    this.#emitSafely('connecting', { attempt });
    if (this.#attemptAbort !== controller) return; // a 'connecting' listener called close()
    // async: a synchronous throw of the hook or of connect()'s validation becomes a rejection.
    const pending = (async (): Promise<Connection> => {
      const extra: unknown = hook ? await hook({ attempt }) : undefined;
      if (controller.signal.aborted) throw new AbortError(controller.signal.reason);
      if (extra !== undefined && !isObject(extra)) throw invalidArgType('the result of options.beforeConnect', 'an object', extra);
      return connect(this.#url, { ...this.#connectOptions, ...extra, signal: controller.signal });
    })();
    pending.then(
      (conn) => this.#onConnected(conn, controller),
      (err: Error) => {
        if (this.#attemptAbort !== controller) return; // cancelled by close()
        this.#attemptAbort = undefined;
        this.#afterFailure({ phase: 'handshake', error: err, code: undefined, reason: '', wasClean: false }, false);
      },
    );
  }

  #onConnected(conn: Connection, controller: AbortController): void {
    if (this.#attemptAbort !== controller) {
      conn.terminate(); // close() ran while the handshake was completing
      return;
    }
    this.#attemptAbort = undefined;
    this.#conn = conn;
    const openedAt = performance.now();
    let error: ReconnectFailure | undefined;
    let announced = false;
    conn.on('error', (e) => {
      error ??= e;
    });
    conn.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    conn.once('close', (code, reason, wasClean) => {
      if (this.#conn === conn) this.#conn = undefined;
      this.#iteratorPaused = false;
      this.#lastClose = { code, reason, wasClean };
      if (performance.now() - openedAt >= this.#settings.resetAfter && announced) this.#attempt = 0;
      this.#afterFailure({ phase: 'open', error, code, reason, wasClean }, announced);
    });
    // An iterator still full from the previous connection keeps this one paused too.
    if (this.#iterator && this.#iterator.length >= this.#receiveHighWater) {
      this.#iteratorPaused = true;
      conn.pause();
    }
    const attempt = this.#attempt;
    const hook = this.#settings.onOpen;
    const run = hook ? new Promise<void>((resolve) => resolve(hook(conn, { attempt }))) : Promise.resolve();
    run.then(
      () => {
        if (this.#conn !== conn || conn.readyState !== OPEN || this.#stopping) return;
        this.#state = 'open';
        announced = true;
        this.#emitSafely('open', conn, { attempt });
        this.#flushQueue(conn);
      },
      (err: unknown) => {
        if (this.#conn !== conn || conn.readyState !== OPEN) return;
        error = err instanceof Error ? err : new Error(String(err));
        conn.close(1011, 'onOpen failed').catch(() => {});
      },
    );
  }

  /** Ask the policy (unless stopping), then emit `close` (if the connection had opened) and reconnect or give up. */
  #afterFailure(cause: ReconnectCause, announced: boolean): void {
    let retry = false;
    let why: GiveUpReason = 'maxAttempts';
    const attempt = this.#attempt + 1;
    if (!this.#stopping && attempt <= this.#settings.maxAttempts) {
      why = 'policy';
      try {
        retry = this.#settings.shouldReconnect({ ...cause, attempt }) === true;
      } catch (err) {
        why = 'policyThrew';
        // A throwing policy is a bug in the application: surface it as Node would, and stop.
        process.nextTick(() => {
          throw err;
        });
      }
    }
    if (announced) {
      this.#emitSafely('close', {
        code: cause.code ?? 1006,
        reason: cause.reason,
        wasClean: cause.wasClean,
        error: cause.error,
        willReconnect: retry && !this.#stopping,
      });
    }
    if (this.#stopping) {
      this.#finish();
      return;
    }
    if (!retry) {
      this.#giveUp(cause, why);
      return;
    }
    this.#attempt = attempt;
    const delay = this.#delay(attempt);
    this.#state = 'reconnecting';
    this.#timer = setTimeout(() => this.#attemptConnect(), delay);
    this.#emitSafely('reconnecting', { attempt, delay, cause });
  }

  #delay(attempt: number): number {
    const s = this.#settings;
    const base = Math.min(s.maxDelay, s.initialDelay * s.factor ** (attempt - 1));
    const r = s.random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
    return Math.round(base * (1 - s.jitter * unit));
  }

  #giveUp(cause: ReconnectCause, why: GiveUpReason): void {
    const error = new ReconnectError('ERR_WS_RECONNECT_GAVE_UP', this.#giveUpMessage(cause, why), { cause: cause.error });
    this.#state = 'closed';
    this.#rejectQueue(() => error);
    this.#iterator?.fail(error);
    this.#emitSafely('giveup', { attempt: this.#attempt, cause });
    this.#finish();
  }

  /** Why it stopped, in words: what failed and who decided not to retry. */
  #giveUpMessage(cause: ReconnectCause, why: GiveUpReason): string {
    const what = describeCause(cause);
    const tries = this.#attempt === 1 ? '1 reconnection attempt' : `${this.#attempt} reconnection attempts`;
    if (why === 'maxAttempts') {
      return `Gave up reconnecting to ${this.#url}: ${what}, and maxAttempts (${this.#settings.maxAttempts}) reconnection attempts were made`;
    }
    const policy =
      this.#settings.shouldReconnect === defaultShouldReconnect
        ? 'the default shouldReconnect policy does not retry it (see docs/reliability.md; pass shouldReconnect to decide yourself)'
        : why === 'policyThrew'
          ? 'shouldReconnect threw'
          : 'shouldReconnect returned false';
    return `Gave up reconnecting to ${this.#url}: ${what}, and ${policy} (after ${tries})`;
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#state = 'closed';
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#rejectQueue(() => new InvalidStateError('ERR_WS_CLOSED', 'ReconnectingWebSocket closed before the data was sent'));
    this.#iterator?.end();
    this.#emitSafely('end');
    for (const w of this.#endWaiters.splice(0)) w();
  }

  #closeConnection(conn: Connection): void {
    const c = this.#closeCode;
    const p = c?.code === undefined ? conn.close() : conn.close(c.code, c.reason);
    p.catch(() => {});
  }

  #flushQueue(conn: Connection): void {
    for (const q of this.#queue.splice(0)) {
      if (conn.readyState !== OPEN) {
        q.reject(new InvalidStateError('ERR_WS_CLOSED', 'WebSocket closed before the data was sent'));
        continue;
      }
      conn.send(q.payload, { binary: q.binary }).then(q.resolve, q.reject);
    }
  }

  #rejectQueue(error: () => Error): void {
    for (const q of this.#queue.splice(0)) q.reject(error());
  }

  #onMessage(conn: Connection, data: string | Buffer, isBinary: boolean): void {
    const it = this.#iterator;
    if (it && it.push({ data, binary: isBinary }) >= this.#receiveHighWater && !this.#iteratorPaused) {
      this.#iteratorPaused = true;
      conn.pause();
    }
    this.emit('message', data, isBinary);
  }

  #resumeReading(): void {
    if (!this.#iteratorPaused) return;
    this.#iteratorPaused = false;
    this.#conn?.resume();
  }

  /** Emit from a promise callback or timer: a throwing listener becomes an uncaught exception, as from any emitter. */
  #emitSafely<K extends keyof ReconnectingEvents>(event: K, ...args: ReconnectingEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ReconnectingEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

function validateSettings(o: ReconnectOptions): Settings {
  const ms = (key: 'initialDelay' | 'maxDelay' | 'resetAfter', fallback: number): number =>
    integer(`options.${key}`, o[key], fallback, MAX_TIMEOUT);
  const initialDelay = ms('initialDelay', 500);
  const maxDelay = ms('maxDelay', Math.max(30_000, initialDelay));
  if (maxDelay < initialDelay)
    throw outOfRange('options.maxDelay', `an integer from options.initialDelay (${initialDelay}) to ${MAX_TIMEOUT}`, maxDelay);
  return {
    initialDelay,
    maxDelay,
    factor: finiteNumber('options.factor', o.factor, 2, 1, 1000),
    jitter: finiteNumber('options.jitter', o.jitter, 0.5, 0, 1),
    maxAttempts: o.maxAttempts === Infinity ? Infinity : integer('options.maxAttempts', o.maxAttempts, Infinity, Number.MAX_SAFE_INTEGER),
    resetAfter: ms('resetAfter', 5_000),
    maxQueuedMessages: integer('options.maxQueuedMessages', o.maxQueuedMessages, 0, 2 ** 30),
    shouldReconnect: fn('options.shouldReconnect', o.shouldReconnect) ?? defaultShouldReconnect,
    beforeConnect: fn('options.beforeConnect', o.beforeConnect),
    onOpen: fn('options.onOpen', o.onOpen),
    random: fn('options.random', o.random) ?? Math.random,
  };
}

/** A Node-style argument error (`TypeError`/`RangeError` with an `ERR_*` code). */
function isArgumentError(e: unknown): boolean {
  return (e instanceof TypeError || e instanceof RangeError) && typeof (e as { code?: unknown }).code === 'string';
}

function finiteNumber(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgType(name, 'a number', value);
  if (!(value >= min && value <= max)) throw outOfRange(name, `a number from ${min} to ${max}`, value);
  return value;
}

function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidArgType(name, 'a function', value);
  return value;
}

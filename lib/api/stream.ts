/**
 * Streams over a connection: {@link createWebSocketStream} (a Node `Duplex`, like `ws`'s) and
 * {@link WebSocketStream} (the WHATWG WebSocketStream proposal, web streams). Both carry
 * backpressure both ways: a full readable side pauses reading from the socket, and writes wait
 * while the engine's send queue is over the high-water mark.
 */
import { Duplex } from 'node:stream';
import type { DuplexOptions } from 'node:stream';
import { CLOSED, CONNECTING, OPEN, connect, kSendWithCallbacks } from '../core/connection';
import type { Connection } from '../core/connection';
import { MAX_CLOSE_REASON } from '../core/frames';
import type { ConnectOptions } from '../core/options';

/**
 * Wraps an open {@link Connection} in a Node `Duplex`. Reading yields each message as a Buffer
 * (in `objectMode`: text as a string, binary as a Buffer); each written chunk is sent as one
 * binary message (a string in `objectMode` as text). `end()` starts the closing handshake
 * (a CLOSE without status, as `ws` does); `destroy()` terminates the connection.
 *
 * @param conn - an open connection (from `connect()`)
 * @param options - Duplex options (`highWaterMark`s, `objectMode`, …)
 */
export function createWebSocketStream(conn: Connection, options?: DuplexOptions): Duplex {
  if (conn.readyState === CONNECTING) throw new TypeError('createWebSocketStream() needs an open Connection');
  let pausedByUs = false;
  let terminateOnDestroy = true;

  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
    readableObjectMode: false,
    ...(options?.objectMode ? { readableObjectMode: true, writableObjectMode: true } : {}),
    ...(options?.readableObjectMode ? { readableObjectMode: true } : {}),
    ...(options?.writableObjectMode ? { writableObjectMode: true } : {}),
    read() {
      if (pausedByUs) {
        pausedByUs = false;
        if (conn.readyState !== CLOSED) conn.resume();
      }
    },
    write(chunk: Buffer | string, _encoding, callback) {
      if (conn.readyState !== OPEN) {
        callback(new Error(`WebSocket is not open: readyState ${conn.readyState}`));
        return;
      }
      const refused = conn[kSendWithCallbacks](chunk, typeof chunk !== 'string', true, onChunkSent, onChunkFailed);
      if (refused) {
        callback(refused);
        return;
      }
      chunksQueued++;
      // Under the high-water mark, accept the next chunk at once; over it, wait until this one
      // (and so everything before it) has reached the kernel.
      if (conn.bufferedAmount <= duplex.writableHighWaterMark) {
        callback();
      } else {
        waiting = { chunk: chunksQueued, callback };
      }
    },
    final(callback) {
      if (conn.readyState === CLOSED) {
        callback();
        return;
      }
      conn.close().then(() => callback(), callback);
    },
    destroy(err, callback) {
      if (conn.readyState === CLOSED || !terminateOnDestroy) {
        callback(err);
        process.nextTick(() => duplex.emit('close'));
        return;
      }
      conn.once('close', () => {
        callback(err);
        duplex.emit('close');
      });
      conn.terminate();
    },
  });

  // Chunks complete oldest first; a Writable has at most one write waiting for its callback, so
  // two counters and two functions made once follow every chunk (no promise per chunk).
  let chunksQueued = 0;
  let chunksDone = 0;
  let waiting: { chunk: number; callback: (err?: Error | null) => void } | undefined;
  const takeWaiting = (): ((err?: Error | null) => void) | undefined => {
    chunksDone++;
    if (waiting?.chunk !== chunksDone) return undefined;
    const callback = waiting.callback;
    waiting = undefined;
    return callback;
  };
  const onChunkSent = (): void => takeWaiting()?.();
  // A chunk whose write was already acknowledged never went out: the stream cannot go on.
  const onChunkFailed = (err: Error): void => {
    const callback = takeWaiting();
    if (callback) callback(err);
    else duplex.destroy(err);
  };

  const onMessage = (data: string | Buffer, isBinary: boolean): void => {
    // Text arrives as a Buffer already from a connection opened with textAs: 'bytes'.
    const chunk = isBinary ? data : duplex.readableObjectMode ? String(data) : typeof data === 'string' ? Buffer.from(data) : data;
    if (!duplex.push(chunk) && !pausedByUs) {
      pausedByUs = true;
      conn.pause();
    }
  };
  const onError = (err: Error): void => {
    terminateOnDestroy = false;
    duplex.destroy(err);
  };
  const onClose = (): void => {
    terminateOnDestroy = false;
    if (!duplex.destroyed) duplex.push(null);
    if (duplex.writableFinished || duplex.destroyed) {
      if (!duplex.destroyed) duplex.destroy();
    }
  };
  conn.on('message', onMessage);
  conn.on('error', onError);
  conn.on('close', onClose);
  duplex.once('end', () => {
    if (duplex.writableFinished || conn.readyState === CLOSED) duplex.destroy();
  });
  if (conn.readyState === CLOSED) process.nextTick(onClose);
  return duplex;
}

/** Options of {@link WebSocketStream}: `connect()` options plus the receive queue size. */
export interface WebSocketStreamOptions extends ConnectOptions {
  /**
   * Messages the readable side holds before reading from the socket pauses.
   * @defaultValue `16`
   */
  highWaterMark?: number;
}

/** What {@link WebSocketStream.opened} resolves to. */
export interface WebSocketOpenInfo {
  readable: ReadableStream<string | Uint8Array>;
  writable: WritableStream<string | ArrayBuffer | ArrayBufferView>;
  protocol: string;
  extensions: string;
}

/** What {@link WebSocketStream.closed} resolves to. */
export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** Rejection of `opened`/`closed` when the connection failed or closed uncleanly. */
export class WebSocketError extends DOMException {
  readonly closeCode: number | null;
  readonly reason: string;

  /**
   * @param message - description
   * @param init - `closeCode` (1000 or 3000–4999 when given) and `reason`
   */
  constructor(message = '', init: WebSocketCloseInfo & { cause?: unknown } = {}) {
    super(message, 'WebSocketError');
    this.closeCode = init.closeCode ?? null;
    this.reason = init.reason ?? '';
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, configurable: true, writable: true });
  }
}

/**
 * The WHATWG `WebSocketStream` proposal: a connection as a pair of web streams.
 *
 * ```ts
 * const wss = new WebSocketStream('wss://example.test/');
 * const { readable, writable } = await wss.opened;
 * ```
 */
export class WebSocketStream {
  readonly #url: string;
  readonly #opened: Promise<WebSocketOpenInfo>;
  readonly #closed: Promise<WebSocketCloseInfo>;
  readonly #controller = new AbortController();
  #conn: Connection | undefined;

  /**
   * @param url - `ws:`/`wss:` URL
   * @param options - `protocols`, `signal` and every other `connect()` option, plus `highWaterMark`
   */
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    const { highWaterMark = 16, signal: userSignal, ...rest } = options;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new RangeError(`Expected a positive integer for options.highWaterMark but received ${String(highWaterMark)}`);
    }
    const signal = userSignal ? AbortSignal.any([userSignal, this.#controller.signal]) : this.#controller.signal;
    // connect() validates synchronously (TypeError for bad URLs or options).
    const connecting = connect(url, { ...rest, signal });
    this.#url = new URL(String(url)).href.replace(/^http/, 'ws');
    let resolveClosed!: (v: WebSocketCloseInfo) => void;
    let rejectClosed!: (e: unknown) => void;
    this.#closed = new Promise((res, rej) => {
      resolveClosed = res;
      rejectClosed = rej;
    });
    this.#opened = connecting.then(
      (conn) => this.#setUp(conn, highWaterMark, resolveClosed, rejectClosed),
      (err: unknown) => {
        const e = new WebSocketError(err instanceof Error ? err.message : String(err), { cause: err });
        rejectClosed(e);
        throw e;
      },
    );
    // Avoid unhandled rejections when the user only awaits one of them.
    this.#opened.catch(() => {});
    this.#closed.catch(() => {});
  }

  get url(): string {
    return this.#url;
  }
  /** Resolves once the handshake succeeded. */
  get opened(): Promise<WebSocketOpenInfo> {
    return this.#opened;
  }
  /** Resolves with the close code and reason after a clean close; rejects otherwise. */
  get closed(): Promise<WebSocketCloseInfo> {
    return this.#closed;
  }

  /**
   * Closes the connection (aborts the handshake if it is still running).
   * @throws DOMException `InvalidAccessError` for a code other than 1000 or 3000–4999,
   *   `SyntaxError` for a reason over 123 bytes
   */
  close(closeInfo: WebSocketCloseInfo = {}): void {
    const { closeCode, reason = '' } = closeInfo;
    if (closeCode !== undefined && closeCode !== 1000 && !(closeCode >= 3000 && closeCode <= 4999)) {
      throw new DOMException(`Invalid close code ${closeCode}`, 'InvalidAccessError');
    }
    if (Buffer.byteLength(reason) > MAX_CLOSE_REASON) {
      throw new DOMException(`The close reason is longer than ${MAX_CLOSE_REASON} bytes`, 'SyntaxError');
    }
    const conn = this.#conn;
    if (!conn) {
      this.#controller.abort(new WebSocketError('WebSocket closed during the handshake', closeInfo));
      return;
    }
    const code = closeCode ?? (reason ? 1000 : undefined);
    (code === undefined ? conn.close() : conn.close(code, reason)).catch(() => {});
  }

  #setUp(
    conn: Connection,
    highWaterMark: number,
    resolveClosed: (v: WebSocketCloseInfo) => void,
    rejectClosed: (e: unknown) => void,
  ): WebSocketOpenInfo {
    this.#conn = conn;
    let readController!: ReadableStreamDefaultController<string | Uint8Array>;
    let writeController!: WritableStreamDefaultController;
    let pausedByUs = false;
    let readableDone = false;
    let error: unknown;
    const readable = new ReadableStream<string | Uint8Array>(
      {
        start(c) {
          readController = c;
        },
        pull() {
          if (pausedByUs) {
            pausedByUs = false;
            conn.resume();
          }
        },
        cancel: (reason: unknown) => {
          readableDone = true;
          this.close(closeInfoOf(reason));
        },
      },
      new CountQueuingStrategy({ highWaterMark }),
    );
    const writable = new WritableStream<string | ArrayBuffer | ArrayBufferView>({
      start(c) {
        writeController = c;
      },
      write(chunk) {
        if (typeof chunk === 'string') return conn.send(chunk);
        if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return conn.send(chunk);
        return conn.send(String(chunk));
      },
      close: () => {
        this.close();
        return this.#closed.then(
          () => {},
          () => {},
        );
      },
      abort: (reason: unknown) => {
        this.close(closeInfoOf(reason));
      },
    });
    conn.on('message', (data, isBinary) => {
      if (readableDone) return;
      const chunk = isBinary ? new Uint8Array((data as Buffer).buffer, (data as Buffer).byteOffset, (data as Buffer).byteLength) : data;
      readController.enqueue(chunk);
      if ((readController.desiredSize ?? 1) <= 0 && !pausedByUs) {
        pausedByUs = true;
        conn.pause();
      }
    });
    conn.on('error', (err) => {
      error ??= err;
    });
    conn.on('close', (code, reason, wasClean) => {
      if (wasClean) {
        if (!readableDone) readController.close();
        writeController.error(new TypeError('WebSocket is closed'));
        resolveClosed({ closeCode: code, reason });
      } else {
        const e = new WebSocketError(error instanceof Error ? error.message : 'WebSocket connection closed abnormally', {
          closeCode: undefined,
          reason,
          cause: error,
        });
        if (!readableDone) readController.error(e);
        writeController.error(e);
        rejectClosed(e);
      }
      readableDone = true;
    });
    return { readable, writable, protocol: conn.protocol, extensions: conn.extensions };
  }
}

function closeInfoOf(reason: unknown): WebSocketCloseInfo {
  if (reason instanceof WebSocketError) {
    return reason.closeCode === null ? { reason: reason.reason } : { closeCode: reason.closeCode, reason: reason.reason };
  }
  return {};
}

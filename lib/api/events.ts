/**
 * DOM event classes fired by the WHATWG {@link WebSocket}: `MessageEvent` (Node's global one),
 * `CloseEvent` (not global before Node 23, so defined here) and `ErrorEvent` (not global in
 * Node 20). Both subclass the global `Event`, so `instanceof Event`, `type` and `target` work as
 * in browsers.
 */

/**
 * The members of the DOM's `EventInit`. Declared here so the shipped types need no DOM library
 * (`lib: ["dom"]`), which Node-only projects do not load.
 */
export interface EventInitLike {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** A WHATWG `MessageEvent` as the {@link WebSocket} fires it. */
export interface MessageEvent<T = unknown> extends Event {
  readonly data: T;
  readonly origin: string;
  readonly lastEventId: string;
}

/** Node's global `MessageEvent` class (present since Node 15; the WHATWG one from undici). */
export const MessageEvent = (globalThis as unknown as { MessageEvent: unknown }).MessageEvent as {
  prototype: MessageEvent;
  new <T = unknown>(type: string, init?: EventInitLike & { data?: T; origin?: string; lastEventId?: string }): MessageEvent<T>;
};

/** Init dictionary of {@link CloseEvent}. */
export interface CloseEventInit extends EventInitLike {
  /** @defaultValue `false` */
  wasClean?: boolean;
  /** @defaultValue `0` */
  code?: number;
  /** @defaultValue `''` */
  reason?: string;
}

/** The `close` event: how the connection ended (WHATWG `CloseEvent`). */
export class CloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  /**
   * @param type - the event type, usually `'close'`
   * @param init - `wasClean`, `code`, `reason` plus the `EventInit` members (bubbles, cancelable, composed)
   */
  constructor(type: string, init: CloseEventInit = {}) {
    if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
    super(type, init);
    this.#wasClean = Boolean(init.wasClean);
    // WebIDL `unsigned short`: modulo 2^16, as browsers do.
    this.#code = (Number(init.code ?? 0) >>> 0) & 0xffff;
    this.#reason = init.reason === undefined ? '' : String(init.reason);
  }
  /** True when the closing handshake completed (both CLOSE frames exchanged). */
  get wasClean(): boolean {
    return this.#wasClean;
  }
  /** The close code: the peer's, 1005 if its CLOSE had none, 1006 if none was exchanged. */
  get code(): number {
    return this.#code;
  }
  /** The peer's close reason, '' if none. */
  get reason(): string {
    return this.#reason;
  }
}
Object.defineProperty(CloseEvent.prototype, Symbol.toStringTag, {
  value: 'CloseEvent',
  configurable: true,
});

/** Init dictionary of {@link ErrorEvent}. */
export interface ErrorEventInit<E = unknown> extends EventInitLike {
  message?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  error?: E;
}

/**
 * The `error` event. The WebSocket standard fires a plain `Event`; curlws fires this subclass so
 * the cause is available as `event.error` (a `CurlWsError`) and `event.message`. `E` is the type
 * of `error`: `WebSocket.onerror` gets an `ErrorEvent<WebSocketErrorCause>`, so
 * `e.error?.code` typechecks.
 */
export class ErrorEvent<E = unknown> extends Event {
  readonly #init: { message: string; filename: string; lineno: number; colno: number; error: E | undefined };

  /**
   * @param type - the event type, usually `'error'`
   * @param init - `message`, `error` (and `filename`/`lineno`/`colno`, unused by curlws)
   */
  constructor(type: string, init: ErrorEventInit<E> = {}) {
    if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
    super(type, init);
    this.#init = {
      message: init.message === undefined ? '' : String(init.message),
      filename: init.filename === undefined ? '' : String(init.filename),
      lineno: Number(init.lineno ?? 0) >>> 0,
      colno: Number(init.colno ?? 0) >>> 0,
      error: init.error,
    };
  }
  get message(): string {
    return this.#init.message;
  }
  get filename(): string {
    return this.#init.filename;
  }
  get lineno(): number {
    return this.#init.lineno;
  }
  get colno(): number {
    return this.#init.colno;
  }
  /** The `CurlWsError` that failed the connection. */
  get error(): E | undefined {
    return this.#init.error;
  }
}
Object.defineProperty(ErrorEvent.prototype, Symbol.toStringTag, {
  value: 'ErrorEvent',
  configurable: true,
});

/**
 * Every error curlws creates. `code` strings are public API and follow semver; each one is listed
 * in docs/api.md#error-codes. Native code never builds these itself: it reports a plain
 * {@link NativeErrorInfo} and {@link errorFromNative} picks the class, so the mapping lives in
 * one place.
 */
import { curlCodeName } from './curl-codes';
// contract.ts holds types only: errors load without the addon (native.ts loads it when evaluated).
import type { NativeErrorInfo } from './contract';

/** Options accepted by every curlws error constructor. */
export interface CurlWsErrorOptions {
  /** The underlying error or value, exposed as `error.cause`. */
  cause?: unknown;
}

/** Base class of every error curlws reports; `code` tells the cases apart. */
export class CurlWsError extends Error {
  /** Stable identifier such as `'CURLE_COULDNT_CONNECT'` or `'WS_ERR_PROTOCOL'`. */
  readonly code: string;

  /**
   * @param message - human-readable description
   * @param code - stable identifier, see docs/api.md#error-codes
   * @param options - `{ cause }` is passed through to `Error`
   */
  constructor(message: string, code: string, options?: CurlWsErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
// `name` lives on the prototype (not as an own property) so it does not show up in
// `Object.keys(err)` or JSON output, matching Node's own errors.
setName(CurlWsError, 'CurlWsError');

/** A libcurl call failed; `code` is the `CURLE_*` name of {@link CurlError.curlCode}. */
export class CurlError extends CurlWsError {
  /** The numeric `CURLcode`. */
  readonly curlCode: number;
  /** HTTP status of a proxy that refused the tunnel (e.g. 407), when that is what failed. */
  proxyStatus: number | undefined;

  /**
   * @param curlCode - the numeric `CURLcode`; the name comes from the table generated from the
   *   pinned `curl/curl.h` (`CURLE_UNKNOWN_<n>` if the value is not in it)
   * @param message - usually `curl_easy_strerror` plus the `CURLOPT_ERRORBUFFER` text
   */
  constructor(curlCode: number, message: string, options?: CurlWsErrorOptions) {
    super(message, curlCodeName(curlCode), options);
    this.curlCode = curlCode;
    this.proxyStatus = undefined;
  }
}
setName(CurlError, 'CurlError');

/** Codes of {@link HandshakeError}. */
export type HandshakeErrorCode =
  | 'WS_ERR_UNEXPECTED_RESPONSE'
  | 'WS_ERR_INVALID_ACCEPT'
  | 'WS_ERR_INVALID_UPGRADE'
  | 'WS_ERR_UNEXPECTED_PROTOCOL'
  | 'WS_ERR_UNEXPECTED_EXTENSION'
  | 'WS_ERR_HANDSHAKE_TIMEOUT'
  | 'WS_ERR_TOO_MANY_REDIRECTS'
  | 'WS_ERR_INVALID_REDIRECT';

/** Extra data of a {@link HandshakeError}. */
export interface HandshakeErrorOptions extends CurlWsErrorOptions {
  /** HTTP status of the response (set for `WS_ERR_UNEXPECTED_RESPONSE` and the redirect codes). */
  status?: number;
  /** Response headers as `[name, value]` pairs in arrival order. */
  headers?: Iterable<[string, string]>;
}

/** The opening handshake failed: the server did not upgrade the connection correctly. */
export class HandshakeError extends CurlWsError {
  declare readonly code: HandshakeErrorCode;
  /** HTTP status of the response; set for `WS_ERR_UNEXPECTED_RESPONSE` and the redirect codes, else `undefined`. */
  readonly status: number | undefined;
  /**
   * Response headers with lower-cased names; repeated headers are joined with `', '`.
   * Set when the response was received, else `undefined`.
   */
  readonly headers: Record<string, string> | undefined;

  /**
   * @param code - which check failed
   * @param message - human-readable description
   * @param options - `status` and `headers` of the response, and `cause`
   */
  constructor(code: HandshakeErrorCode, message: string, options?: HandshakeErrorOptions) {
    super(message, code, options);
    this.status = options?.status;
    this.headers = options?.headers === undefined ? undefined : headerRecord(options.headers);
  }
}
setName(HandshakeError, 'HandshakeError');

/** Codes of {@link WebSocketProtocolError}. */
export type WebSocketProtocolErrorCode =
  | 'WS_ERR_PROTOCOL'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_MESSAGE_TOO_BIG'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_PONG_TIMEOUT'
  | 'WS_ERR_OUT_OF_MEMORY';

/**
 * The connection failed after the handshake because the peer broke RFC 6455 or a limit was hit.
 * `closeCode` is the status curlws sent (or would have sent) to the peer.
 */
export class WebSocketProtocolError extends CurlWsError {
  declare readonly code: WebSocketProtocolErrorCode;
  /** Close status per RFC 6455 §7.4: 1002 protocol, 1007 invalid UTF-8, 1009 too big, 1011 out of memory, 1006 … */
  readonly closeCode: number;

  /**
   * @param code - what went wrong
   * @param message - human-readable description
   * @param closeCode - the close status sent to the peer
   */
  constructor(code: WebSocketProtocolErrorCode, message: string, closeCode: number, options?: CurlWsErrorOptions) {
    super(message, code, options);
    this.closeCode = closeCode;
  }
}
setName(WebSocketProtocolError, 'WebSocketProtocolError');

/** Codes of {@link InvalidStateError}. */
export type InvalidStateErrorCode = 'ERR_WS_NOT_OPEN' | 'ERR_WS_CLOSED' | 'ERR_WS_ITERATOR_ACTIVE';

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** An operation was attempted in a state that does not allow it (e.g. `send()` before open). */
export class InvalidStateError extends CurlWsError {
  declare readonly code: InvalidStateErrorCode;

  /**
   * @param code - `ERR_WS_NOT_OPEN` (not open yet), `ERR_WS_CLOSED` (closing or closed) or
   *   `ERR_WS_ITERATOR_ACTIVE` (a second async iterator)
   * @param message - human-readable description; see {@link InvalidStateError.notOpen}
   */
  constructor(code: InvalidStateErrorCode, message: string, options?: CurlWsErrorOptions) {
    super(message, code, options);
  }

  /**
   * The standard "not open" error.
   * @param readyState - the WHATWG readyState (0–3)
   * @returns an `ERR_WS_NOT_OPEN` error, message e.g.
   *   `WebSocket is not open: readyState 0 (CONNECTING)`
   */
  static notOpen(readyState: number): InvalidStateError {
    const label = READY_STATE_NAMES[readyState] ?? 'UNKNOWN';
    return new InvalidStateError('ERR_WS_NOT_OPEN', `WebSocket is not open: readyState ${readyState} (${label})`);
  }
}
setName(InvalidStateError, 'InvalidStateError');

/** The operation was aborted through an `AbortSignal`; `cause` is `signal.reason`. */
export class AbortError extends CurlWsError {
  declare readonly code: 'ABORT_ERR';

  /**
   * @param reason - the signal's `reason`, kept as `cause`
   * @param message - defaults to Node's wording
   */
  constructor(reason?: unknown, message = 'The operation was aborted') {
    super(message, 'ABORT_ERR', { cause: reason });
  }
}
// Same name as Node's and the DOM's AbortError, so `err.name === 'AbortError'` checks keep working.
setName(AbortError, 'AbortError');

/** Codes of {@link ReconnectError}. */
export type ReconnectErrorCode = 'ERR_WS_RECONNECT_GAVE_UP' | 'ERR_WS_QUEUE_FULL';

/**
 * A `ReconnectingWebSocket` could not deliver: it gave up reconnecting (`cause` is the failure
 * that ended it) or its outgoing queue was full while disconnected.
 */
export class ReconnectError extends CurlWsError {
  declare readonly code: ReconnectErrorCode;

  /**
   * @param code - `ERR_WS_RECONNECT_GAVE_UP` or `ERR_WS_QUEUE_FULL`
   * @param message - human-readable description
   */
  constructor(code: ReconnectErrorCode, message: string, options?: CurlWsErrorOptions) {
    super(message, code, options);
  }
}
setName(ReconnectError, 'ReconnectError');

const HANDSHAKE_CODES: ReadonlySet<string> = new Set<HandshakeErrorCode>([
  'WS_ERR_UNEXPECTED_RESPONSE',
  'WS_ERR_INVALID_ACCEPT',
  'WS_ERR_INVALID_UPGRADE',
  'WS_ERR_UNEXPECTED_PROTOCOL',
  'WS_ERR_UNEXPECTED_EXTENSION',
  'WS_ERR_TOO_MANY_REDIRECTS',
  'WS_ERR_INVALID_REDIRECT',
  'WS_ERR_HANDSHAKE_TIMEOUT',
]);

/**
 * Build the right error class from what the native engine reports.
 *
 * - a numeric `curlCode` with `code` `''` or `CURLE_*` → {@link CurlError}
 * - handshake codes (`WS_ERR_UNEXPECTED_*`, `WS_ERR_INVALID_ACCEPT`, `WS_ERR_INVALID_UPGRADE`,
 *   `WS_ERR_HANDSHAKE_TIMEOUT`, the redirect codes) → {@link HandshakeError}
 * - any other `WS_ERR_*` → {@link WebSocketProtocolError}, `closeCode` defaulting to 1006
 * - anything else → {@link CurlWsError} with the code as given (`ERR_CURLWS_INTERNAL` if empty)
 *
 * @param info - the plain object from the engine
 */
export function errorFromNative(info: NativeErrorInfo): CurlWsError {
  const { code } = info;
  const message = withHint(info);
  if (typeof info.curlCode === 'number' && (code === '' || code.startsWith('CURLE'))) {
    const error = new CurlError(info.curlCode, message);
    error.proxyStatus = info.proxyStatus;
    return error;
  }
  // WS_ERR_UNEXPECTED_* is matched by prefix so a new handshake code from C++ still classifies.
  if (HANDSHAKE_CODES.has(code) || code.startsWith('WS_ERR_UNEXPECTED_')) {
    // The cast is safe by the check above; the union documents the known members only.
    return new HandshakeError(code as HandshakeErrorCode, message, {
      status: info.status,
      headers: info.headers,
    });
  }
  if (code.startsWith('WS_ERR_')) {
    return new WebSocketProtocolError(code as WebSocketProtocolErrorCode, message, info.closeCode ?? 1006);
  }
  return new CurlWsError(message, code || 'ERR_CURLWS_INTERNAL');
}

/** Separates a message from the hint saying what to do (the CLI replaces the hint with its flags). */
export const HINT_SEPARATOR = ' — ';

const CURLE_PEER_FAILED_VERIFICATION = 60;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The engine's message, plus what to do where the failure has a usual remedy. */
function withHint(info: NativeErrorInfo): string {
  if (info.curlCode === CURLE_PEER_FAILED_VERIFICATION) {
    return `${info.message}${HINT_SEPARATOR}to trust this server, pass its CA certificate as tls.ca (the PEM contents: fs.readFileSync('ca.pem')); tls.rejectUnauthorized: false skips verification (for tests only)`;
  }
  if (info.code === 'WS_ERR_UNEXPECTED_RESPONSE' && info.status !== undefined && REDIRECTS.has(info.status)) {
    const location = info.headers?.find(([name]) => name.toLowerCase() === 'location')?.[1]?.slice(0, 512);
    if (location !== undefined) {
      return `${info.message}${HINT_SEPARATOR}the server redirects to ${location}; set followRedirects: true to follow it`;
    }
  }
  return info.message;
}

/** Lower-case names; join repeats with ', ' (RFC 9110 §5.3, as Node's `IncomingMessage`). */
function headerRecord(pairs: Iterable<[string, string]>): Record<string, string> {
  // Null prototype: header names such as "__proto__" from a hostile server must stay plain data.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

function setName(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', {
    value: name,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

// ---- Argument errors ------------------------------------------------------------------------
// Node-style TypeError/RangeError with a `code`, all using one message template (sharp's):
//   Expected <what> for <name> but received <value> of type <type>

/** A `TypeError` or `RangeError` carrying a Node-style `code`. */
export type ArgumentError<E extends Error = TypeError> = E & { readonly code: string };

/**
 * Attach a Node-style `code` to a new `TypeError`/`RangeError`. Use the helpers below when the
 * standard template fits; this is for the few messages that need their own wording.
 * @param Ctor - `TypeError` or `RangeError`
 * @param code - e.g. `'ERR_INVALID_ARG_VALUE'`
 * @param message - the full message
 */
export function codedError<E extends Error>(Ctor: new (message: string) => E, code: string, message: string): ArgumentError<E> {
  const err = new Ctor(message);
  // Node puts the code in the stack's first line too ("TypeError [ERR_X]: ..."); so do we.
  Object.defineProperty(err, 'code', {
    value: code,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  if (err.stack) err.stack = err.stack.replace(err.name, `${err.name} [${code}]`);
  return err as ArgumentError<E>;
}

/**
 * Describe a value for an error message: strings quoted and cut at 30 characters, objects by
 * constructor name, always followed by `of type <typeof>`.
 * @param value - anything
 * @returns e.g. `"abc" of type string`, `Map of type object`, `null of type object`
 */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') {
    shown = JSON.stringify(value.length > 30 ? `${value.slice(0, 27)}...` : value);
  } else if (typeof value === 'function') {
    shown = value.name ? `function ${value.name}` : 'function';
  } else if (typeof value === 'object' && value !== null) {
    const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    shown = Array.isArray(value) ? `Array(${value.length})` : typeof ctor === 'string' && ctor !== '' ? ctor : '[Object: null prototype]';
  } else if (typeof value === 'bigint') {
    shown = `${value}n`;
  } else {
    shown = String(value);
  }
  return `${shown} of type ${value === null ? 'object' : typeof value}`;
}

function template(what: string, name: string, value: unknown): string {
  return `Expected ${what} for ${name} but received ${describeValue(value)}`;
}

/**
 * `TypeError` with code `ERR_INVALID_ARG_TYPE`.
 * @param name - the argument or option, e.g. `'options.maxPayload'`
 * @param expected - what was expected, e.g. `'an integer'`
 * @param value - what was received
 */
export function invalidArgType(name: string, expected: string, value: unknown): ArgumentError {
  return codedError(TypeError, 'ERR_INVALID_ARG_TYPE', template(expected, name, value));
}

/**
 * `TypeError` with code `ERR_INVALID_ARG_VALUE`: the type is right, the value is not.
 * @param name - the argument or option
 * @param value - what was received
 * @param reason - what was expected, e.g. `'a valid subprotocol token'`
 */
export function invalidArgValue(name: string, value: unknown, reason: string): ArgumentError {
  return codedError(TypeError, 'ERR_INVALID_ARG_VALUE', template(reason, name, value));
}

/**
 * `RangeError` with code `ERR_OUT_OF_RANGE`.
 * @param name - the argument or option
 * @param range - the accepted range, e.g. `'an integer from 0 to 2147483647'`
 * @param value - what was received
 */
export function outOfRange(name: string, range: string, value: unknown): ArgumentError<RangeError> {
  return codedError(RangeError, 'ERR_OUT_OF_RANGE', template(range, name, value));
}

/**
 * `TypeError` with code `ERR_INVALID_URL` and the offending `input`, as Node's `new URL()` throws.
 * @param input - the URL as given
 * @param reason - the message, e.g. `'The URL contains a fragment identifier'`
 */
export function invalidUrl(input: unknown, reason: string): ArgumentError & { readonly input: string } {
  const err = codedError(TypeError, 'ERR_INVALID_URL', reason);
  return Object.assign(err, { input: String(input) });
}

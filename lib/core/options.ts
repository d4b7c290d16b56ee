/**
 * `connect()` options: defaults, validation and normalisation into the flat shape the native
 * engine takes. Everything is checked here, before any native call, so errors name the option
 * and the engine only re-checks types cheaply.
 */
import { validatePerMessageDeflate } from './deflate-options';
import type { PerMessageDeflateOptions } from './deflate-options';
import type { SessionInit } from './contract';
import { invalidArgType, invalidArgValue, invalidUrl, outOfRange } from './errors';
import { NESTED_KEYS, NETWORK_KEYS, normalizeNetwork } from './network-options';
import type { CurlOptionLookup, NetworkOptions } from './network-options';
import { TOKEN, headerLine } from './request-values';
import { checkKeys, integer, isObject } from './validate';
import { parseWebSocketUrl } from './websocket-url';

export { defaultCaBundle } from './ca-bundle';

/** Options of `connect()`. */
export interface ConnectOptions extends NetworkOptions {
  /**
   * Subprotocols to offer, most preferred first (`Sec-WebSocket-Protocol`). Each must be an
   * RFC 7230 token and appear once.
   * @defaultValue `[]`
   */
  protocols?: string | string[];
  /**
   * Extra request headers. An array value sends the header once per element. The handshake
   * headers curlws sets itself (`Upgrade`, `Connection`, `Sec-WebSocket-*`) are rejected. A
   * `Host` header replaces the one from the URL (dropped on a redirect to another host).
   * @defaultValue `{}`
   */
  headers?: Record<string, string | string[]> | Iterable<[string, string]>;
  /**
   * Milliseconds allowed for connect + TLS + the HTTP upgrade; 0 means no limit.
   * @defaultValue `30_000`
   */
  handshakeTimeout?: number;
  /**
   * Largest message accepted, in bytes; a bigger one fails the connection with 1009.
   * 0 means no limit.
   * @defaultValue `104_857_600` (100 MiB)
   */
  maxPayload?: number;
  /**
   * Milliseconds to wait for the peer's CLOSE after ours (after `close()`, or after curlws failed
   * the connection for a protocol error) before dropping the connection with 1006.
   * 0 means no limit.
   * @defaultValue `30_000`
   */
  closeTimeout?: number;
  /**
   * Answer every PING with a PONG carrying the same payload (RFC 6455 §5.5.2). With `false`,
   * PINGs are only reported (`'ping'` event) and the application answers with `pong()`.
   * @defaultValue `true`
   */
  autoPong?: boolean;
  /**
   * How text messages reach `'message'` and the async iterator: `'string'` (decoded), or
   * `'bytes'`: a `Buffer` of their UTF-8 bytes, with `isBinary` `false`. Invalid UTF-8 fails the
   * connection with 1007 (`WS_ERR_INVALID_UTF8`) either way; `'bytes'` skips the decoding for
   * code that wants bytes anyway (a parser reading Buffers, a byte stream).
   * @defaultValue `'string'`
   */
  textAs?: 'string' | 'bytes';
  /**
   * Send a PING every `pingInterval` ms while open; if no PONG comes back within `pongTimeout`
   * ms, the connection is dropped with an `'error'` (`WS_ERR_PONG_TIMEOUT`) and `'close'` 1006.
   * 0 turns the heartbeat off.
   * @defaultValue `0`
   */
  pingInterval?: number;
  /**
   * Milliseconds to wait for the PONG of a heartbeat PING.
   * @defaultValue `pingInterval`
   */
  pongTimeout?: number;
  /**
   * Aborts the handshake (rejecting with an `AbortError`) or, once open, closes the connection.
   * @defaultValue `undefined`
   */
  signal?: AbortSignal;
  /**
   * Send side: bytes of `send()` payloads queued and not yet handed to the kernel
   * (`bufferedAmount`) at or above which `connection.writable` is `false` and
   * `connection.writableNeedDrain` is `true` until `'drain'` (Node's `Writable` rule). Advisory:
   * `send()` still queues; the application decides to wait.
   * @defaultValue `1_048_576` (1 MiB)
   */
  highWaterMark?: number;
  /**
   * Receive side: messages the async iterator may hold unread before curlws stops reading from
   * the socket (TCP then slows the peer); reading resumes when half of them are consumed.
   * @defaultValue `1024`
   */
  receiveHighWaterMark?: number;
  /**
   * Offer permessage-deflate (RFC 7692): `true` with ws's defaults, or its settings. The server
   * decides; `connection.extensions` says what was agreed. `maxPayload` limits the inflated size.
   * @defaultValue `false` (the `curlws/ws` and WHATWG `WebSocket` wrappers default to `true`)
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/**
 * Validated options, flat, with defaults applied. The fields the native `Session` receives are
 * {@link SessionInit}'s (contract.ts says what each means); the others stay on the JS side.
 */
export interface NormalizedOptions
  extends Pick<
    SessionInit,
    | 'url'
    | 'protocols'
    | 'headers'
    | 'handshakeTimeout'
    | 'maxPayload'
    | 'closeTimeout'
    | 'autoPong'
    | 'perMessageDeflate'
    | 'curlOptions'
    | 'verbose'
    | 'privateDns'
    | 'textAs'
  > {
  signal: AbortSignal | undefined;
  /** heartbeat: ms between PINGs (0 = off) and ms to wait for each PONG */
  pingInterval: number;
  pongTimeout: number;
  /** send-side high-water mark in bytes (advisory, see ConnectOptions.highWaterMark) */
  highWaterMark: number;
  /** messages the async iterator holds before reading pauses (≥ 1) */
  receiveHighWaterMark: number;
  /** The trusted CA roots in PEM (handed to libcurl as a cached file, else as a blob). */
  caBundle: Buffer;
  /** See {@link SessionInit.keylog}; always present here. */
  keylog: string | undefined;
  /** The URL as the user gave it (normalized); `url` differs only for `tls.servername`. */
  publicUrl: string;
  /** The `Host` line `tls.servername` added to `headers` (dropped on redirect). */
  servernameHost: string | undefined;
  trace: ((line: string) => void) | undefined;
  followRedirects: boolean;
  maxRedirects: number;
  /** the CONNECT_TO entry implementing `tls.servername`, dropped on redirect */
  servernameRoute: string | undefined;
}

/** Defaults of `connect()`'s numeric options. */
export const DEFAULTS = {
  handshakeTimeout: 30_000,
  maxPayload: 104_857_600,
  closeTimeout: 30_000,
  highWaterMark: 1_048_576,
  receiveHighWaterMark: 1024,
} as const;

/** Every key `connect()` accepts (other option sets, like ReconnectingWebSocket's, extend it). */
export const OPTION_KEYS = [
  'protocols',
  'headers',
  'handshakeTimeout',
  'maxPayload',
  'closeTimeout',
  'signal',
  'autoPong',
  'textAs',
  'pingInterval',
  'pongTimeout',
  'highWaterMark',
  'receiveHighWaterMark',
  'perMessageDeflate',
  ...NETWORK_KEYS,
] as const satisfies readonly (keyof ConnectOptions)[];

// libcurl's and setTimeout's timers are 32-bit signed milliseconds.
const MAX_TIMEOUT = 2_147_483_647;

/** Headers the handshake needs curlws (or libcurl) to control. */
const RESERVED_HEADERS = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-accept',
  'upgrade',
  'connection',
]);

/**
 * Top-level keys that belong in a nested option, as Node's `tls.connect()` and ws take them
 * (`rejectUnauthorized` → `tls.rejectUnauthorized`), for the did-you-mean of unknown keys.
 */
export const MOVED_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  (['tls', 'auth'] as const).flatMap((parent) => NESTED_KEYS[parent].map((k): [string, string] => [k, `${parent}.${k}`])),
);

/**
 * Parse and check a WebSocket URL.
 * @param input - a string or `URL`; `http:`/`https:` are mapped to `ws:`/`wss:`
 * @returns a new `URL` (the input `URL` is not modified)
 * @throws TypeError `ERR_INVALID_ARG_TYPE` if not a string or URL
 * @throws TypeError `ERR_INVALID_URL` if unparsable, of another scheme, or with a fragment
 */
export function normalizeUrl(input: unknown): URL {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw invalidArgType('url', 'a string or URL', input);
  }
  return parseWebSocketUrl(input, {
    unparsable: () => invalidUrl(input, `Invalid URL: ${String(input)}`),
    wrongScheme: (url) =>
      invalidUrl(input, 'The URL\'s protocol must be one of "ws:", "wss:", "http:", or "https:" ' + `(received "${url.protocol}")`),
    fragment: () => invalidUrl(input, 'The URL contains a fragment identifier'),
  });
}

/**
 * Validate `connect(url, options)` and apply defaults.
 * @param url - see {@link normalizeUrl}
 * @param options - {@link ConnectOptions} or `undefined`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` / `ERR_INVALID_URL`,
 *   RangeError `ERR_OUT_OF_RANGE`; messages name the option
 */
export function validateConnectOptions(url: unknown, options: unknown, lookup?: CurlOptionLookup): NormalizedOptions {
  const parsed = normalizeUrl(url);
  if (options === undefined) options = {};
  if (!isObject(options)) throw invalidArgType('options', 'an object', options);
  checkKeys('options', options, OPTION_KEYS, MOVED_KEYS);
  const o = options as ConnectOptions;
  const num = (key: keyof typeof DEFAULTS, max: number): number => integer(`options.${key}`, o[key], DEFAULTS[key], max);
  const net = normalizeNetwork(o, parsed, lookup);
  const headers = validateHeaders(o.headers);
  // The caller's Host wins over the one tls.servername needs (two would make a bad request).
  const servernameHost = headers.some((l) => /^host\s*[:;]/i.test(l)) ? undefined : net.servernameHost;
  return {
    url: net.url,
    publicUrl: parsed.href,
    servernameHost,
    protocols: validateProtocols(o.protocols),
    headers: [...headers, ...net.headers, ...(servernameHost === undefined ? [] : [servernameHost])],
    handshakeTimeout: num('handshakeTimeout', MAX_TIMEOUT),
    maxPayload: num('maxPayload', Number.MAX_SAFE_INTEGER),
    closeTimeout: num('closeTimeout', MAX_TIMEOUT),
    signal: validateSignal(o.signal),
    autoPong: validateBoolean('options.autoPong', o.autoPong, true),
    textAs: validateTextAs(o.textAs),
    pingInterval: integer('options.pingInterval', o.pingInterval, 0, MAX_TIMEOUT),
    pongTimeout: integer(
      'options.pongTimeout',
      o.pongTimeout,
      integer('options.pingInterval', o.pingInterval, 0, MAX_TIMEOUT),
      MAX_TIMEOUT,
    ),
    highWaterMark: atLeastOne('highWaterMark', num('highWaterMark', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER),
    receiveHighWaterMark: atLeastOne(
      'receiveHighWaterMark',
      integer('options.receiveHighWaterMark', o.receiveHighWaterMark, DEFAULTS.receiveHighWaterMark, 2 ** 30),
      2 ** 30,
    ),
    perMessageDeflate: validatePerMessageDeflate(o.perMessageDeflate, false),
    caBundle: net.caBundle,
    keylog: net.keylog,
    curlOptions: net.curlOptions,
    verbose: net.verbose,
    trace: net.trace,
    followRedirects: net.followRedirects,
    maxRedirects: net.maxRedirects,
    privateDns: net.curlOptions.some(([name]) => name === 'CURLOPT_RESOLVE'),
    servernameRoute: net.servernameRoute,
  };
}

function validateProtocols(value: unknown): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) {
    throw invalidArgType('options.protocols', 'a string or an array of strings', value);
  }
  const seen = new Set<string>();
  list.forEach((p: unknown, i) => {
    const name = `options.protocols[${i}]`;
    if (typeof p !== 'string') throw invalidArgType(name, 'a string', p);
    if (!TOKEN.test(p)) throw invalidArgValue(name, p, 'a non-empty RFC 7230 token');
    if (seen.has(p)) throw invalidArgValue(name, p, 'a subprotocol not already listed');
    seen.add(p);
  });
  return [...seen];
}

function validateHeaders(value: unknown): string[] {
  if (value === undefined) return [];
  const lines: string[] = [];
  let hosts = 0;
  const add = (name: unknown, val: unknown, where: string): void => {
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    if (lower === 'sec-websocket-protocol') {
      const what = 'no Sec-WebSocket-Protocol header (use the protocols option)';
      throw invalidArgValue(where, name, what);
    }
    if (RESERVED_HEADERS.has(lower)) {
      throw invalidArgValue(where, name, `a header other than "${name}" (curlws sets it)`);
    }
    for (const v of Array.isArray(val) ? (val as unknown[]) : [val]) {
      lines.push(headerLine(where, name, v, 'a string or an array of strings'));
      // Two Host headers make a request servers must refuse (RFC 9112 §3.2).
      if (lower === 'host' && ++hosts > 1) throw invalidArgValue(where, v, 'a single Host header');
    }
  };
  // Iterables first: a Map or a WHATWG Headers is an object too, but its entries are not own keys.
  if (typeof value === 'object' && value !== null && Symbol.iterator in value) {
    let i = 0;
    for (const entry of value as Iterable<unknown>) {
      const where = `options.headers[${i++}]`;
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw invalidArgType(where, 'a [name, value] pair', entry);
      }
      const [name, val] = entry as unknown[];
      if (typeof val !== 'string') throw invalidArgType(where, 'a string header value', val);
      add(name, val, where);
    }
  } else if (isObject(value)) {
    for (const [name, val] of Object.entries(value)) {
      add(name, val, `options.headers[${JSON.stringify(name)}]`);
    }
  } else {
    const what = 'an object or an iterable of [name, value] pairs';
    throw invalidArgType('options.headers', what, value);
  }
  return lines;
}

/**
 * High-water marks must be ≥ 1: at 0, `writable` would never be true and `'drain'` never come,
 * and the iterator would pause reading before it could queue its first message.
 */
function atLeastOne(key: string, n: number, max: number): number {
  if (n === 0) throw outOfRange(`options.${key}`, `an integer from 1 to ${max}`, n);
  return n;
}

function validateBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'a boolean', value);
  return value;
}

function validateTextAs(value: unknown): 'string' | 'bytes' {
  if (value === undefined) return 'string';
  if (value === 'string' || value === 'bytes') return value;
  throw invalidArgValue('options.textAs', value, "'string' or 'bytes'");
}

function validateSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw invalidArgType('options.signal', 'an AbortSignal', value);
}

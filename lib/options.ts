/**
 * `connect()` options: defaults, validation and normalisation into the flat shape the native
 * engine takes. Everything is checked here, before any native call, so errors name the option
 * and the engine only re-checks types cheaply.
 */
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { codedError, invalidArgType, invalidArgValue, invalidUrl, outOfRange } from './errors';

/** Options of `connect()`. */
export interface ConnectOptions {
  /**
   * Subprotocols to offer, most preferred first (`Sec-WebSocket-Protocol`). Each must be an
   * RFC 7230 token and appear once.
   * @defaultValue `[]`
   */
  protocols?: string | string[];
  /**
   * Extra request headers. An array value sends the header once per element. The handshake
   * headers curlws sets itself (`Host`, `Upgrade`, `Connection`, `Sec-WebSocket-*`) are rejected.
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
   * Aborts the handshake (rejecting with an `AbortError`) or, once open, closes the connection.
   * @defaultValue `undefined`
   */
  signal?: AbortSignal;
  /**
   * TLS settings for `wss:`.
   * @defaultValue `{}`
   */
  tls?: {
    /**
     * Trusted CA certificates in PEM. Replaces the default roots (Node's `tls.rootCertificates`
     * plus `NODE_EXTRA_CA_CERTS`), as `tls.connect({ ca })` does.
     * @defaultValue Node's roots
     */
    ca?: string | Buffer | Array<string | Buffer>;
  };
}

/** Validated options, flat, with defaults applied; what the native `Session` receives. */
export interface NormalizedOptions {
  /** Serialized `ws:`/`wss:` URL. */
  url: string;
  protocols: string[];
  /**
   * Request header lines for `CURLOPT_HTTPHEADER`: `"Name: value"`, or `"Name;"` for an empty
   * value (libcurl reads `"Name:"` as "remove this header", not "send it empty").
   */
  headers: string[];
  handshakeTimeout: number;
  maxPayload: number;
  closeTimeout: number;
  signal: AbortSignal | undefined;
  /** PEM bundle for `CURLOPT_CAINFO_BLOB`. */
  caBundle: Buffer;
}

const DEFAULTS = {
  handshakeTimeout: 30_000,
  maxPayload: 104_857_600,
  closeTimeout: 30_000,
} as const;

const OPTION_KEYS = [
  'protocols',
  'headers',
  'handshakeTimeout',
  'maxPayload',
  'closeTimeout',
  'signal',
  'tls',
] as const satisfies readonly (keyof ConnectOptions)[];
const TLS_KEYS = ['ca'] as const;

// libcurl's and setTimeout's timers are 32-bit signed milliseconds.
const MAX_TIMEOUT = 2_147_483_647;

/** RFC 7230 `token`: subprotocol and header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers the handshake needs curlws (or libcurl) to control. */
const RESERVED_HEADERS = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-accept',
  'upgrade',
  'connection',
  'host',
]);

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
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalidUrl(input, `Invalid URL: ${String(input)}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw invalidUrl(
      input,
      'The URL\'s protocol must be one of "ws:", "wss:", "http:", or "https:" ' +
        `(received "${url.protocol}")`,
    );
  }
  // `hash` is '' for a bare trailing '#', so look at the serialisation: it has a '#' only there.
  if (url.href.includes('#')) throw invalidUrl(input, 'The URL contains a fragment identifier');
  return url;
}

/**
 * Validate `connect(url, options)` and apply defaults.
 * @param url - see {@link normalizeUrl}
 * @param options - {@link ConnectOptions} or `undefined`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` / `ERR_INVALID_URL`,
 *   RangeError `ERR_OUT_OF_RANGE`; messages name the option
 */
export function validateConnectOptions(url: unknown, options: unknown): NormalizedOptions {
  const href = normalizeUrl(url).href;
  if (options === undefined) options = {};
  if (!isObject(options)) throw invalidArgType('options', 'an object', options);
  checkKeys('options', options, OPTION_KEYS);
  const o = options as ConnectOptions;
  const num = (key: keyof typeof DEFAULTS, max: number): number =>
    integer(`options.${key}`, o[key], DEFAULTS[key], max);
  return {
    url: href,
    protocols: validateProtocols(o.protocols),
    headers: validateHeaders(o.headers),
    handshakeTimeout: num('handshakeTimeout', MAX_TIMEOUT),
    maxPayload: num('maxPayload', Number.MAX_SAFE_INTEGER),
    closeTimeout: num('closeTimeout', MAX_TIMEOUT),
    signal: validateSignal(o.signal),
    caBundle: validateTls(o.tls),
  };
}

let cachedDefaultCa: Buffer | undefined;

/**
 * The CA bundle curlws trusts by default: Node's `tls.rootCertificates` plus the file named by
 * `NODE_EXTRA_CA_CERTS`, so `wss:` trusts exactly what `https.get` does. Computed once per
 * process (Node also reads that variable only at start-up). An unreadable file emits one warning
 * and is skipped, as Node does.
 */
export function defaultCaBundle(): Buffer {
  if (cachedDefaultCa) return cachedDefaultCa;
  const parts: Buffer[] = [Buffer.from(tls.rootCertificates.join('\n'))];
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      parts.push(Buffer.from('\n'), readFileSync(extra));
    } catch (err) {
      process.emitWarning(
        `Ignoring extra certs from \`${extra}\`, load failed: ${(err as Error).message}`,
        { code: 'CURLWS_EXTRA_CA_CERTS' },
      );
    }
  }
  cachedDefaultCa = Buffer.concat(parts);
  return cachedDefaultCa;
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
  const add = (name: unknown, val: unknown, where: string): void => {
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw invalidArgValue(where, name, 'a header name that is an RFC 7230 token');
    }
    const lower = name.toLowerCase();
    if (lower === 'sec-websocket-protocol') {
      const what = 'no Sec-WebSocket-Protocol header (use the protocols option)';
      throw invalidArgValue(where, name, what);
    }
    if (RESERVED_HEADERS.has(lower)) {
      throw invalidArgValue(where, name, `a header other than "${name}" (curlws sets it)`);
    }
    for (const v of Array.isArray(val) ? (val as unknown[]) : [val]) {
      if (typeof v !== 'string') {
        throw invalidArgType(where, 'a string or an array of strings', val);
      }
      // CR/LF would let a value inject headers; NUL truncates the line in libcurl's C strings.
      if (/[\r\n\0]/.test(v)) {
        throw invalidArgValue(where, v, 'a header value without CR, LF or NUL');
      }
      lines.push(v === '' ? `${name};` : `${name}: ${v}`);
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

function integer(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw invalidArgType(name, 'an integer', value);
  }
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw outOfRange(name, `an integer from 0 to ${max}`, value);
  }
  return value;
}

function validateSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw invalidArgType('options.signal', 'an AbortSignal', value);
}

function validateTls(value: unknown): Buffer {
  if (value === undefined) return defaultCaBundle();
  if (!isObject(value)) throw invalidArgType('options.tls', 'an object', value);
  checkKeys('options.tls', value, TLS_KEYS);
  const ca = (value as { ca?: unknown }).ca;
  if (ca === undefined) return defaultCaBundle();
  const list: unknown[] = Array.isArray(ca) ? ca : [ca];
  // An empty list would trust nothing and fail every wss: handshake with a confusing TLS error.
  if (list.length === 0) {
    throw invalidArgValue('options.tls.ca', ca, 'at least one PEM certificate');
  }
  const parts = list.map((pem, i) => {
    const name = Array.isArray(ca) ? `options.tls.ca[${i}]` : 'options.tls.ca';
    if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) {
      throw invalidArgType(name, 'a PEM string or Buffer', pem);
    }
    const buf = typeof pem === 'string' ? Buffer.from(pem) : pem;
    // libcurl's CAINFO_BLOB takes PEM only; a DER buffer would fail later as "bad CA file".
    if (!buf.includes('-----BEGIN ')) {
      throw invalidArgValue(name, pem, 'a PEM certificate ("-----BEGIN CERTIFICATE-----")');
    }
    return buf;
  });
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('\n'), p])));
}

/** Reject unknown keys, suggesting the closest known one (typos are the usual cause). */
function checkKeys(where: string, obj: object, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    // Report paths without the "options." prefix: `Unknown option "tls.cA"; did you mean "tls.ca"?`
    const prefix = where === 'options' ? '' : `${where.slice('options.'.length)}.`;
    const hint = suggest(key, known);
    const message =
      `Unknown option "${prefix}${key}"` + (hint ? `; did you mean "${prefix}${hint}"?` : '');
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', message);
  }
}

/** The known key equal ignoring case, else the nearest within edit distance 2. */
function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = levenshtein(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, substitution);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A non-null, non-array object (class instances allowed, as `ws` allows them). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The options users pick libcurl for — TLS, proxies, where to connect, handshake credentials,
 * redirects, tracing, and the `curl: { CURLOPT_…: value }` escape hatch — validated here and
 * turned into `[CURLOPT name, value]` pairs that the engine applies by name (native
 * curl_options.cc). One mechanism for the modelled options and the escape hatch.
 */
import { invalidArgType, invalidArgValue } from './errors';
import { defaultCaBundle } from './ca-bundle';
import { curlOptionRule, curlOptionValue } from './curl-policy';
import type { CurlOptionLookup, CurlOptionValue } from './curl-policy';
import { cookiePair, headerLine, wireString } from './request-values';
import { checkKeys, integer, isObject } from './validate';

export type { CurlOptionLookup, CurlOptionValue };

/** TLS settings for `wss:` (and HTTPS proxies). Names follow Node's `tls.connect()`. */
export interface TlsOptions {
  /** Trusted CAs in PEM; replaces Node's roots (`tls.rootCertificates` + `NODE_EXTRA_CA_CERTS`). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain in PEM (`CURLOPT_SSLCERT_BLOB`). */
  cert?: string | Buffer;
  /** Client private key in PEM (`CURLOPT_SSLKEY_BLOB`). */
  key?: string | Buffer;
  /** Passphrase of `key` or `pfx` (`CURLOPT_KEYPASSWD`). */
  passphrase?: string;
  /** Client certificate and key as PKCS#12 (`CURLOPT_SSLCERTTYPE` "P12"). */
  pfx?: Buffer;
  /**
   * Verify the server certificate and host name.
   * @defaultValue `true`
   */
  rejectUnauthorized?: boolean;
  /** Host name for SNI and certificate verification, when it differs from the URL's host. */
  servername?: string;
  /** Lowest TLS version: `'TLSv1'`, `'TLSv1.1'`, `'TLSv1.2'` or `'TLSv1.3'`. */
  minVersion?: TlsVersion;
  /** Highest TLS version. */
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list; `TLS_*` names set the TLS 1.3 suites. */
  ciphers?: string;
  /** Public key pin(s), `sha256//<base64>` (`CURLOPT_PINNEDPUBLICKEY`). */
  pinnedPublicKey?: string | string[];
  /**
   * File to append this connection's TLS secrets to (NSS key log format, for Wireshark), like
   * Node's `--tls-keylog`. Off by default: libcurl's `SSLKEYLOGFILE` is never honoured.
   */
  keylog?: string;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Where a trace line came from, as in `curl -v`. */
export type VerboseOption =
  | boolean
  | ((line: string) => void)
  | {
      /** Receives each line; default: written to stderr. */
      output?: (line: string) => void;
      /** Also trace sizes of data sent and received. @defaultValue `false` */
      data?: boolean;
    };

/** The network options of `connect()`; see docs/api.md for each. */
export interface NetworkOptions {
  tls?: TlsOptions;
  /**
   * Proxy URL (`http:`, `https:`, `socks4:`, `socks4a:`, `socks5:`, `socks5h:`), with optional
   * credentials. `false` ignores the proxy environment variables. Default: libcurl reads
   * `ws_proxy`/`wss_proxy`, `http_proxy`/`https_proxy`, `all_proxy` and `no_proxy`, as curl does.
   */
  proxy?: string | URL | false;
  /** Proxy credentials (instead of putting them in the proxy URL). */
  proxyAuth?: { username: string; password: string };
  /** Headers sent to the proxy only (HTTP CONNECT). */
  proxyHeaders?: Record<string, string>;
  /** Hosts that bypass the proxy (`CURLOPT_NOPROXY`); `'*'` for all. */
  noProxy?: string | string[];
  /** Connect through this Unix domain socket (`CURLOPT_UNIX_SOCKET_PATH`). */
  unixSocket?: string;
  /** curl `--resolve` entries: `"host:port:addr[,addr…]"`. */
  resolve?: string[];
  /** curl `--connect-to` entries: `"host:port:connect-to-host:connect-to-port"`. */
  connectTo?: string[];
  /** Resolve names to IPv4 (4) or IPv6 (6) only. */
  family?: 4 | 6;
  /** Local address to bind to. */
  localAddress?: string;
  /** Network interface to bind to (`CURLOPT_INTERFACE` `if!name`). */
  interface?: string;
  /** Milliseconds for TCP connect + TLS handshake (`CURLOPT_CONNECTTIMEOUT_MS`); 0 = libcurl's default. */
  connectTimeout?: number;
  /** `Origin` request header. */
  origin?: string;
  /** HTTP authentication: `"user:password"` or `{ username, password }` (Basic), or `{ bearer }`. */
  auth?: string | { username: string; password: string } | { bearer: string };
  /** `Cookie` request header: a string, or name → value pairs. */
  cookies?: string | Record<string, string>;
  /** `User-Agent` request header. */
  userAgent?: string;
  /**
   * Follow 301/302/303/307/308 answers to the handshake (libcurl refuses any non-101, so curlws
   * starts a new handshake to `Location`). Credentials and cookies are dropped when the
   * redirect leaves the origin or goes from `wss:` to `ws:`.
   * @defaultValue `false`
   */
  followRedirects?: boolean;
  /** @defaultValue `10` */
  maxRedirects?: number;
  /** Stream libcurl's trace (`curl -v`): `true` writes to stderr, a function receives lines. */
  verbose?: VerboseOption;
  /**
   * Any other libcurl option by its `CURLOPT_*` name. Options the engine owns (URL,
   * CONNECT_ONLY, HTTPHEADER, callbacks, …) are refused with the reason (lib/core/curl-policy.ts).
   */
  curl?: Record<string, CurlOptionValue | bigint | Uint8Array>;
}

/** What the network options turn into. */
export interface NetworkSettings {
  /** The URL to give libcurl (differs from the user's only for `tls.servername`). */
  url: string;
  caBundle: Buffer;
  /** tls.keylog: where to append TLS secrets (undefined: nowhere). */
  keylog: string | undefined;
  curlOptions: [string, CurlOptionValue][];
  /** Extra request header lines (Origin). */
  headers: string[];
  /** The `Host` line that goes with `tls.servername` (first URL only; a user's Host wins). */
  servernameHost: string | undefined;
  verbose: 0 | 1 | 2;
  trace: ((line: string) => void) | undefined;
  followRedirects: boolean;
  maxRedirects: number;
  /** The CURLOPT_CONNECT_TO entry that implements `tls.servername` (first URL only). */
  servernameRoute: string | undefined;
}

export const NETWORK_KEYS = [
  'tls',
  'proxy',
  'proxyAuth',
  'proxyHeaders',
  'noProxy',
  'unixSocket',
  'resolve',
  'connectTo',
  'family',
  'localAddress',
  'interface',
  'connectTimeout',
  'origin',
  'auth',
  'cookies',
  'userAgent',
  'followRedirects',
  'maxRedirects',
  'verbose',
  'curl',
] as const satisfies readonly (keyof NetworkOptions)[];

export const TLS_KEYS = [
  'ca',
  'cert',
  'key',
  'passphrase',
  'pfx',
  'rejectUnauthorized',
  'servername',
  'minVersion',
  'maxVersion',
  'ciphers',
  'pinnedPublicKey',
  'keylog',
] as const satisfies readonly (keyof TlsOptions)[];

/** CURL_SSLVERSION_* values; the max form is the same shifted left by 16. */
const TLS_VERSIONS: Record<TlsVersion, number> = { TLSv1: 4, 'TLSv1.1': 5, 'TLSv1.2': 6, 'TLSv1.3': 7 };
const PROXY_SCHEMES = ['http:', 'https:', 'socks4:', 'socks4a:', 'socks5:', 'socks5h:'];
const CURLAUTH_BASIC = 1;
const CURLAUTH_BEARER = 1 << 6;
const CURLHEADER_SEPARATE = 1;
const MAX_TIMEOUT = 2_147_483_647;

/** The keys of the options that are objects, for checks and did-you-mean (`tls.ca`). */
export const NESTED_KEYS = {
  tls: TLS_KEYS,
  proxyAuth: ['username', 'password'],
  auth: ['username', 'password', 'bearer'],
  verbose: ['output', 'data'],
} as const;

/**
 * Validate the network options and map them to libcurl options.
 * @param o - the user's options object (keys already checked against the full list)
 * @param url - the normalized connect URL
 */
export function normalizeNetwork(o: NetworkOptions, url: URL, lookup?: CurlOptionLookup): NetworkSettings {
  const curl: [string, CurlOptionValue][] = [];
  const headers: string[] = [];
  const target = new URL(url.href);

  const { caBundle, servername, keylog } = validateTls(o.tls, curl);
  let servernameRoute: string | undefined;
  let servernameHost: string | undefined;
  if (servername !== undefined && servername !== target.hostname) {
    // libcurl takes SNI and the name to verify from the URL: connect to the real host under the
    // server name, and keep the Host header the server expects.
    const port = target.port || (target.protocol === 'wss:' ? '443' : '80');
    servernameRoute = `${servername}:${port}:${target.hostname}:${port}`;
    servernameHost = `Host: ${target.host}`;
    target.hostname = servername;
  }

  proxyOptions(o, curl);
  whereOptions(o, curl, servernameRoute);
  if (o.origin !== undefined) headers.push(`Origin: ${wireString('options.origin', o.origin)}`);
  authOptions(o.auth, curl);
  if (o.cookies !== undefined) curl.push(['CURLOPT_COOKIE', cookieHeader(o.cookies)]);
  if (o.userAgent !== undefined) curl.push(['CURLOPT_USERAGENT', wireString('options.userAgent', o.userAgent)]);
  const followRedirects = bool('options.followRedirects', o.followRedirects, false);
  const maxRedirects = integer('options.maxRedirects', o.maxRedirects, 10, 1000);
  const { verbose, trace } = validateVerbose(o.verbose);
  curl.push(...passthrough(o.curl, lookup));
  return {
    url: target.href,
    caBundle,
    keylog,
    curlOptions: curl,
    headers,
    servernameHost,
    verbose,
    trace,
    followRedirects,
    maxRedirects,
    servernameRoute,
  };
}

function validateTls(
  value: unknown,
  curl: [string, CurlOptionValue][],
): { caBundle: Buffer; servername: string | undefined; keylog: string | undefined } {
  if (value === undefined) return { caBundle: defaultCaBundle(), servername: undefined, keylog: undefined };
  if (!isObject(value)) throw invalidArgType('options.tls', 'an object', value);
  checkKeys('options.tls', value, TLS_KEYS);
  const t = value as TlsOptions;
  const caBundle = t.ca === undefined ? defaultCaBundle() : pemBundle(t.ca);
  if (t.pfx !== undefined && (t.cert !== undefined || t.key !== undefined)) {
    throw invalidArgValue('options.tls.pfx', '<Buffer>', 'either pfx or cert/key, not both');
  }
  if (t.cert !== undefined) {
    curl.push(['CURLOPT_SSLCERT_BLOB', pem('options.tls.cert', t.cert)], ['CURLOPT_SSLCERTTYPE', 'PEM']);
  }
  if (t.key !== undefined) {
    curl.push(['CURLOPT_SSLKEY_BLOB', pem('options.tls.key', t.key)], ['CURLOPT_SSLKEYTYPE', 'PEM']);
  }
  if (t.pfx !== undefined) {
    if (!Buffer.isBuffer(t.pfx)) throw invalidArgType('options.tls.pfx', 'a Buffer (PKCS#12)', t.pfx);
    curl.push(['CURLOPT_SSLCERT_BLOB', t.pfx], ['CURLOPT_SSLCERTTYPE', 'P12']);
  }
  if (t.passphrase !== undefined) curl.push(['CURLOPT_KEYPASSWD', wireString('options.tls.passphrase', t.passphrase)]);
  if (!bool('options.tls.rejectUnauthorized', t.rejectUnauthorized, true)) {
    curl.push(['CURLOPT_SSL_VERIFYPEER', 0], ['CURLOPT_SSL_VERIFYHOST', 0]);
  }
  let servername: string | undefined;
  if (t.servername !== undefined) {
    servername = wireString('options.tls.servername', t.servername);
    if (!/^[A-Za-z0-9.-]+$/.test(servername)) {
      throw invalidArgValue('options.tls.servername', servername, 'a host name');
    }
  }
  const min = tlsVersion('options.tls.minVersion', t.minVersion);
  const max = tlsVersion('options.tls.maxVersion', t.maxVersion);
  if (min !== undefined && max !== undefined && min > max) {
    throw invalidArgValue('options.tls.maxVersion', t.maxVersion, `a version not below minVersion ("${t.minVersion}")`);
  }
  if (min !== undefined || max !== undefined) {
    // CURL_SSLVERSION_DEFAULT is 0 and CURL_SSLVERSION_MAX_DEFAULT is 1 << 16.
    curl.push(['CURLOPT_SSLVERSION', (min ?? 0) | ((max ?? 1) << 16)]);
  }
  if (t.ciphers !== undefined) {
    const all = wireString('options.tls.ciphers', t.ciphers).split(':').filter(Boolean);
    const tls13 = all.filter((c) => c.startsWith('TLS_'));
    const older = all.filter((c) => !c.startsWith('TLS_'));
    if (older.length) curl.push(['CURLOPT_SSL_CIPHER_LIST', older.join(':')]);
    if (tls13.length) curl.push(['CURLOPT_TLS13_CIPHERS', tls13.join(':')]);
  }
  if (t.pinnedPublicKey !== undefined) {
    const pins = Array.isArray(t.pinnedPublicKey) ? t.pinnedPublicKey : [t.pinnedPublicKey];
    pins.forEach((p: unknown, i) => {
      if (typeof p !== 'string' || !/^sha256\/\/[A-Za-z0-9+/=]+$/.test(p)) {
        throw invalidArgValue(
          `options.tls.pinnedPublicKey${Array.isArray(t.pinnedPublicKey) ? `[${i}]` : ''}`,
          p,
          'a "sha256//<base64>" pin',
        );
      }
    });
    curl.push(['CURLOPT_PINNEDPUBLICKEY', pins.join(';')]);
  }
  // A file name, never sent; still held to the rule for every string: no CR, LF or NUL.
  const keylog = t.keylog === undefined ? undefined : wireString('options.tls.keylog', t.keylog);
  if (keylog === '') throw invalidArgValue('options.tls.keylog', keylog, 'a file path');
  return { caBundle, servername, keylog };
}

function proxyOptions(o: NetworkOptions, curl: [string, CurlOptionValue][]): void {
  if (o.proxy === false) {
    curl.push(['CURLOPT_PROXY', '']); // '' disables the environment variables too
  } else if (o.proxy !== undefined) {
    if (typeof o.proxy !== 'string' && !(o.proxy instanceof URL)) {
      throw invalidArgType('options.proxy', 'a URL string, a URL or false', o.proxy);
    }
    // Checked before parsing: the URL parser would silently drop CR and LF.
    if (typeof o.proxy === 'string') wireString('options.proxy', o.proxy);
    let u: URL;
    try {
      u = new URL(String(o.proxy));
    } catch {
      throw invalidArgValue('options.proxy', o.proxy, 'a valid proxy URL');
    }
    if (!PROXY_SCHEMES.includes(u.protocol)) {
      throw invalidArgValue('options.proxy', o.proxy, `a proxy URL with one of the schemes ${PROXY_SCHEMES.join(' ')}`);
    }
    curl.push(['CURLOPT_PROXY', u.href]);
  }
  if (o.proxyAuth !== undefined) {
    if (!isObject(o.proxyAuth)) throw invalidArgType('options.proxyAuth', 'an object', o.proxyAuth);
    checkKeys('options.proxyAuth', o.proxyAuth, ['username', 'password']);
    curl.push(
      ['CURLOPT_PROXYUSERNAME', wireString('options.proxyAuth.username', o.proxyAuth.username)],
      ['CURLOPT_PROXYPASSWORD', wireString('options.proxyAuth.password', o.proxyAuth.password)],
    );
  }
  if (o.proxyHeaders !== undefined) {
    if (!isObject(o.proxyHeaders)) throw invalidArgType('options.proxyHeaders', 'an object', o.proxyHeaders);
    const lines = Object.entries(o.proxyHeaders).map(([k, v]) => headerLine(`options.proxyHeaders[${JSON.stringify(k)}]`, k, v));
    curl.push(['CURLOPT_PROXYHEADER', lines], ['CURLOPT_HEADEROPT', CURLHEADER_SEPARATE]);
  }
  if (o.noProxy !== undefined) {
    const list = Array.isArray(o.noProxy) ? o.noProxy : [o.noProxy];
    for (const [i, h] of list.entries()) wireString(Array.isArray(o.noProxy) ? `options.noProxy[${i}]` : 'options.noProxy', h as unknown);
    curl.push(['CURLOPT_NOPROXY', list.join(',')]);
  }
}

function whereOptions(o: NetworkOptions, curl: [string, CurlOptionValue][], servernameRoute: string | undefined): void {
  if (o.unixSocket !== undefined) curl.push(['CURLOPT_UNIX_SOCKET_PATH', wireString('options.unixSocket', o.unixSocket)]);
  if (o.resolve !== undefined) {
    curl.push(['CURLOPT_RESOLVE', entries('options.resolve', o.resolve, /^[-+]?[^:\s]+:\d+(:\S+)?$/, '"host:port:address[,address…]"')]);
  }
  // One CURLOPT_CONNECT_TO list: a second setopt would replace the first. The servername route
  // comes first so it wins for its host and port.
  const routes = servernameRoute === undefined ? [] : [servernameRoute];
  if (o.connectTo !== undefined) {
    routes.push(...entries('options.connectTo', o.connectTo, /^[^:\s]*:\d*:[^:\s]*:\d*$/, '"host:port:connect-to-host:connect-to-port"'));
  }
  if (routes.length) curl.push(['CURLOPT_CONNECT_TO', routes]);
  if (o.family !== undefined) {
    if (o.family !== 4 && o.family !== 6) throw invalidArgValue('options.family', o.family, '4 or 6');
    curl.push(['CURLOPT_IPRESOLVE', o.family === 4 ? 1 : 2]);
  }
  const local = o.localAddress === undefined ? undefined : wireString('options.localAddress', o.localAddress);
  const iface = o.interface === undefined ? undefined : wireString('options.interface', o.interface);
  if (local !== undefined || iface !== undefined) {
    const spec =
      local !== undefined && iface !== undefined ? `ifhost!${iface}!${local}` : local !== undefined ? `host!${local}` : `if!${iface}`;
    curl.push(['CURLOPT_INTERFACE', spec]);
  }
  if (o.connectTimeout !== undefined) {
    curl.push(['CURLOPT_CONNECTTIMEOUT_MS', integer('options.connectTimeout', o.connectTimeout, 0, MAX_TIMEOUT)]);
  }
}

function authOptions(auth: unknown, curl: [string, CurlOptionValue][]): void {
  if (auth === undefined) return;
  if (typeof auth === 'string') {
    const colon = wireString('options.auth', auth).indexOf(':');
    if (colon < 0) throw invalidArgValue('options.auth', auth, 'a "user:password" string');
    curl.push(
      ['CURLOPT_USERNAME', auth.slice(0, colon)],
      ['CURLOPT_PASSWORD', auth.slice(colon + 1)],
      ['CURLOPT_HTTPAUTH', CURLAUTH_BASIC],
    );
    return;
  }
  if (!isObject(auth)) throw invalidArgType('options.auth', 'a "user:password" string or an object', auth);
  if ('bearer' in auth) {
    checkKeys('options.auth', auth, ['bearer']);
    curl.push(['CURLOPT_XOAUTH2_BEARER', wireString('options.auth.bearer', auth.bearer)], ['CURLOPT_HTTPAUTH', CURLAUTH_BEARER]);
    return;
  }
  checkKeys('options.auth', auth, ['username', 'password']);
  curl.push(
    ['CURLOPT_USERNAME', wireString('options.auth.username', auth.username)],
    ['CURLOPT_PASSWORD', wireString('options.auth.password', auth.password)],
    ['CURLOPT_HTTPAUTH', CURLAUTH_BASIC],
  );
}

/** The string form is the header value as given; the object form is built from checked pairs. */
function cookieHeader(value: unknown): string {
  if (typeof value === 'string') return wireString('options.cookies', value);
  if (!isObject(value)) throw invalidArgType('options.cookies', 'a string or an object', value);
  return Object.entries(value)
    .map(([k, v]) => cookiePair(`options.cookies[${JSON.stringify(k)}]`, k, v))
    .join('; ');
}

function validateVerbose(value: unknown): { verbose: 0 | 1 | 2; trace: ((line: string) => void) | undefined } {
  const toStderr = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if (value === undefined || value === false) return { verbose: 0, trace: undefined };
  if (value === true) return { verbose: 1, trace: toStderr };
  if (typeof value === 'function') return { verbose: 1, trace: value as (line: string) => void };
  if (!isObject(value)) throw invalidArgType('options.verbose', 'a boolean, a function or an object', value);
  checkKeys('options.verbose', value, ['output', 'data']);
  const output = value.output;
  if (output !== undefined && typeof output !== 'function') {
    throw invalidArgType('options.verbose.output', 'a function', output);
  }
  const data = bool('options.verbose.data', value.data, false);
  return { verbose: data ? 2 : 1, trace: (output as ((line: string) => void) | undefined) ?? toStderr };
}

/** The escape hatch: one policy with curlws/curl's Easy.setopt (lib/core/curl-policy.ts). */
function passthrough(value: unknown, lookup: CurlOptionLookup | undefined): [string, CurlOptionValue][] {
  if (value === undefined) return [];
  if (!isObject(value)) throw invalidArgType('options.curl', 'an object of CURLOPT_* names to values', value);
  return Object.entries(value).map(([name, v]): [string, CurlOptionValue] => {
    const rule = curlOptionRule('connect', name, lookup);
    return [rule.name, curlOptionValue('connect', rule, v, `options.curl.${name}`)];
  });
}

// ---- small checks --------------------------------------------------------------------------

function pemBundle(ca: unknown): Buffer {
  const list: unknown[] = Array.isArray(ca) ? ca : [ca];
  // An empty list would trust nothing and fail every wss: handshake with a confusing TLS error.
  if (list.length === 0) throw invalidArgValue('options.tls.ca', ca, 'at least one PEM certificate');
  const parts = list.map((p, i) =>
    pem(Array.isArray(ca) ? `options.tls.ca[${i}]` : 'options.tls.ca', p, 'a PEM certificate ("-----BEGIN CERTIFICATE-----")'),
  );
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('\n'), p])));
}

function pem(name: string, value: unknown, what = 'PEM data ("-----BEGIN …")'): Buffer {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw invalidArgType(name, 'a PEM string or Buffer', value);
  const buf = typeof value === 'string' ? Buffer.from(value) : value;
  // libcurl's *_BLOB options take PEM here; DER would fail later with an unclear TLS error.
  if (!buf.includes('-----BEGIN ')) {
    // A file name is the usual mistake (curl's --cacert takes one): say what to pass instead.
    const path = typeof value === 'string' && looksLikePath(value);
    const hint = path ? `${what}: the contents, not a file name (read it first: fs.readFileSync(${JSON.stringify(value)}))` : what;
    throw invalidArgValue(name, value, hint);
  }
  return buf;
}

function looksLikePath(s: string): boolean {
  return (
    s.length < 4096 && !/[\r\n]/.test(s) && (/^(?:[/~]|\.{1,2}[/\\]|[A-Za-z]:[/\\])/.test(s) || /\.(?:pem|crt|cer|key|ca-bundle)$/i.test(s))
  );
}

function tlsVersion(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(value in TLS_VERSIONS)) {
    throw invalidArgValue(
      name,
      value,
      `one of ${Object.keys(TLS_VERSIONS)
        .map((v) => `"${v}"`)
        .join(', ')}`,
    );
  }
  return TLS_VERSIONS[value as TlsVersion];
}

function entries(name: string, value: unknown, shape: RegExp, what: string): string[] {
  if (!Array.isArray(value)) throw invalidArgType(name, 'an array of strings', value);
  return value.map((e: unknown, i) => {
    if (!shape.test(wireString(`${name}[${i}]`, e))) throw invalidArgValue(`${name}[${i}]`, e, what);
    return e as string;
  });
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'a boolean', value);
  return value;
}

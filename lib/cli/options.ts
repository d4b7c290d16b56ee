/**
 * The `curlws` command's mapping from parsed flags to `connect()` options, and from errors to
 * curl exit codes. Used by lib/cli/main.ts; reference: docs/cli.md.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectOptions, TlsOptions } from '../index';
import { type CliArgs, UsageError } from './args';
import { HINT_SEPARATOR } from '../core/errors';

/** A failure with a curl exit code, reported as `curlws: (code) message`. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const HINT = "try 'curlws --help' for more information";

// curl exit codes used directly (the CURLcode values)
export const EXIT = {
  USAGE: 2, // CURLE_FAILED_INIT: what curl exits with for usage errors
  URL_MALFORMAT: 3,
  HTTP_RETURNED_ERROR: 22,
  WRITE_ERROR: 23,
  READ_ERROR: 26,
  TIMEOUT: 28,
  TOO_MANY_REDIRECTS: 47,
  RECV_ERROR: 56,
  SSL_CERTPROBLEM: 58,
  PEER_FAILED_VERIFICATION: 60,
  SSL_CACERT_BADFILE: 77,
  INTERRUPTED: 130, // 128 + SIGINT, as a shell reports a Ctrl-C'd curl
} as const;

/** Option names of connect() → the flag that set them, for validation messages. */
const FLAG_OF: Record<string, string> = {
  headers: '-H',
  protocols: '--protocol',
  auth: '-u',
  'auth.bearer': '--oauth2-bearer',
  userAgent: '-A',
  cookies: '-b',
  resolve: '--resolve',
  connectTo: '--connect-to',
  unixSocket: '--unix-socket',
  connectTimeout: '--connect-timeout',
  interface: '--interface',
  localAddress: '--interface',
  proxy: '-x',
  proxyAuth: '-U',
  proxyHeaders: '--proxy-header',
  noProxy: '--noproxy',
  maxRedirects: '--max-redirs',
  pingInterval: '--ping-interval',
  pongTimeout: '--pong-timeout',
  closeTimeout: '--close-timeout',
  'tls.ca': '--cacert',
  'tls.cert': '--cert',
  'tls.key': '--key',
  'tls.pfx': '--cert',
  'tls.passphrase': '--pass',
  'tls.ciphers': '--ciphers',
  'tls.pinnedPublicKey': '--pinnedpubkey',
  'tls.minVersion': '--tlsv1.x',
  'tls.maxVersion': '--tls-max',
  'tls.keylog': '--tls-keylog',
};

function readFile(path: string, exitCode: number, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliFailure(exitCode, `${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** "Name: value" / "Name;" (empty value) → [name, value]; "Name:" → undefined (curl removes it). */
function headerLine(line: string, flag: string): [string, string] | undefined {
  const m = /^([^:;\s]+)\s*([:;])(.*)$/s.exec(line);
  if (!m) throw new UsageError(`option ${flag}: expected 'Name: value' or 'Name;' (got ${JSON.stringify(line)})`);
  const [, name, sep, rest] = m as unknown as [string, string, string, string];
  const value = rest.trim();
  if (sep === ';') {
    if (value !== '') throw new UsageError(`option ${flag}: expected 'Name;' to send an empty header (got ${JSON.stringify(line)})`);
    return [name, ''];
  }
  return value === '' ? undefined : [name, value];
}

/** Maps the parsed flags to `connect()` options. */
export function connectOptions(a: CliArgs): ConnectOptions {
  const o: ConnectOptions = {};
  const str = (name: string): string | undefined => a.values.get(name);
  const list = (name: string): string[] => a.lists.get(name) ?? [];
  const secondsToMs = (name: string): number | undefined => {
    const s = a.numbers.get(name);
    return s === undefined ? undefined : s > 0 ? Math.max(1, Math.round(s * 1000)) : 0;
  };

  // Headers: -H 'Name: value' (repeatable), -H @file (one header per line).
  const headers: [string, string][] = [];
  const protocols = [...list('protocol')];
  for (const h of list('header')) {
    const lines = h.startsWith('@')
      ? readFile(h.slice(1), EXIT.READ_ERROR, 'Failed to read headers from')
          .toString('utf8')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '')
      : [h];
    for (const line of lines) {
      const pair = headerLine(line, '-H');
      if (!pair) continue;
      // The subprotocol offer is a handshake header curlws controls: take it as --protocol.
      if (pair[0].toLowerCase() === 'sec-websocket-protocol')
        protocols.push(
          ...pair[1]
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        );
      else headers.push(pair);
    }
  }
  if (headers.length) o.headers = headers;
  if (protocols.length) o.protocols = protocols;

  const user = str('user');
  if (user !== undefined) o.auth = user.includes(':') ? user : { username: user, password: '' };
  const bearer = str('oauth2-bearer');
  if (bearer !== undefined) o.auth = { bearer };
  if (str('user-agent') !== undefined) o.userAgent = str('user-agent');
  const cookie = str('cookie');
  if (cookie !== undefined) {
    if (!cookie.includes('=')) throw new UsageError(`option -b: cookie files are not supported; pass 'NAME=VALUE[; NAME2=VALUE2]'`);
    o.cookies = cookie;
  }
  if (a.flags.has('location')) o.followRedirects = true;
  if (a.flags.has('compressed')) o.perMessageDeflate = true;
  if (a.numbers.has('max-redirs')) o.maxRedirects = a.numbers.get('max-redirs');

  if (list('resolve').length) o.resolve = list('resolve');
  if (list('connect-to').length) o.connectTo = list('connect-to');
  if (str('unix-socket') !== undefined) o.unixSocket = str('unix-socket');
  if (a.numbers.has('connect-timeout')) o.connectTimeout = secondsToMs('connect-timeout');
  if (a.flags.has('ipv4')) o.family = 4;
  if (a.flags.has('ipv6')) o.family = 6;
  const iface = str('interface');
  if (iface !== undefined) {
    // curl's forms: NAME, ADDRESS, if!NAME, host!ADDRESS, ifhost!NAME!ADDRESS
    const m = /^(if|host|ifhost)!([^!]*)(?:!(.*))?$/.exec(iface);
    if (m?.[1] === 'if') o.interface = m[2];
    else if (m?.[1] === 'host') o.localAddress = m[2];
    else if (m?.[1] === 'ifhost' && m[3] !== undefined) [o.interface, o.localAddress] = [m[2], m[3]];
    else if (isIP(iface)) o.localAddress = iface;
    else o.interface = iface;
  }

  const tls: TlsOptions = {};
  if (a.flags.has('insecure')) tls.rejectUnauthorized = false;
  const cacert = str('cacert');
  if (cacert !== undefined) tls.ca = readFile(cacert, EXIT.SSL_CACERT_BADFILE, 'error setting certificate file:');
  const cert = str('cert');
  if (cert !== undefined) {
    const { file, passphrase } = splitCert(cert);
    const data = readFile(file, EXIT.SSL_CERTPROBLEM, 'could not load client certificate from');
    const type = (str('cert-type') ?? 'PEM').toUpperCase();
    if (type === 'P12') tls.pfx = data;
    else if (type === 'PEM') {
      tls.cert = data;
      // curl reads the key from the certificate file when --key is not given.
      if (str('key') === undefined && data.includes('PRIVATE KEY-----')) tls.key = data;
    } else throw new UsageError(`option --cert-type: expected PEM or P12 (got ${JSON.stringify(type)})`);
    if (passphrase !== undefined) tls.passphrase = passphrase;
  }
  const key = str('key');
  if (key !== undefined) tls.key = readFile(key, EXIT.SSL_CERTPROBLEM, 'could not load private key from');
  if (str('pass') !== undefined) tls.passphrase = str('pass');
  const pins = str('pinnedpubkey');
  if (pins !== undefined)
    tls.pinnedPublicKey = pins
      .split(';')
      .map((p) => p.trim())
      .filter(Boolean);
  if (str('ciphers') !== undefined) tls.ciphers = str('ciphers');
  for (const v of ['1.3', '1.2', '1.1', '1.0']) {
    if (a.flags.has(`tlsv${v}`) && tls.minVersion === undefined) tls.minVersion = v === '1.0' ? 'TLSv1' : (`TLSv${v}` as 'TLSv1.2');
  }
  const tlsMax = str('tls-max');
  if (tlsMax !== undefined) {
    if (!['1.0', '1.1', '1.2', '1.3'].includes(tlsMax))
      throw new UsageError(`option --tls-max: expected 1.0, 1.1, 1.2 or 1.3 (got ${JSON.stringify(tlsMax)})`);
    tls.maxVersion = tlsMax === '1.0' ? 'TLSv1' : (`TLSv${tlsMax}` as 'TLSv1.2');
  }
  if (str('tls-keylog') !== undefined) tls.keylog = str('tls-keylog');
  if (Object.keys(tls).length) o.tls = tls;

  const proxy = str('proxy');
  if (proxy !== undefined) o.proxy = proxy === '' ? false : /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
  const proxyUser = str('proxy-user');
  if (proxyUser !== undefined) {
    const colon = proxyUser.indexOf(':');
    o.proxyAuth =
      colon < 0 ? { username: proxyUser, password: '' } : { username: proxyUser.slice(0, colon), password: proxyUser.slice(colon + 1) };
  }
  const proxyHeaders = list('proxy-header')
    .map((l) => headerLine(l, '--proxy-header'))
    .filter((p) => p !== undefined);
  if (proxyHeaders.length) o.proxyHeaders = Object.fromEntries(proxyHeaders);
  if (str('noproxy') !== undefined) o.noProxy = (str('noproxy') as string).split(',').map((h) => h.trim());

  if (a.numbers.has('ping-interval')) o.pingInterval = secondsToMs('ping-interval');
  if (a.numbers.has('pong-timeout')) o.pongTimeout = secondsToMs('pong-timeout');
  if (a.numbers.has('close-timeout')) o.closeTimeout = secondsToMs('close-timeout');
  if (a.verbose > 0) o.verbose = { output: (line) => void process.stderr.write(`${line}\n`), data: a.verbose > 1 };
  return o;
}

/** curl's `--cert FILE:PASSPHRASE`: the first unescaped ':' (not a drive letter), `\:` escapes. */
function splitCert(value: string): { file: string; passphrase: string | undefined } {
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\' && value[i + 1] === ':') {
      i++;
      continue;
    }
    if (value[i] === ':' && !(i === 1 && /^[A-Za-z]:[\\/]/.test(value))) {
      return { file: value.slice(0, i).replace(/\\:/g, ':'), passphrase: value.slice(i + 1) };
    }
  }
  return { file: value.replace(/\\:/g, ':'), passphrase: undefined };
}

/** The exit code and message for an error thrown or reported by curlws. */
export function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof CliFailure) return { code: e.exitCode, message: e.message };
  if (e instanceof UsageError) return { code: EXIT.USAGE, message: e.message };
  const err = e as Error & { code?: string; curlCode?: number; closeCode?: number };
  const code = err.code ?? '';
  // The library's hint names options; the command's names its flags.
  const base = err.message.split(HINT_SEPARATOR)[0] as string;
  if (err.curlCode === EXIT.PEER_FAILED_VERIFICATION) {
    return {
      code: err.curlCode,
      message: `${base}${HINT_SEPARATOR}pass the server's CA certificate with --cacert FILE, or -k/--insecure to skip verification (for tests only)`,
    };
  }
  if (typeof err.curlCode === 'number') return { code: err.curlCode, message: err.message };
  if (code === 'ERR_INVALID_URL') return { code: EXIT.URL_MALFORMAT, message: `URL rejected: ${err.message}` };
  if (code.startsWith('ERR_INVALID_ARG') || code === 'ERR_OUT_OF_RANGE') {
    // An option value connect() refused: name the flag instead of the option, curl-style:
    // "Expected <what> for options.<name>[i] but received <value> of type <type>"
    // → "option <flag>: expected <what> (got <value>)".
    const flagOf = (name: string): string | undefined => FLAG_OF[name] ?? FLAG_OF[name.split('.')[0] as string];
    const m = /^Expected (.*) for options\.([A-Za-z]+(?:\.[A-Za-z]+)?)\S* but received (.*) of type \w+$/s.exec(err.message);
    if (m && flagOf(m[2] as string))
      return { code: EXIT.USAGE, message: `option ${flagOf(m[2] as string)}: expected ${m[1]} (got ${m[3]})` };
    const message = err.message.replace(/options\.([A-Za-z]+(?:\.[A-Za-z]+)?)(\[[^\]]*\])?/g, (all, name: string) => {
      const flag = flagOf(name);
      return flag ? `option ${flag}` : all;
    });
    return { code: EXIT.USAGE, message };
  }
  if (code === 'WS_ERR_HANDSHAKE_TIMEOUT' || code === 'WS_ERR_PONG_TIMEOUT') return { code: EXIT.TIMEOUT, message: err.message };
  if (code === 'WS_ERR_TOO_MANY_REDIRECTS') return { code: EXIT.TOO_MANY_REDIRECTS, message: err.message };
  if (code === 'ERR_CURLWS_KEYLOG') return { code: EXIT.WRITE_ERROR, message: err.message.replace('options.tls.keylog', '--tls-keylog') };
  if (err.name === 'HandshakeError') {
    const location = (err as { headers?: Record<string, string> }).headers?.location;
    const redirect = code === 'WS_ERR_UNEXPECTED_RESPONSE' && location !== undefined && base !== err.message;
    const message = redirect ? `${base}${HINT_SEPARATOR}the server redirects to ${location}; use -L/--location to follow it` : err.message;
    return { code: EXIT.HTTP_RETURNED_ERROR, message };
  }
  if (code.startsWith('WS_ERR_')) return { code: EXIT.RECV_ERROR, message: err.message };
  return { code: 1, message: err.message || String(e) };
}

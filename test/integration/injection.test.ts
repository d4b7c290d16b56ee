/**
 * Option injection, generated from the option tables. The attack: a caller (or whatever feeds a
 * caller's option values: a config file, a tenant id, a header copied from another request) puts
 * CR, LF or NUL into a string option to add a header, a cookie or a whole request to the opening
 * handshake, or `;`/`=` to add or rename a cookie.
 *
 * Every string option of every API gets CR, LF, CRLF and NUL — and `;`, `=` and U+010D U+010A
 * (which a latin1 conversion would turn into CR LF) unless they are the option's own syntax — and
 * must either be refused synchronously with a TypeError `ERR_INVALID_ARG_VALUE` that names the
 * option, or, where the value is legal, reach a real 127.0.0.1 server (test/servers/recorder.ts)
 * without an extra header, cookie or request. Line breaks may only be accepted where a case says
 * why (the URL parser removes them; PEM data is a blob, never a header; a file name is read, not
 * sent).
 *
 * The option lists are the ones the code validates against (OPTION_KEYS, NESTED_KEYS,
 * WS_OPTION_KEYS, RECONNECT_KEYS, the CLI's SPECS, the pinned CURLOPTS): an option added there
 * without a generator here fails "has a value generator for every option" by name.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Easy } from '../../lib/curl/easy.js';
import type { CurlOptType } from '../../lib/core/curl-symbols.js';
import { CURLOPT_ALIASES, CURLOPTS } from '../../lib/core/curl-symbols.js';
import { SPECS } from '../../lib/cli/args.js';
import { connect, ReconnectingWebSocket, WebSocket, WebSocketStream, WsWebSocket } from '../../lib/index.js';
import type { SessionInit } from '../../lib/core/contract.js';
import { binding } from '../../lib/core/native.js';
import { nativeSessionInit } from '../helpers/native-session.js';
import { NESTED_KEYS } from '../../lib/core/network-options.js';
import { OPTION_KEYS } from '../../lib/core/options.js';
import { RECONNECT_KEYS } from '../../lib/api/reconnect.js';
import { TOKEN } from '../../lib/core/request-values.js';
import { WS_OPTION_KEYS } from '../../lib/api/ws-compat.js';
import { headerFields, type RecordedRequest, type Recorder, startRecorder } from '../servers/recorder.js';

const BREAKS = {
  CR: 'a\rX-Injected: 1',
  LF: 'a\nX-Injected: 1',
  CRLF: 'a\r\nX-Injected: 1',
  NUL: 'a\0X-Injected: 1',
} as const;
const SEPARATORS = {
  semicolon: 'a; injected=1',
  equals: 'a=injected',
  // U+010D U+010A: a UTF-16 → latin1 conversion keeps the low bytes, 0x0D 0x0A (Node's http had that bug)
  'U+010D U+010A': 'a\u010d\u010aX-Injected: 1',
} as const;

interface Context {
  /** an HTTP proxy URL that leads to the recorder (which refuses the CONNECT) */
  proxy: string;
  /** a PEM file, for flags that read one */
  pemFile: string;
}

interface Case {
  /** what the error message must contain: the option's path, or its prefix for computed keys */
  names: string;
  /** connect()-style options carrying the payload */
  build: (p: string, ctx: Context) => Record<string, unknown>;
  /** the `url` argument instead of the recorder's own */
  url?: (origin: string, p: string) => string;
  /** why line breaks may be accepted here (they must still not reach the request) */
  breaksAccepted?: string;
  /** `;` and `=` are this value's own syntax (a raw Cookie header): not fed */
  noSeparators?: true;
  /** the cookie names a clean request may carry */
  cookies?: (p: string) => string[];
}
type Entry = readonly Case[] | { notAString: string };
const notAString = (why: string): Entry => ({ notAString: why });

const PEM = (p: string): string => `-----BEGIN CERTIFICATE-----\n${p}\n-----END CERTIFICATE-----\n`;
const PEM_IS_A_BLOB = 'PEM data goes to libcurl as a blob, never into a header (its line breaks are its syntax)';
const pemCases = (key: string): Case[] => [
  { names: `options.tls.${key}`, build: (p) => ({ tls: { [key]: p } }) },
  { names: `options.tls.${key}`, build: (p) => ({ tls: { [key]: PEM(p) } }), breaksAccepted: PEM_IS_A_BLOB },
];

/** How a test value is made for each CURLOPTTYPE (null: not a string). */
const CURLOPT_VALUE: Record<CurlOptType, ((p: string) => unknown) | null> = {
  STRINGPOINT: (p) => p,
  SLISTPOINT: (p) => ['X-Ok: 1', p],
  LONG: null,
  VALUES: null,
  OFF_T: null,
  BLOB: null, // bytes, never a C string
  OBJECTPOINT: null,
  CBPOINT: null,
  FUNCTIONPOINT: null,
};

function curlOptionNames(): [string, CurlOptType][] {
  return Object.entries(CURLOPTS as Record<string, { type: CurlOptType }>)
    .filter(([, o]) => {
      if (!(o.type in CURLOPT_VALUE)) throw new Error(`no value generator for CURLOPTTYPE_${o.type}: add one to CURLOPT_VALUE`);
      return CURLOPT_VALUE[o.type] !== null;
    })
    .map(([name, o]) => [name, o.type]);
}

/** Nested option objects, by NESTED_KEYS. */
const NESTED_CASES: { [P in keyof typeof NESTED_KEYS]: Record<(typeof NESTED_KEYS)[P][number], Entry> } = {
  tls: {
    ca: [...pemCases('ca'), { names: 'options.tls.ca[1]', build: (p) => ({ tls: { ca: [PEM('x'), p] } }) }],
    cert: pemCases('cert'),
    key: pemCases('key'),
    passphrase: [{ names: 'options.tls.passphrase', build: (p) => ({ tls: { passphrase: p } }) }],
    pfx: notAString('a Buffer (PKCS#12)'),
    rejectUnauthorized: notAString('a boolean'),
    servername: [{ names: 'options.tls.servername', build: (p) => ({ tls: { servername: p } }) }],
    minVersion: [{ names: 'options.tls.minVersion', build: (p) => ({ tls: { minVersion: p } }) }],
    maxVersion: [{ names: 'options.tls.maxVersion', build: (p) => ({ tls: { maxVersion: p } }) }],
    ciphers: [{ names: 'options.tls.ciphers', build: (p) => ({ tls: { ciphers: `TLS_AES_128_GCM_SHA256:${p}` } }) }],
    pinnedPublicKey: [
      { names: 'options.tls.pinnedPublicKey', build: (p) => ({ tls: { pinnedPublicKey: `sha256//${p}` } }) },
      { names: 'options.tls.pinnedPublicKey[0]', build: (p) => ({ tls: { pinnedPublicKey: [p] } }) },
    ],
    // a file name (opened, never sent), in the test's own directory
    keylog: [{ names: 'options.tls.keylog', build: (p, c) => ({ tls: { keylog: path.join(path.dirname(c.pemFile), p) } }) }],
  },
  proxyAuth: {
    username: [{ names: 'options.proxyAuth.username', build: (p, c) => ({ proxy: c.proxy, proxyAuth: { username: p, password: 'pw' } }) }],
    password: [{ names: 'options.proxyAuth.password', build: (p, c) => ({ proxy: c.proxy, proxyAuth: { username: 'u', password: p } }) }],
  },
  auth: {
    username: [{ names: 'options.auth.username', build: (p) => ({ auth: { username: p, password: 'pw' } }) }],
    password: [{ names: 'options.auth.password', build: (p) => ({ auth: { username: 'u', password: p } }) }],
    bearer: [{ names: 'options.auth.bearer', build: (p) => ({ auth: { bearer: p } }) }],
  },
  verbose: { output: notAString('a function'), data: notAString('a boolean') },
};

/** Every option key of every API (the union of their tables). */
/** ws's top-level TLS options: curlws/ws moves them into `tls`, whose checks name them. */
function topLevelTls(key: keyof (typeof NESTED_CASES)['tls']): Entry {
  const nested = NESTED_CASES.tls[key];
  if ('notAString' in nested) return nested;
  return nested.map((c): Case => ({ ...c, build: (p, ctx) => c.build(p, ctx).tls as Record<string, unknown> }));
}

const CASES: Record<string, Entry> = {
  url: [
    {
      names: 'url',
      build: () => ({}),
      url: (origin, p) => `${origin}/path${p}`,
      breaksAccepted: 'the WHATWG URL parser removes CR and LF and percent-encodes NUL',
    },
    {
      names: 'url',
      build: () => ({}),
      url: (origin, p) => `${origin}/?q=${p}`,
      breaksAccepted: 'the WHATWG URL parser removes CR and LF and percent-encodes NUL',
    },
  ],
  protocols: [
    { names: 'options.protocols[0]', build: (p) => ({ protocols: p }) },
    { names: 'options.protocols[1]', build: (p) => ({ protocols: ['ok', p] }) },
  ],
  headers: [
    { names: 'options.headers["X-A"]', build: (p) => ({ headers: { 'X-A': p } }) },
    { names: 'options.headers["X-A"]', build: (p) => ({ headers: { 'X-A': ['ok', p] } }) },
    { names: 'options.headers[', build: (p) => ({ headers: { [`X${p}`]: 'v' } }) },
    { names: 'options.headers[', build: (p) => ({ headers: [['X-A', p]] }) },
    { names: 'options.headers["Host"]', build: (p) => ({ headers: { Host: p } }) },
  ],
  handshakeTimeout: notAString('a number'),
  maxPayload: notAString('a number'),
  closeTimeout: notAString('a number'),
  signal: notAString('an AbortSignal'),
  autoPong: notAString('a boolean'),
  textAs: [{ names: 'options.textAs', build: (p) => ({ textAs: p as 'bytes' }) }],
  pingInterval: notAString('a number'),
  pongTimeout: notAString('a number'),
  highWaterMark: notAString('a number'),
  receiveHighWaterMark: notAString('a number'),
  tls: [], // nested: NESTED_CASES.tls
  proxy: [
    { names: 'options.proxy', build: (p, c) => ({ proxy: `${c.proxy}/${p}` }) },
    { names: 'options.proxy', build: (p, c) => ({ proxy: c.proxy.replace('//', `//u${p}:pw@`) }) },
  ],
  proxyAuth: [], // nested
  proxyHeaders: [
    { names: 'options.proxyHeaders["X-P"]', build: (p, c) => ({ proxy: c.proxy, proxyHeaders: { 'X-P': p } }) },
    { names: 'options.proxyHeaders[', build: (p, c) => ({ proxy: c.proxy, proxyHeaders: { [`X${p}`]: 'v' } }) },
  ],
  noProxy: [
    { names: 'options.noProxy', build: (p) => ({ noProxy: p }) },
    { names: 'options.noProxy[1]', build: (p) => ({ noProxy: ['localhost', p] }) },
  ],
  unixSocket: [{ names: 'options.unixSocket', build: (p) => ({ unixSocket: `/nonexistent/${p}` }) }],
  resolve: [{ names: 'options.resolve[0]', build: (p) => ({ resolve: [`${p}:80:127.0.0.1`] }) }],
  connectTo: [{ names: 'options.connectTo[0]', build: (p) => ({ connectTo: [`${p}:80:127.0.0.1:1`] }) }],
  family: notAString('4 or 6'),
  // Not fed ";" and "=": an accepted local address is resolved as a host name, and that DNS query
  // would leave loopback; it never reaches the request either way.
  localAddress: [{ names: 'options.localAddress', build: (p) => ({ localAddress: p }), noSeparators: true }],
  interface: [{ names: 'options.interface', build: (p) => ({ interface: p }) }],
  connectTimeout: notAString('a number'),
  origin: [{ names: 'options.origin', build: (p) => ({ origin: p }) }],
  auth: [
    { names: 'options.auth', build: (p) => ({ auth: `${p}:pw` }) },
    { names: 'options.auth', build: (p) => ({ auth: `user:${p}` }) },
  ],
  cookies: [
    { names: 'options.cookies', build: (p) => ({ cookies: `n=${p}` }), noSeparators: true, cookies: () => ['n'] },
    { names: 'options.cookies[', build: (p) => ({ cookies: { [p]: 'v' } }), cookies: (p) => [p] },
    { names: 'options.cookies["n"]', build: (p) => ({ cookies: { n: p } }), cookies: () => ['n'] },
    { names: 'options.cookies[', build: (p) => ({ cookies: { a: '1', [`b${p}`]: '2' } }), cookies: (p) => ['a', `b${p}`] },
  ],
  userAgent: [{ names: 'options.userAgent', build: (p) => ({ userAgent: p }) }],
  followRedirects: notAString('a boolean'),
  maxRedirects: notAString('a number'),
  verbose: [], // nested
  // Every string and string-list option of the pinned libcurl, through the escape hatch.
  curl: curlOptionNames().map(
    ([name, type]): Case => ({
      names: `options.curl.${name}`,
      build: (p) => ({ curl: { [name]: type === 'SLISTPOINT' ? [p] : p } }),
      noSeparators: true, // a raw libcurl string: its syntax is libcurl's
    }),
  ),
  // curlws/ws only
  ca: [
    { names: 'options.tls.ca', build: (p) => ({ ca: p }) },
    { names: 'options.tls.ca', build: (p) => ({ ca: PEM(p) }), breaksAccepted: PEM_IS_A_BLOB },
  ],
  cert: topLevelTls('cert'),
  key: topLevelTls('key'),
  passphrase: topLevelTls('passphrase'),
  pfx: topLevelTls('pfx'),
  rejectUnauthorized: topLevelTls('rejectUnauthorized'),
  servername: topLevelTls('servername'),
  minVersion: topLevelTls('minVersion'),
  maxVersion: topLevelTls('maxVersion'),
  ciphers: topLevelTls('ciphers'),
  protocolVersion: notAString('a number'),
  skipUTF8Validation: notAString('a boolean'),
  perMessageDeflate: notAString('a boolean or an object of booleans and numbers'),
  allowSynchronousEvents: notAString('a boolean'),
  maxBufferedChunks: notAString('a number'),
  maxFragments: notAString('a number'),
  maxPendingAutoPongs: notAString('a number'),
  // ReconnectingWebSocket only
  initialDelay: notAString('a number'),
  maxDelay: notAString('a number'),
  factor: notAString('a number'),
  jitter: notAString('a number'),
  maxAttempts: notAString('a number'),
  resetAfter: notAString('a number'),
  maxQueuedMessages: notAString('a number'),
  shouldReconnect: notAString('a function'),
  beforeConnect: notAString('a function; the options it returns are connect() options, checked per attempt (tested below)'),
  onOpen: notAString('a function'),
  random: notAString('a function'),
};

/** One entry point that takes connect()-style options. */
interface Api {
  label: string;
  keys: readonly string[];
  /** the option keys whose refusal this API must report its own way (standards, ws) */
  ownErrors?: Readonly<Record<string, (err: unknown) => boolean>>;
  /** Opens; throws synchronously for refused options; resolves when the attempt is over. */
  open(url: string, options: Record<string, unknown>): Promise<void>;
}

const isSyntaxError = (err: unknown): boolean => (err as Error)?.name === 'SyntaxError';
const isInvalidUrl = (err: unknown): boolean => err instanceof TypeError && (err as { code?: string }).code === 'ERR_INVALID_URL';

const APIS: Api[] = [
  {
    label: 'connect()',
    keys: ['url', ...OPTION_KEYS],
    ownErrors: { url: isInvalidUrl },
    open: (url, o) =>
      connect(url, o).then(
        (c) => void c.terminate(),
        () => undefined,
      ),
  },
  {
    label: 'new WebSocket()',
    keys: ['url', ...OPTION_KEYS],
    ownErrors: { url: isSyntaxError, protocols: isSyntaxError },
    open: (url, o) => {
      const { protocols, ...rest } = o;
      const ws = new WebSocket(url, protocols as string[] | undefined, rest);
      return new Promise((resolve) => ws.addEventListener('close', () => resolve()));
    },
  },
  {
    label: 'WebSocketStream',
    keys: ['url', ...OPTION_KEYS],
    ownErrors: { url: isInvalidUrl },
    open: (url, o) => {
      const s = new WebSocketStream(url, o);
      return s.closed.then(
        () => undefined,
        () => undefined,
      );
    },
  },
  {
    label: 'curlws/ws',
    keys: ['url', ...WS_OPTION_KEYS],
    ownErrors: { url: isSyntaxError, protocols: isSyntaxError },
    open: (url, o) => {
      const ws = new WsWebSocket(url, o);
      ws.on('error', () => {});
      return new Promise((resolve) => ws.once('close', () => resolve()));
    },
  },
  {
    label: 'ReconnectingWebSocket',
    keys: ['url', ...OPTION_KEYS, ...RECONNECT_KEYS],
    ownErrors: { url: isInvalidUrl },
    open: (url, o) => {
      const r = new ReconnectingWebSocket(url, { ...o, shouldReconnect: () => false });
      return new Promise((resolve) => r.once('end', () => resolve()));
    },
  },
];

/** The cases of an option key, nested objects expanded; throws for a key without a generator. */
function casesOf(where: string, key: string): Case[] {
  const entry = CASES[key];
  if (entry === undefined) throw new Error(`no value generator for option "${key}" of ${where}: add one to CASES in ${__filename}`);
  if ('notAString' in entry) return [];
  const nested = (NESTED_CASES as Record<string, Record<string, Entry>>)[key];
  if (!nested) return [...entry];
  const out: Case[] = [...entry];
  for (const sub of (NESTED_KEYS as Record<string, readonly string[]>)[key] ?? []) {
    const e = nested[sub];
    if (e === undefined) throw new Error(`no value generator for option "${key}.${sub}" of ${where}: add one to NESTED_CASES`);
    if (!('notAString' in e)) out.push(...e);
  }
  return out;
}

/** Why a recorded request is not clean, or undefined. */
function dirt(r: RecordedRequest, cookies: readonly string[]): string | undefined {
  if (r.rest !== '') return `bytes after the request head (a second request?): ${JSON.stringify(r.rest)}`;
  const [line = '', ...rest] = r.head.split('\r\n');
  if (!/^(GET \/\S* HTTP\/1\.1|CONNECT \S+ HTTP\/1\.1)$/.test(line))
    return `a request line that is not one request: ${JSON.stringify(line)}`;
  for (const l of rest) if (/[\r\n\0]/.test(l)) return `a CR, LF or NUL inside a header line: ${JSON.stringify(l)}`;
  for (const [name, value] of headerFields(r.head)) {
    if (!TOKEN.test(name)) return `a header line that is not "Name: value": ${JSON.stringify(name)}`;
    if (name.toLowerCase() === 'x-injected') return 'an injected X-Injected header';
    if (name.toLowerCase() === 'cookie') {
      for (const pair of value.split(';')) {
        const n = pair.split('=')[0]?.trim() ?? '';
        if (!cookies.includes(n)) return `an injected cookie ${JSON.stringify(n)} in ${JSON.stringify(value)}`;
      }
    }
  }
  return undefined;
}

let recorder: Recorder;
let ctx: Context;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'curlws-injection-'));
beforeAll(async () => {
  recorder = await startRecorder();
  const pemFile = path.join(tmp, 'cert.pem');
  writeFileSync(pemFile, PEM('MIIB'));
  ctx = { proxy: `http://127.0.0.1:${recorder.port}`, pemFile };
});
afterAll(async () => {
  await recorder.close();
  rmSync(tmp, { recursive: true, force: true });
});

const payloads = (c: { noSeparators?: true }): [string, string, boolean][] => [
  ...Object.entries(BREAKS).map(([k, v]): [string, string, boolean] => [k, v, true]),
  ...(c.noSeparators ? [] : Object.entries(SEPARATORS).map(([k, v]): [string, string, boolean] => [k, v, false])),
];

describe('option injection: every string option of every API', () => {
  it('has a value generator for every option of every table', () => {
    for (const api of APIS) for (const key of api.keys) casesOf(api.label, key);
    for (const spec of SPECS)
      if (spec.kind === 'string' || spec.kind === 'list') expect(CLI_CASES, `--${spec.long}`).toHaveProperty([spec.long]);
    expect(CASES.curl).not.toHaveLength(0);
  });

  for (const api of APIS) {
    it(`${api.label}: CR, LF and NUL are refused naming the option; ";" "=" and U+010D U+010A never add a header or cookie`, async () => {
      const problems: string[] = [];
      let refused = 0;
      let onWire = 0;
      for (const key of api.keys) {
        for (const c of casesOf(api.label, key)) {
          for (const [kind, p, isBreak] of payloads(c)) {
            const what = `${api.label} ${c.names} with ${kind}`;
            const url = c.url ? c.url(recorder.origin, p) : `${recorder.origin}/injection`;
            recorder.take();
            let attempt: Promise<void>;
            try {
              attempt = api.open(url, c.build(p, ctx));
            } catch (err) {
              refused++;
              const own = api.ownErrors?.[key];
              const e = err as { code?: string; message?: string };
              const ok = own
                ? own(err)
                : err instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && String(e.message).includes(c.names);
              if (!ok) problems.push(`${what}: refused with the wrong error: ${String(err)} (code ${e.code})`);
              continue;
            }
            await attempt;
            if (isBreak && !c.breaksAccepted) problems.push(`${what}: accepted (must be refused)`);
            for (const r of recorder.take()) {
              onWire++;
              const bad = dirt(r, c.cookies?.(p) ?? []);
              if (bad) problems.push(`${what}: ${bad}\n${r.head}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
      // The run did both things: refused values, and let legal ones reach the server.
      expect(refused).toBeGreaterThan(100);
      expect(onWire).toBeGreaterThan(10);
    });
  }

  it('ReconnectingWebSocket: options from beforeConnect are checked on every attempt, and nothing is sent', async () => {
    recorder.take();
    const r = new ReconnectingWebSocket(`${recorder.origin}/injection`, {
      beforeConnect: () => ({ headers: { 'X-A': BREAKS.CRLF } }),
      shouldReconnect: () => false,
    });
    const giveup = new Promise<{ cause: { error?: unknown } }>((resolve) => r.once('giveup', resolve));
    const { cause } = await giveup;
    expect(cause.error).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining('options.headers["X-A"]'),
    });
    expect(recorder.take()).toEqual([]);
  });
});

describe('option injection: libcurl options by name', () => {
  const names = [
    ...curlOptionNames().map(([name]) => name),
    ...Object.keys(CURLOPT_ALIASES).filter(
      (a) => CURLOPT_VALUE[(CURLOPTS as Record<string, { type: CurlOptType }>)[(CURLOPT_ALIASES as Record<string, string>)[a]!]!.type],
    ),
  ];

  it('Easy.setopt refuses CR, LF and NUL in every string and string-list option, naming it', () => {
    const easy = new Easy();
    const problems: string[] = [];
    try {
      for (const name of names) {
        const canonical = (CURLOPT_ALIASES as Record<string, string>)[name] ?? name;
        const make = CURLOPT_VALUE[(CURLOPTS as Record<string, { type: CurlOptType }>)[canonical]!.type]!;
        for (const [kind, p] of Object.entries(BREAKS)) {
          try {
            easy.setopt(name as 'CURLOPT_URL', make(p) as string);
            problems.push(`${name} with ${kind}: accepted`);
          } catch (err) {
            const e = err as { code?: string; message: string };
            const ok =
              err instanceof TypeError &&
              (e.code === 'ERR_INVALID_ARG_VALUE' || e.code === 'ERR_CURL_OPTION_UNSUPPORTED') &&
              e.message.includes(canonical);
            if (!ok) problems.push(`${name} with ${kind}: ${String(err)} (code ${e.code})`);
          }
        }
      }
    } finally {
      easy.close();
    }
    expect(problems).toEqual([]);
    expect(names.length).toBeGreaterThan(90);
  });

  it('the native layer refuses them too, if a path in lib/ ever forgot the check (defence in depth)', () => {
    const native = new binding.Easy();
    try {
      for (const p of Object.values(BREAKS)) {
        expect(() => native.setopt('CURLOPT_USERAGENT', p)).toThrow('CURLOPT_USERAGENT must not hold CR, LF or NUL');
        expect(() => native.setopt('CURLOPT_HTTPHEADER', ['X-Ok: 1', p])).toThrow('CURLOPT_HTTPHEADER must not hold CR, LF or NUL');
      }
    } finally {
      native.close();
    }
    const session = (init: Partial<SessionInit>): unknown =>
      new binding.Session(nativeSessionInit({ url: `${recorder.origin}/`, ...init }), {});
    for (const p of Object.values(BREAKS)) {
      expect(() => session({ headers: [`X-A: ${p}`] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => session({ protocols: [p] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => session({ url: `${recorder.origin}/${p}` })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(() => session({ curlOptions: [['CURLOPT_USERAGENT', p]] })).toThrow(/CURLOPT_USERAGENT must not hold CR, LF or NUL/);
    }
  });
});

/** Every CLI flag that takes a string: argv for a payload. */
interface CliCase {
  argv: (p: string, ctx: Context) => string[];
  breaksAccepted?: string;
  noSeparators?: true;
  cookies?: string[];
}
const FILE_NAME = 'a file name: the file is read (and is not there), the name is never sent';
const CLI_CASES: Record<string, CliCase> = {
  protocol: { argv: (p) => ['--protocol', p] },
  'close-reason': { argv: (p) => ['--close-reason', p], breaksAccepted: 'the close frame payload, never part of the request' },
  header: { argv: (p) => ['-H', `X-A: ${p}`] },
  user: { argv: (p) => ['-u', `${p}:pw`] },
  'oauth2-bearer': { argv: (p) => ['--oauth2-bearer', p] },
  'user-agent': { argv: (p) => ['-A', p] },
  cookie: { argv: (p) => ['-b', `n=${p}`], noSeparators: true, cookies: ['n'] },
  resolve: { argv: (p) => ['--resolve', `${p}:80:127.0.0.1`] },
  'connect-to': { argv: (p) => ['--connect-to', `${p}:80:127.0.0.1:1`] },
  'unix-socket': { argv: (p) => ['--unix-socket', `/nonexistent/${p}`] },
  interface: { argv: (p) => ['--interface', p] },
  cacert: { argv: (p) => ['--cacert', `/nonexistent/${p}`], breaksAccepted: FILE_NAME },
  cert: { argv: (p) => ['--cert', `/nonexistent/${p}`], breaksAccepted: FILE_NAME },
  'cert-type': { argv: (p, c) => ['--cert', c.pemFile, '--cert-type', p] },
  key: { argv: (p) => ['--key', `/nonexistent/${p}`], breaksAccepted: FILE_NAME },
  pass: { argv: (p) => ['--pass', p] },
  pinnedpubkey: { argv: (p) => ['--pinnedpubkey', `sha256//${p}`] },
  ciphers: { argv: (p) => ['--ciphers', p] },
  'tls-max': { argv: (p) => ['--tls-max', p] },
  'tls-keylog': { argv: (p) => ['--tls-keylog', `/nonexistent/${p}`] },
  proxy: { argv: (p, c) => ['-x', `${c.proxy}/${p}`] },
  'proxy-user': { argv: (p, c) => ['-x', c.proxy, '-U', `${p}:pw`] },
  'proxy-header': { argv: (p, c) => ['-x', c.proxy, '--proxy-header', `X-P: ${p}`] },
  noproxy: { argv: (p) => ['--noproxy', p] },
};

function runCli(cases: string[][]): Promise<{ code: number; err: string }[]> {
  const file = path.join(tmp, 'cases.json');
  writeFileSync(file, JSON.stringify(cases));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'cli-run.mjs'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`cli-run exited ${code}`))));
  });
}

describe('option injection: the curlws command', () => {
  it('every flag that takes a string: CR, LF and NUL are refused naming the flag (exit 2), legal values send a clean request', async () => {
    const cases: { what: string; argv: string[]; isBreak: boolean; flag: (typeof SPECS)[number]; c: CliCase }[] = [];
    for (const flag of SPECS.filter((s) => s.kind === 'string' || s.kind === 'list')) {
      const c = CLI_CASES[flag.long];
      if (!c) throw new Error(`no value generator for the flag --${flag.long}: add one to CLI_CASES`);
      for (const [kind, p, isBreak] of payloads(c)) {
        cases.push({ what: `--${flag.long} with ${kind}`, argv: [...c.argv(p, ctx), `${recorder.origin}/cli`], isBreak, flag, c });
      }
    }
    // Header files: each line is a header; NUL and a lone CR inside a line are refused too.
    const headerFile = path.join(tmp, 'headers.txt');
    writeFileSync(headerFile, `X-A: ok\nX-B: a\0X-Injected: 1\nX-C: a\rX-Injected: 1\n`);
    const header = SPECS.find((s) => s.long === 'header')!;
    cases.push({
      what: '-H @file with NUL and CR',
      argv: ['-H', `@${headerFile}`, `${recorder.origin}/cli`],
      isBreak: true,
      flag: header,
      c: {} as CliCase,
    });
    cases.push({ what: 'the URL', argv: [`${recorder.origin}/a\r\nX-Injected: 1`], isBreak: false, flag: header, c: {} as CliCase });

    recorder.take();
    const results = await runCli(cases.map((c) => c.argv));
    const problems: string[] = [];
    results.forEach(({ code, err }, i) => {
      const { what, isBreak, flag, c } = cases[i]!;
      const named = err.includes(`option --${flag.long}`) || (flag.short !== undefined && err.includes(`option -${flag.short}`));
      if (code === 2 && named) return;
      if (isBreak && !c.breaksAccepted) problems.push(`${what}: exit ${code} (must be 2 naming the flag): ${err}`);
    });
    for (const r of recorder.take()) {
      const bad = dirt(r, ['n']);
      if (bad) problems.push(`curlws command: ${bad}\n${r.head}`);
    }
    expect(problems).toEqual([]);
  });
});

/**
 * The one policy for libcurl options passed by `CURLOPT_*` name, for both APIs that take them:
 * `connect({ curl: { … } })` (the escape hatch) and `Easy.setopt()` (curlws/curl). The option
 * table itself (names, numbers, CURLOPTTYPE_*) is generated from the pinned curl.h
 * (lib/core/curl-symbols.ts); this file is the judgement on top:
 *
 * - {@link CURL_OPTION_POLICY}: which options each API refuses, and why (the reason is the
 *   error message). A row names the APIs that refuse the option; an API without an entry
 *   accepts it. Options every API refuses cannot work in a Node process or for a WebSocket
 *   upgrade; options only connect() refuses are the ones its engine sets itself, or ones that
 *   would make libcurl write to the process's stdout/stderr.
 * - refusals by kind: other protocols' options, and C callbacks/pointers that cannot be passed
 *   from JavaScript (curlws/curl bridges a few);
 * - {@link VALUE_POLICY}: values refused for an option that is otherwise accepted;
 * - value types, with the CR/LF/NUL rule of lib/core/request-values.ts for every string.
 *
 * docs/libcurl.md (curlws/curl) and docs/api.md (options.curl) show the table to users.
 */
import { codedError, invalidArgType, invalidArgValue, outOfRange } from './errors';
import { CURLOPT_ALIASES, CURLOPTS } from './curl-symbols';
import type { CurlOptType } from './curl-symbols';
import { wireString } from './request-values';
import { suggest } from './validate';

/** The APIs that take libcurl options by name. */
export type CurlApi = 'connect' | 'easy';

/** Every `CURLOPT_*` name of the pinned libcurl (aliases excluded). */
export type CurlOptionName = keyof typeof CURLOPTS;
/** Old names curl.h still accepts for renamed options (e.g. `CURLOPT_ENCODING`). */
export type CurlOptionAlias = keyof typeof CURLOPT_ALIASES;

/** A value for a libcurl option: numbers/booleans (long), strings, string lists, blobs. */
export type CurlOptionValue = number | boolean | string | string[] | Buffer | null;

/** Looks a CURLOPT_* name up in the linked libcurl (the native binding's `curlOption`). */
export type CurlOptionLookup = (name: string) => {
  name: string;
  type: 'long' | 'values' | 'off_t' | 'string' | 'slist' | 'blob' | 'object' | 'cbptr' | 'function';
} | null;

/** How a value is passed: the CURLOPTTYPE_* family, plus curlws/curl's JS-side options. */
export type OptionKind =
  | 'long'
  | 'off_t'
  | 'string'
  | 'slist'
  | 'blob'
  /** WRITEFUNCTION, HEADERFUNCTION, DEBUGFUNCTION, READFUNCTION: a JS function (curlws/curl only) */
  | 'function'
  /** WRITEDATA, HEADERDATA, DEBUGDATA, READDATA: any JS value, passed to the callback (curlws/curl only) */
  | 'userdata'
  /** CURLOPT_PRIVATE: any JS value, returned by getinfo('CURLINFO_PRIVATE') (curlws/curl only) */
  | 'private';

export interface OptionRule {
  /** canonical name (aliases resolved) */
  name: CurlOptionName;
  id: number;
  kind: OptionKind;
}

/** The callbacks curlws/curl bridges to JS, and their data options. */
export const CALLBACKS = {
  CURLOPT_WRITEFUNCTION: { kind: 0, data: 'CURLOPT_WRITEDATA' },
  CURLOPT_HEADERFUNCTION: { kind: 1, data: 'CURLOPT_HEADERDATA' },
  CURLOPT_DEBUGFUNCTION: { kind: 2, data: 'CURLOPT_DEBUGDATA' },
  CURLOPT_READFUNCTION: { kind: 3, data: 'CURLOPT_READDATA' },
} as const;
export type CallbackOptionName = keyof typeof CALLBACKS;
const USERDATA = new Set<string>(Object.values(CALLBACKS).map((c) => c.data));

/** Why an option is refused, per API; an API without an entry accepts it. */
export type Refusal = Readonly<Partial<Record<CurlApi, string>>>;

const everywhere = (why: string): Refusal => ({ connect: why, easy: why });

const WS_ONLY = 'curlws speaks ws:// and wss:// only';
const BODY = 'a WebSocket upgrade is a GET without a request body (messages are sent after the upgrade)';
// libcurl's read-callback send model (8.16+): each read becomes WebSocket frame payload.
const ENGINE_SENDS = 'the engine sends the messages itself (send() on the connection)';
const GET_ONLY = 'the upgrade request is a plain GET: no ranges, conditions or custom methods';
const H1_ONLY = 'WebSocket over libcurl is HTTP/1.1 only';
const TOTAL_TIMEOUT = 'use handshakeTimeout (a total timeout would cut the open connection on some libcurl versions)';

/** The table. Keep docs/libcurl.md#refused-options and docs/api.md#optionscurl in step. */
export const CURL_OPTION_POLICY: Readonly<Record<string, Refusal>> = {
  // ---- refused everywhere: cannot work in a Node process or for a WebSocket upgrade ----------
  CURLOPT_NOSIGNAL: everywhere('curlws always sets it to 1 (Node owns the process signals)'),
  CURLOPT_PROTOCOLS: everywhere(WS_ONLY),
  CURLOPT_PROTOCOLS_STR: everywhere(WS_ONLY),
  CURLOPT_REDIR_PROTOCOLS: everywhere(WS_ONLY),
  CURLOPT_REDIR_PROTOCOLS_STR: everywhere(WS_ONLY),
  CURLOPT_DEFAULT_PROTOCOL: everywhere(WS_ONLY),
  CURLOPT_ERRORBUFFER: { connect: 'curlws reads it for its error messages', easy: 'read easy.errorBuffer instead' },
  CURLOPT_SHARE: everywhere('share handles are not exposed (every handle of an environment shares one connection pool already)'),
  CURLOPT_STDERR: everywhere(
    "a C FILE*: use the verbose option (connect()) or CURLOPT_DEBUGFUNCTION (curlws/curl) to receive libcurl's trace",
  ),
  CURLOPT_CURLU: everywhere('a C CURLU*: pass the URL as a string'),
  // A request body. curlws/curl takes UPLOAD + READFUNCTION: with a WebSocket URL they are
  // libcurl's read-callback send model (each read becomes frame payload), not a body.
  CURLOPT_READFUNCTION: { connect: ENGINE_SENDS },
  CURLOPT_READDATA: { connect: ENGINE_SENDS },
  CURLOPT_UPLOAD: { connect: ENGINE_SENDS },
  CURLOPT_UPLOAD_BUFFERSIZE: { connect: ENGINE_SENDS },
  CURLOPT_SEEKFUNCTION: everywhere(BODY),
  CURLOPT_SEEKDATA: everywhere(BODY),
  CURLOPT_UPLOAD_FLAGS: everywhere(BODY),
  CURLOPT_PUT: everywhere(BODY),
  CURLOPT_POST: everywhere(BODY),
  CURLOPT_POSTFIELDS: everywhere(BODY),
  CURLOPT_COPYPOSTFIELDS: everywhere(BODY),
  CURLOPT_POSTFIELDSIZE: everywhere(BODY),
  CURLOPT_POSTFIELDSIZE_LARGE: everywhere(BODY),
  CURLOPT_HTTPPOST: everywhere(BODY),
  CURLOPT_MIMEPOST: everywhere(BODY),
  CURLOPT_MIME_OPTIONS: everywhere(BODY),
  CURLOPT_POSTREDIR: everywhere(BODY),
  CURLOPT_INFILESIZE: everywhere(BODY),
  CURLOPT_INFILESIZE_LARGE: everywhere(BODY),
  CURLOPT_EXPECT_100_TIMEOUT_MS: everywhere(BODY),
  CURLOPT_KEEP_SENDING_ON_ERROR: everywhere(BODY),
  CURLOPT_CRLF: everywhere(BODY),
  CURLOPT_CUSTOMREQUEST: everywhere(GET_ONLY),
  CURLOPT_NOBODY: everywhere(GET_ONLY),
  CURLOPT_RANGE: everywhere(GET_ONLY),
  CURLOPT_RESUME_FROM: everywhere(GET_ONLY),
  CURLOPT_RESUME_FROM_LARGE: everywhere(GET_ONLY),
  CURLOPT_TIMECONDITION: everywhere(GET_ONLY),
  CURLOPT_TIMEVALUE: everywhere(GET_ONLY),
  CURLOPT_TIMEVALUE_LARGE: everywhere(GET_ONLY),
  CURLOPT_STREAM_WEIGHT: everywhere(H1_ONLY),
  CURLOPT_STREAM_DEPENDS: everywhere(H1_ONLY),
  CURLOPT_STREAM_DEPENDS_E: everywhere(H1_ONLY),

  // ---- refused by connect() only: its engine sets them, or they would write to stdout/stderr --
  // (curlws/curl leaves them to the caller, with libcurl's semantics, as C code would.)
  CURLOPT_URL: { connect: 'pass the URL to connect()' },
  CURLOPT_CONNECT_ONLY: { connect: 'the engine drives the connection itself (CONNECT_ONLY = 2)' },
  CURLOPT_WS_OPTIONS: { connect: 'the engine answers PINGs and parses frames itself (use the autoPong option)' },
  CURLOPT_HTTPHEADER: { connect: 'use the headers option' },
  CURLOPT_PRIVATE: { connect: 'the engine finds the connection by it' },
  CURLOPT_VERBOSE: { connect: 'use the verbose option' },
  CURLOPT_TIMEOUT: { connect: TOTAL_TIMEOUT },
  CURLOPT_TIMEOUT_MS: { connect: TOTAL_TIMEOUT },
  CURLOPT_FOLLOWLOCATION: { connect: 'libcurl never follows a WebSocket redirect; use followRedirects' },
  CURLOPT_HTTP_VERSION: { connect: H1_ONLY },
  CURLOPT_HTTPPROXYTUNNEL: { connect: 'ws:// through an HTTP proxy must tunnel with CONNECT' },
  CURLOPT_HEADER: {
    connect: "libcurl would write the server's response headers to the process's stdout (read connection.handshake.headers instead)",
  },
  CURLOPT_NOPROGRESS: { connect: "libcurl would draw its progress meter on the process's stderr" },
};

/** Values refused for an option that is otherwise accepted (after type normalisation). */
const VALUE_POLICY: Readonly<Record<string, Partial<Record<CurlApi, (value: unknown) => string | undefined>>>> = {
  CURLOPT_CONNECT_ONLY: {
    easy: (v) =>
      v === 0 || v === 1 || v === 2
        ? undefined
        : 'must be 0, 1 (connect only: then easy.send()/easy.recv()) or 2 (connect and upgrade to WebSocket)',
  },
  CURLOPT_COOKIEFILE: {
    connect: stdinCookies,
    easy: stdinCookies,
  },
  CURLOPT_COOKIEJAR: { connect: (v) => (v === '-' ? '"-" writes the cookies to the process\'s stdout' : undefined) },
  CURLOPT_REQUEST_TARGET: {
    connect: spaceInTarget,
    easy: spaceInTarget,
  },
};

function stdinCookies(v: unknown): string | undefined {
  return v === '-' ? '"-" reads cookies from the process\'s stdin, which would block the event loop' : undefined;
}

function spaceInTarget(v: unknown): string | undefined {
  return typeof v === 'string' && /[ \t]/.test(v)
    ? 'a space or tab would end the request target and start a new field of the request line'
    : undefined;
}

/** Options of other protocols, by name pattern: refused everywhere. */
const OTHER_PROTOCOLS: readonly [RegExp, string][] = [
  [
    /^CURLOPT_(FTP|FTPPORT$|FTPSSLAUTH$|QUOTE$|POSTQUOTE$|PREQUOTE$|DIRLISTONLY$|APPEND$|TRANSFERTEXT$|PROXY_TRANSFER_MODE$|WILDCARDMATCH$|ACCEPTTIMEOUT_MS$|KRBLEVEL$)/,
    'an FTP option',
  ],
  [/^CURLOPT_(SSH_|NEW_FILE_PERMS$|NEW_DIRECTORY_PERMS$)/, 'an SSH/SFTP/SCP option'],
  [/^CURLOPT_(MAIL_|LOGIN_OPTIONS$|SASL_|USE_SSL$|SERVER_RESPONSE_TIMEOUT)/, 'an option of FTP and the mail protocols (SMTP, IMAP, POP3)'],
  [/^CURLOPT_TFTP_/, 'a TFTP option'],
  [/^CURLOPT_RTSP_/, 'an RTSP option'],
  [/^CURLOPT_TELNETOPTIONS$/, 'a TELNET option'],
];

/** C callbacks and pointers, by type, per API (curlws/curl bridges a few, see {@link CALLBACKS}). */
const POINTER_TYPES: Readonly<Partial<Record<CurlOptType, Record<CurlApi, string>>>> = {
  FUNCTIONPOINT: {
    connect: 'a C callback, which cannot be set from JavaScript (the engine owns the transfer; use its events)',
    easy: 'a C callback curlws/curl does not bridge to JS (bridged: CURLOPT_WRITEFUNCTION, CURLOPT_READFUNCTION, CURLOPT_HEADERFUNCTION, CURLOPT_DEBUGFUNCTION)',
  },
  CBPOINT: {
    connect: 'the data pointer of a C callback, which cannot be set from JavaScript',
    easy: 'the data pointer of a C callback curlws/curl does not bridge to JS',
  },
  OBJECTPOINT: {
    connect: 'a C pointer, which cannot be set from JavaScript',
    easy: 'a C pointer option curlws/curl cannot pass from JS',
  },
};

/** Why `api` refuses the option, or undefined when it accepts it. */
export function curlOptionRefusal(api: CurlApi, name: string, type: CurlOptType): string | undefined {
  const byName = CURL_OPTION_POLICY[name]?.[api];
  if (byName) return byName;
  for (const [re, what] of OTHER_PROTOCOLS) if (re.test(name)) return `${what}; ${WS_ONLY}`;
  if (api === 'easy' && (name === 'CURLOPT_PRIVATE' || name in CALLBACKS || USERDATA.has(name))) return undefined;
  return POINTER_TYPES[type]?.[api];
}

const KIND: Readonly<Record<CurlOptType, OptionKind | undefined>> = {
  LONG: 'long',
  VALUES: 'long',
  OFF_T: 'off_t',
  STRINGPOINT: 'string',
  SLISTPOINT: 'slist',
  BLOB: 'blob',
  OBJECTPOINT: undefined,
  CBPOINT: undefined,
  FUNCTIONPOINT: undefined,
};

/** The native option table's type names, as curl.h spells them. */
const LINKED_TYPE: Readonly<Record<NonNullable<ReturnType<CurlOptionLookup>>['type'], CurlOptType>> = {
  long: 'LONG',
  values: 'VALUES',
  off_t: 'OFF_T',
  string: 'STRINGPOINT',
  slist: 'SLISTPOINT',
  blob: 'BLOB',
  object: 'OBJECTPOINT',
  cbptr: 'CBPOINT',
  function: 'FUNCTIONPOINT',
};

const CODE: Record<CurlApi, string> = { connect: 'ERR_INVALID_ARG_VALUE', easy: 'ERR_CURL_OPTION_UNSUPPORTED' };

function subject(api: CurlApi, given: string, canonical: string): string {
  const alias = given.toUpperCase().replace(/^(?!CURLOPT_)/, 'CURLOPT_') === canonical ? '' : ` (${given} is an old name of ${canonical})`;
  return api === 'connect'
    ? `options.curl.${given}${alias} is refused by connect()`
    : `${canonical} is not supported by curlws/curl${alias}`;
}

/**
 * Look an option name up and apply the policy of `api`.
 * @param name - `CURLOPT_*` (the prefix may be omitted; any letter case, as libcurl's own lookup)
 * @param linked - connect() only: the linked libcurl's table, to refuse what it lacks and accept
 *   what a newer system libcurl has beyond the pinned one
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for an unknown name (with a did-you-mean); for a
 *   refused option `ERR_INVALID_ARG_VALUE` (connect) or `ERR_CURL_OPTION_UNSUPPORTED` (easy),
 *   the message giving the reason.
 */
export function curlOptionRule(api: CurlApi, name: unknown, linked?: CurlOptionLookup): OptionRule {
  if (typeof name !== 'string') throw invalidArgValue(api === 'connect' ? 'options.curl' : 'name', name, 'a CURLOPT_* name');
  const inCurl = api === 'connect' ? ' in options.curl' : '';
  const upper = name.toUpperCase().replace(/^(?!CURLOPT_)/, 'CURLOPT_');
  const canonical = (CURLOPT_ALIASES as Record<string, string>)[upper] ?? upper;
  const pinned = (CURLOPTS as Record<string, { id: number; type: CurlOptType }>)[canonical];
  const native = linked?.(name);
  if (linked && !native) {
    const hint = pinned ? '' : suggest(upper, Object.keys(CURLOPTS));
    const known = pinned ? ` (${canonical} is newer than the linked libcurl)` : '';
    throw codedError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `Unknown libcurl option "${name}"${inCurl}${known}` + (hint ? `; did you mean "${hint}"?` : ''),
    );
  }
  const entry = pinned ?? (native ? { id: -1, type: LINKED_TYPE[native.type] } : undefined);
  const resolved = pinned ? canonical : (native?.name ?? canonical);
  if (!entry) {
    const hint = suggest(upper, Object.keys(CURLOPTS));
    throw codedError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `Unknown libcurl option "${name}"${inCurl}` + (hint ? `; did you mean "${hint}"?` : ''),
    );
  }
  const why = curlOptionRefusal(api, resolved, entry.type);
  if (why !== undefined) throw codedError(TypeError, CODE[api], `${subject(api, name, resolved)}: ${why}`);
  const rule = (kind: OptionKind): OptionRule => ({ name: resolved as CurlOptionName, id: entry.id, kind });
  if (api === 'easy') {
    if (resolved === 'CURLOPT_PRIVATE') return rule('private');
    if (resolved in CALLBACKS) return rule('function');
    if (USERDATA.has(resolved)) return rule('userdata');
  }
  const kind = KIND[entry.type];
  // Unreachable while POINTER_TYPES covers every pointer type; kept so a new type fails closed.
  if (kind === undefined) throw codedError(TypeError, CODE[api], `${subject(api, name, resolved)}: not settable from JavaScript`);
  return rule(kind);
}

const MAX_LONG = Number.MAX_SAFE_INTEGER;

function integer(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(where, 'an integer', value);
  if (value < -MAX_LONG || value > MAX_LONG) throw outOfRange(where, `an integer from ${-MAX_LONG} to ${MAX_LONG}`, value);
  return value;
}

/**
 * Check and normalise a value for a plain option (long, off_t, string, slist, blob), then apply
 * {@link VALUE_POLICY}. Strings and list entries go through the CR/LF/NUL rule. `null` resets a
 * string, list or blob option, as NULL does in C.
 * @param where - the option as messages name it (`CURLOPT_URL`, `options.curl.CURLOPT_URL`)
 * @returns booleans as 0/1, bigints as numbers, Uint8Arrays as Buffers, lists copied
 */
export function curlOptionValue(api: CurlApi, rule: OptionRule, value: unknown, where: string): CurlOptionValue {
  let v: CurlOptionValue;
  switch (rule.kind) {
    case 'long':
      v = typeof value === 'boolean' ? (value ? 1 : 0) : integer(where, value);
      break;
    case 'off_t':
      if (typeof value === 'bigint') {
        if (value > BigInt(MAX_LONG) || value < -BigInt(MAX_LONG)) throw outOfRange(where, 'a safe integer', value);
        v = Number(value);
      } else v = integer(where, value);
      break;
    case 'string':
      v = value === null ? null : wireString(where, value, 'a string or null');
      break;
    case 'slist':
      if (value === null) v = null;
      else {
        if (!Array.isArray(value)) throw invalidArgType(where, 'an array of strings or null', value);
        v = value.map((s: unknown, i) => wireString(`${where}[${i}]`, s));
      }
      break;
    case 'blob':
      if (value === null) v = null;
      else if (value instanceof Uint8Array)
        v = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      else throw invalidArgType(where, 'a Buffer or Uint8Array', value);
      break;
    default:
      throw codedError(TypeError, CODE[api], `${where} is not a plain option`);
  }
  const why = VALUE_POLICY[rule.name]?.[api]?.(v);
  if (why !== undefined) throw codedError(TypeError, CODE[api], `${where} = ${JSON.stringify(v)} is refused: ${why}`);
  return v;
}

/**
 * Which libcurl options `curlws/curl` accepts, and how their values are typed in JS. The option
 * table itself (names, numbers, CURLOPTTYPE_*) is generated from the pinned curl.h
 * (lib/curl-symbols.ts); this file is the judgement on top: an option that makes no sense for a
 * WebSocket transfer (another protocol's, a request body, a C pointer curlws cannot bridge) is
 * refused with the reason, instead of being silently accepted and ignored.
 */
import { codedError, invalidArgValue } from './errors';
import { CURLOPT_ALIASES, CURLOPTS } from './curl-symbols';
import type { CurlOptType } from './curl-symbols';
import { suggest } from './validate';

/** Every `CURLOPT_*` name of the pinned libcurl (aliases excluded). */
export type CurlOptionName = keyof typeof CURLOPTS;
/** Old names curl.h still accepts for renamed options (e.g. `CURLOPT_ENCODING`). */
export type CurlOptionAlias = keyof typeof CURLOPT_ALIASES;

/** How a value is passed: the CURLOPTTYPE_* family, plus the JS-side options. */
export type OptionKind =
  | 'long'
  | 'off_t'
  | 'string'
  | 'slist'
  | 'blob'
  /** WRITEFUNCTION, HEADERFUNCTION, DEBUGFUNCTION: a JS function */
  | 'function'
  /** WRITEDATA, HEADERDATA, DEBUGDATA: any JS value, passed to the callback */
  | 'userdata'
  /** CURLOPT_PRIVATE: any JS value, returned by getinfo('CURLINFO_PRIVATE') */
  | 'private';

export interface OptionRule {
  /** canonical name (aliases resolved) */
  name: CurlOptionName;
  id: number;
  kind: OptionKind;
}

/** The callbacks bridged to JS, and their data options. */
export const CALLBACKS = {
  CURLOPT_WRITEFUNCTION: { kind: 0, data: 'CURLOPT_WRITEDATA' },
  CURLOPT_HEADERFUNCTION: { kind: 1, data: 'CURLOPT_HEADERDATA' },
  CURLOPT_DEBUGFUNCTION: { kind: 2, data: 'CURLOPT_DEBUGDATA' },
} as const;
export type CallbackOptionName = keyof typeof CALLBACKS;
const USERDATA = new Set<string>(Object.values(CALLBACKS).map((c) => c.data));

const WS_ONLY = 'curlws/curl speaks ws:// and wss:// only';
const BODY = 'a WebSocket upgrade is a GET without a request body (send data with wsSend())';
const GET_ONLY = 'the upgrade request is a plain GET: no ranges, conditions or custom methods';
const H1_ONLY = 'WebSocket over libcurl is HTTP/1.1 only';

/** Refused by name: the reason says why and what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  CURLOPT_ERRORBUFFER: 'read easy.errorBuffer instead',
  CURLOPT_NOSIGNAL: 'curlws always sets it to 1 (Node owns the process signals)',
  CURLOPT_PROTOCOLS: WS_ONLY,
  CURLOPT_PROTOCOLS_STR: WS_ONLY,
  CURLOPT_REDIR_PROTOCOLS: WS_ONLY,
  CURLOPT_REDIR_PROTOCOLS_STR: WS_ONLY,
  CURLOPT_DEFAULT_PROTOCOL: WS_ONLY,
  CURLOPT_SHARE: "share handles are not exposed (every Easy shares the environment's connection pool already)",
  CURLOPT_STDERR: "a C FILE*: use CURLOPT_DEBUGFUNCTION to receive libcurl's trace",
  CURLOPT_CURLU: 'a C CURLU*: pass the URL as CURLOPT_URL',
  CURLOPT_READFUNCTION: BODY,
  CURLOPT_READDATA: BODY,
  CURLOPT_SEEKFUNCTION: BODY,
  CURLOPT_SEEKDATA: BODY,
  CURLOPT_UPLOAD: BODY,
  CURLOPT_UPLOAD_BUFFERSIZE: BODY,
  CURLOPT_UPLOAD_FLAGS: BODY,
  CURLOPT_PUT: BODY,
  CURLOPT_POST: BODY,
  CURLOPT_POSTFIELDS: BODY,
  CURLOPT_COPYPOSTFIELDS: BODY,
  CURLOPT_POSTFIELDSIZE: BODY,
  CURLOPT_POSTFIELDSIZE_LARGE: BODY,
  CURLOPT_HTTPPOST: BODY,
  CURLOPT_MIMEPOST: BODY,
  CURLOPT_MIME_OPTIONS: BODY,
  CURLOPT_POSTREDIR: BODY,
  CURLOPT_INFILESIZE: BODY,
  CURLOPT_INFILESIZE_LARGE: BODY,
  CURLOPT_EXPECT_100_TIMEOUT_MS: BODY,
  CURLOPT_KEEP_SENDING_ON_ERROR: BODY,
  CURLOPT_CRLF: BODY,
  CURLOPT_CUSTOMREQUEST: GET_ONLY,
  CURLOPT_NOBODY: GET_ONLY,
  CURLOPT_RANGE: GET_ONLY,
  CURLOPT_RESUME_FROM: GET_ONLY,
  CURLOPT_RESUME_FROM_LARGE: GET_ONLY,
  CURLOPT_TIMECONDITION: GET_ONLY,
  CURLOPT_TIMEVALUE: GET_ONLY,
  CURLOPT_TIMEVALUE_LARGE: GET_ONLY,
  CURLOPT_STREAM_WEIGHT: H1_ONLY,
  CURLOPT_STREAM_DEPENDS: H1_ONLY,
  CURLOPT_STREAM_DEPENDS_E: H1_ONLY,
};

/** Options of other protocols, by name pattern. */
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

function refusal(name: string, type: CurlOptType): string | undefined {
  const byName = REFUSED[name];
  if (byName) return byName;
  for (const [re, what] of OTHER_PROTOCOLS) if (re.test(name)) return `${what}; ${WS_ONLY}`;
  if (type === 'FUNCTIONPOINT') {
    return 'a C callback curlws/curl does not bridge to JS (bridged: CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION, CURLOPT_DEBUGFUNCTION)';
  }
  if (type === 'CBPOINT') return 'the data pointer of a C callback curlws/curl does not bridge to JS';
  if (type === 'OBJECTPOINT') return 'a C pointer option curlws/curl cannot pass from JS';
  return undefined;
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

/**
 * Look an option name up and apply the policy.
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for a name the pinned libcurl does not have (with a
 *   did-you-mean), TypeError `ERR_CURL_OPTION_UNSUPPORTED` for one curlws/curl refuses.
 */
export function optionRule(name: unknown): OptionRule {
  if (typeof name !== 'string') throw invalidArgValue('name', name, 'a CURLOPT_* name');
  const canonical = (CURLOPT_ALIASES as Record<string, string>)[name] ?? name;
  const entry = (CURLOPTS as Record<string, { id: number; type: CurlOptType }>)[canonical];
  if (!entry) {
    const hint = suggest(name, Object.keys(CURLOPTS));
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `Unknown libcurl option "${name}"` + (hint ? `; did you mean "${hint}"?` : ''));
  }
  const rule = (kind: OptionKind): OptionRule => ({ name: canonical as CurlOptionName, id: entry.id, kind });
  if (canonical === 'CURLOPT_PRIVATE') return rule('private');
  if (canonical in CALLBACKS) return rule('function');
  if (USERDATA.has(canonical)) return rule('userdata');
  const why = refusal(canonical, entry.type);
  const kind = KIND[entry.type];
  if (why !== undefined || kind === undefined) {
    const alias = canonical === name ? '' : ` (${name} is an old name of ${canonical})`;
    throw codedError(
      TypeError,
      'ERR_CURL_OPTION_UNSUPPORTED',
      `${canonical} is not supported by curlws/curl${alias}: ${why ?? 'not settable from JS'}`,
    );
  }
  return rule(kind);
}

/**
 * Command-line parsing for the `curlws` command (lib/cli/main.ts): the option table, curl-style
 * argv parsing (bundled short flags, `-Hvalue`, `--opt value`, `--opt=value`, `--no-<flag>`,
 * `--`), and the usage errors curl prints (exit 2). No dependencies, no native code: `--help` and
 * usage errors work without loading the addon.
 */

/** A usage error: printed as `curlws: <message>` plus a hint, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type Kind = 'flag' | 'string' | 'list' | 'seconds' | 'int' | 'count';

/** One flag of the command (the option-injection test iterates the table). */
export interface Spec {
  long: string;
  short?: string;
  kind: Kind;
  /** metavariable in --help */
  meta?: string;
  help: string;
  group: 'connection' | 'session' | 'tls' | 'proxy' | 'output' | 'info';
}

export const SPECS: readonly Spec[] = [
  // ---- session: what goes over the WebSocket ----
  {
    long: 'once',
    short: 'n',
    kind: 'flag',
    group: 'session',
    help: 'Send all of stdin as one message, print --count replies (default 1), close, exit',
  },
  { long: 'count', kind: 'int', meta: 'N', group: 'session', help: 'Close and exit after N messages received' },
  { long: 'binary', kind: 'flag', group: 'session', help: 'Send stdin as binary messages (default: text)' },
  { long: 'protocol', kind: 'list', meta: 'NAME', group: 'session', help: 'Offer this subprotocol (repeatable, most preferred first)' },
  {
    long: 'ping-interval',
    kind: 'seconds',
    meta: 'SECONDS',
    group: 'session',
    help: 'Send a PING every SECONDS; drop the connection if no PONG',
  },
  {
    long: 'pong-timeout',
    kind: 'seconds',
    meta: 'SECONDS',
    group: 'session',
    help: 'Wait this long for each PONG (default: the ping interval)',
  },
  { long: 'close-code', kind: 'int', meta: 'CODE', group: 'session', help: 'Close code sent at the end (default 1000)' },
  {
    long: 'close-timeout',
    kind: 'seconds',
    meta: 'SECONDS',
    group: 'session',
    help: "Wait this long for the server's CLOSE after ours (default 30)",
  },
  { long: 'close-reason', kind: 'string', meta: 'TEXT', group: 'session', help: 'Close reason sent at the end' },
  {
    long: 'max-time',
    short: 'm',
    kind: 'seconds',
    meta: 'SECONDS',
    group: 'session',
    help: 'Maximum time for the whole session; exit 28 when it runs out',
  },
  // ---- connection: how the handshake is made ----
  {
    long: 'header',
    short: 'H',
    kind: 'list',
    meta: 'LINE',
    group: 'connection',
    help: "Extra request header 'Name: value' ('Name;' sends it empty, @FILE reads lines)",
  },
  { long: 'user', short: 'u', kind: 'string', meta: 'USER:PASSWORD', group: 'connection', help: 'HTTP Basic credentials' },
  { long: 'oauth2-bearer', kind: 'string', meta: 'TOKEN', group: 'connection', help: 'Bearer token (Authorization: Bearer)' },
  { long: 'user-agent', short: 'A', kind: 'string', meta: 'NAME', group: 'connection', help: 'User-Agent header' },
  { long: 'cookie', short: 'b', kind: 'string', meta: 'NAME=VALUE[; …]', group: 'connection', help: 'Cookie header' },
  { long: 'location', short: 'L', kind: 'flag', group: 'connection', help: 'Follow redirects of the handshake' },
  {
    long: 'compressed',
    kind: 'flag',
    group: 'connection',
    help: 'Offer permessage-deflate (RFC 7692): messages compressed on the wire if the server agrees',
  },
  { long: 'max-redirs', kind: 'int', meta: 'N', group: 'connection', help: 'Maximum redirects with -L (default 10)' },
  { long: 'resolve', kind: 'list', meta: 'HOST:PORT:ADDR[,ADDR]', group: 'connection', help: 'Use ADDR for HOST:PORT (repeatable)' },
  {
    long: 'connect-to',
    kind: 'list',
    meta: 'HOST1:PORT1:HOST2:PORT2',
    group: 'connection',
    help: 'Connect to HOST2:PORT2 instead (repeatable)',
  },
  { long: 'unix-socket', kind: 'string', meta: 'PATH', group: 'connection', help: 'Connect through this Unix domain socket' },
  {
    long: 'connect-timeout',
    kind: 'seconds',
    meta: 'SECONDS',
    group: 'connection',
    help: 'Maximum time for TCP connect + TLS (fractions allowed)',
  },
  { long: 'ipv4', short: '4', kind: 'flag', group: 'connection', help: 'Resolve names to IPv4 addresses only' },
  { long: 'ipv6', short: '6', kind: 'flag', group: 'connection', help: 'Resolve names to IPv6 addresses only' },
  { long: 'interface', kind: 'string', meta: 'NAME|ADDRESS', group: 'connection', help: 'Bind to this network interface or local address' },
  // ---- tls ----
  { long: 'insecure', short: 'k', kind: 'flag', group: 'tls', help: 'Do not verify the server certificate and host name' },
  { long: 'cacert', kind: 'string', meta: 'FILE', group: 'tls', help: 'Trust the CA certificates in this PEM file' },
  {
    long: 'cert',
    short: 'E',
    kind: 'string',
    meta: 'FILE[:PASSPHRASE]',
    group: 'tls',
    help: 'Client certificate (PEM; may hold the key too)',
  },
  { long: 'cert-type', kind: 'string', meta: 'PEM|P12', group: 'tls', help: 'Type of --cert (default PEM)' },
  { long: 'key', kind: 'string', meta: 'FILE', group: 'tls', help: 'Client private key (PEM)' },
  { long: 'pass', kind: 'string', meta: 'PASSPHRASE', group: 'tls', help: 'Passphrase of the private key' },
  { long: 'pinnedpubkey', kind: 'string', meta: 'sha256//HASH[;…]', group: 'tls', help: 'Public key pin(s) of the server' },
  { long: 'ciphers', kind: 'string', meta: 'LIST', group: 'tls', help: 'OpenSSL cipher list (TLS_* names set TLS 1.3 suites)' },
  { long: 'tlsv1.0', kind: 'flag', group: 'tls', help: 'Use TLS 1.0 or later' },
  { long: 'tlsv1.1', kind: 'flag', group: 'tls', help: 'Use TLS 1.1 or later' },
  { long: 'tlsv1.2', kind: 'flag', group: 'tls', help: 'Use TLS 1.2 or later' },
  { long: 'tlsv1.3', kind: 'flag', group: 'tls', help: 'Use TLS 1.3' },
  { long: 'tls-max', kind: 'string', meta: 'VERSION', group: 'tls', help: 'Highest TLS version: 1.0, 1.1, 1.2 or 1.3' },
  {
    long: 'tls-keylog',
    kind: 'string',
    meta: 'FILE',
    group: 'tls',
    help: 'Append TLS secrets to FILE (for Wireshark; SSLKEYLOGFILE is ignored)',
  },
  // ---- proxy ----
  {
    long: 'proxy',
    short: 'x',
    kind: 'string',
    meta: '[SCHEME://]HOST[:PORT]',
    group: 'proxy',
    help: "Use this proxy (http, https, socks4, socks4a, socks5, socks5h); '' disables",
  },
  { long: 'proxy-user', short: 'U', kind: 'string', meta: 'USER:PASSWORD', group: 'proxy', help: 'Proxy credentials' },
  { long: 'proxy-header', kind: 'list', meta: 'LINE', group: 'proxy', help: "Header for the proxy's CONNECT only (repeatable)" },
  { long: 'noproxy', kind: 'string', meta: 'HOSTS', group: 'proxy', help: "Comma-separated hosts that bypass the proxy ('*' for all)" },
  // ---- output ----
  { long: 'raw', kind: 'flag', group: 'output', help: 'Write binary messages as raw bytes (default: one line of hex)' },
  { long: 'verbose', short: 'v', kind: 'count', group: 'output', help: 'Trace the connection on stderr (twice: also every frame)' },
  { long: 'silent', short: 's', kind: 'flag', group: 'output', help: 'No error messages' },
  { long: 'show-error', short: 'S', kind: 'flag', group: 'output', help: 'With -s, still show error messages' },
  // ---- info ----
  { long: 'help', short: 'h', kind: 'flag', group: 'info', help: 'This help' },
  { long: 'version', short: 'V', kind: 'flag', group: 'info', help: 'Versions of curlws and libcurl' },
];

const BY_LONG = new Map(SPECS.map((s) => [s.long, s]));
const BY_SHORT = new Map(SPECS.filter((s) => s.short).map((s) => [s.short as string, s]));

/** The parsed command line. Lists keep their order; unset options are `undefined`. */
export interface CliArgs {
  url: string | undefined;
  flags: Set<string>;
  /** how many times -v was given */
  verbose: number;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  /** `seconds` and `int` options, already checked */
  numbers: Map<string, number>;
}

/**
 * Parse argv (without `node` and the script). Later values of a single-valued option win, as in
 * curl. Throws {@link UsageError}.
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { url: undefined, flags: new Set(), verbose: 0, values: new Map(), lists: new Map(), numbers: new Map() };
  const urls: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (shown: string): string => {
      if (i + 1 >= argv.length) throw new UsageError(`option ${shown}: requires parameter`);
      return argv[++i] as string;
    };
    if (arg === '--') {
      urls.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      let name = arg.slice(2);
      let inline: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) [name, inline] = [name.slice(0, eq), name.slice(eq + 1)];
      let spec = BY_LONG.get(name);
      let negate = false;
      if (!spec && name.startsWith('no-')) {
        const base = BY_LONG.get(name.slice(3));
        if (base && (base.kind === 'flag' || base.kind === 'count')) [spec, negate] = [base, true];
      }
      if (!spec) throw unknown(`--${name}`);
      if (spec.kind === 'flag' || spec.kind === 'count') {
        if (inline !== undefined) throw new UsageError(`option --${name}: takes no parameter`);
        apply(out, spec, undefined, negate, `--${name}`);
      } else {
        apply(out, spec, inline ?? next(`--${name}`), false, `--${name}`);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Bundled short options (-kv); a value-taking one ends the bundle: -Hvalue or -H value.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const spec = BY_SHORT.get(letter);
        if (!spec) throw unknown(`-${letter}`);
        if (spec.kind === 'flag' || spec.kind === 'count') {
          apply(out, spec, undefined, false, `-${letter}`);
          continue;
        }
        const rest = arg.slice(j + 1);
        apply(out, spec, rest !== '' ? rest : next(`-${letter}`), false, `-${letter}`);
        break;
      }
      continue;
    }
    urls.push(arg);
  }
  if (urls.length > 1) throw new UsageError(`only one URL is supported (got ${urls.length}: ${urls.join(' ')})`);
  out.url = urls[0];
  return out;
}

function apply(out: CliArgs, spec: Spec, value: string | undefined, negate: boolean, shown: string): void {
  switch (spec.kind) {
    case 'flag':
      if (negate) out.flags.delete(spec.long);
      else out.flags.add(spec.long);
      // -4 and -6 exclude each other; the last one wins, as in curl.
      if (!negate && spec.long === 'ipv4') out.flags.delete('ipv6');
      if (!negate && spec.long === 'ipv6') out.flags.delete('ipv4');
      return;
    case 'count':
      out.verbose = negate ? 0 : out.verbose + 1;
      return;
    case 'string':
      out.values.set(spec.long, value as string);
      return;
    case 'list': {
      const list = out.lists.get(spec.long) ?? [];
      list.push(value as string);
      out.lists.set(spec.long, list);
      return;
    }
    case 'seconds': {
      const v = (value as string).trim();
      const n = Number(v);
      if (v === '' || !/^[0-9.]+$/.test(v) || !Number.isFinite(n) || n < 0) {
        throw new UsageError(`option ${shown}: expected a proper numerical parameter`);
      }
      out.numbers.set(spec.long, n);
      return;
    }
    case 'int': {
      const v = (value as string).trim();
      if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) {
        throw new UsageError(`option ${shown}: expected a proper numerical parameter`);
      }
      out.numbers.set(spec.long, Number(v));
      return;
    }
  }
}

function unknown(shown: string): UsageError {
  let hint: string | undefined;
  if (shown.startsWith('--')) {
    const name = shown.slice(2).toLowerCase();
    let best: string | undefined;
    let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
    for (const s of SPECS) {
      const d = levenshtein(name, s.long);
      if (d < bestDistance) [best, bestDistance] = [s.long, d];
    }
    // A prefix of exactly one option is a likely abbreviation too (--insec → --insecure).
    if (!best) {
      const prefixed = SPECS.filter((s) => s.long.startsWith(name));
      if (prefixed.length === 1) best = prefixed[0]?.long;
    }
    if (best) hint = `--${best}`;
  } else if (BY_LONG.has(shown.slice(1))) {
    hint = `--${shown.slice(1)}`; // -insecure
  }
  return new UsageError(`option ${shown}: is unknown`, hint);
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

const GROUP_TITLES: Record<Spec['group'], string> = {
  session: 'WebSocket session',
  connection: 'Connection and handshake',
  tls: 'TLS',
  proxy: 'Proxy',
  output: 'Output',
  info: 'Information',
};

/** The `--help` text. */
export function helpText(): string {
  const lines = [
    'Usage: curlws [options] URL',
    '',
    'Connects to a WebSocket server (ws://, wss://, http://, https://; no scheme means ws://).',
    'Each line typed on stdin is sent as a text message; received messages are printed, text',
    'as is and binary as one line of hex. End of input (Ctrl-D) closes the connection.',
    'Exit status: 0 after a closing handshake, else the curl exit code (docs/cli.md in the',
    'curlws package lists them).',
    '',
  ];
  for (const group of Object.keys(GROUP_TITLES) as Spec['group'][]) {
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const s of SPECS.filter((x) => x.group === group)) {
      const names = `${s.short ? `-${s.short}, ` : '    '}--${s.long}${s.meta ? ` ${s.meta}` : ''}`;
      lines.push(names.length < 34 ? `  ${names.padEnd(34)}${s.help}` : `  ${names}\n  ${''.padEnd(34)}${s.help}`);
    }
    lines.push('');
  }
  lines.push('Example: echo hello | curlws -n wss://echo.example/');
  return `${lines.join('\n')}\n`;
}

/**
 * The CA roots curlws trusts by default, shared by `wss:` targets and HTTPS proxies.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

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
      process.emitWarning(`Ignoring extra certs from \`${extra}\`, load failed: ${(err as Error).message}`, {
        code: 'CURLWS_EXTRA_CA_CERTS',
      });
    }
  }
  cachedDefaultCa = Buffer.concat(parts);
  return cachedDefaultCa;
}

const bundleFiles = new WeakMap<Buffer, string | null>();
const filesByContent = new Map<string, string>();
// Distinct bundles get a file each for the life of the process; past this many (a caller making
// a new tls.ca per connection) the rest go as blobs rather than pile up.
const MAX_FILES = 16;

/**
 * The name of an in-memory file holding `bundle`, for `CURLOPT_CAINFO`, made by `create` (the
 * engine's `caFile`: a sealed Linux memfd, `/proc/self/fd/N`; '' where there is none). libcurl
 * caches the parsed certificate store per multi handle only for a CA *file*, keyed by its name,
 * never for `CURLOPT_CAINFO_BLOB`: without a file every connection would parse Node's ~140 roots
 * again (measured: ~1.75 MB of memory and ~40 ms more per handshake). Nothing is written to
 * disk, so nothing is left behind however the process ends. Equal contents share one file.
 * Returns undefined when there is no file; the caller then passes the bundle as a blob.
 */
export function caBundleFile(bundle: Buffer, create: (bundle: Buffer) => string): string | undefined {
  const known = bundleFiles.get(bundle);
  if (known !== undefined) return known ?? undefined;
  const digest = createHash('sha256').update(bundle).digest('hex');
  let file: string | null = filesByContent.get(digest) ?? null;
  if (file === null && filesByContent.size < MAX_FILES) {
    file = create(bundle) || null;
    if (file !== null) filesByContent.set(digest, file);
  }
  bundleFiles.set(bundle, file);
  return file ?? undefined;
}

/**
 * The environment variables libcurl may take a proxy from for a `ws:` URL (`ws_proxy`, then
 * `http_proxy`, then `all_proxy`; lower case first), plus the upper-case and `https` spellings it
 * skips, to err on the side of yes. Looked up by name: enumerating `process.env` (every variable
 * crosses from C++) was the largest JavaScript cost of opening a connection.
 */
const PROXY_ENV_NAMES = ['ws_proxy', 'WS_PROXY', 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'];

/**
 * Whether libcurl may speak TLS on a connection, and so needs CA roots: a `wss:` URL, or an HTTPS
 * proxy, given as an option or in the environment (libcurl reads `ws_proxy`, `http_proxy`,
 * `all_proxy`, … itself). Errs on the side of yes.
 */
export function mayUseTls(url: string, curlOptions: readonly (readonly [string, unknown])[], env = process.env): boolean {
  if (!url.startsWith('ws:')) return true;
  const https = (v: unknown): boolean => typeof v === 'string' && /^\s*https:/i.test(v);
  if (curlOptions.some(([name, value]) => (name === 'CURLOPT_PROXY' || name === 'CURLOPT_PRE_PROXY') && https(value))) return true;
  return PROXY_ENV_NAMES.some((name) => https(env[name]));
}

/**
 * The CA roots curlws trusts by default, shared by `wss:` targets and HTTPS proxies.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

let privateDir: string | undefined;
const bundleFiles = new WeakMap<Buffer, string | null>();

/**
 * A file holding `bundle`, for `CURLOPT_CAINFO`. libcurl caches the parsed certificate store per
 * multi handle only for a CA *file* (never for `CURLOPT_CAINFO_BLOB`), so without a file every
 * connection would parse Node's ~140 roots again: ~1.7 MB of memory and a few ms per handshake.
 * The file lives in a private (0700) directory made once per process and removed at exit.
 * Returns undefined when no file can be written; the caller then passes the bundle as a blob.
 */
export function caBundleFile(bundle: Buffer): string | undefined {
  const known = bundleFiles.get(bundle);
  if (known !== undefined) return known ?? undefined;
  let file: string | null = null;
  try {
    if (!privateDir) {
      privateDir = mkdtempSync(path.join(os.tmpdir(), 'curlws-ca-'));
      const dir = privateDir;
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const name = `${createHash('sha256').update(bundle).digest('hex').slice(0, 32)}.pem`;
    file = path.join(privateDir, name);
    try {
      // Never rewrite an existing file: a handshake may be reading it. Same name, same content.
      writeFileSync(file, bundle, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch {
    file = null;
  }
  bundleFiles.set(bundle, file);
  return file ?? undefined;
}

/**
 * The CA roots curlws trusts by default, shared by `wss:` targets and HTTPS proxies.
 */
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
      process.emitWarning(
        `Ignoring extra certs from \`${extra}\`, load failed: ${(err as Error).message}`,
        { code: 'CURLWS_EXTRA_CA_CERTS' },
      );
    }
  }
  cachedDefaultCa = Buffer.concat(parts);
  return cachedDefaultCa;
}

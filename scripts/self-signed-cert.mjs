// A throwaway self-signed certificate for localhost and 127.0.0.1 (key.pem, cert.pem in `dir`),
// made with the openssl CLI, for the scripts that serve wss:// on loopback: the install and load
// tests and the benchmark. The test suite has its own CA-signed set (test/servers/tls-certs.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * @param {string} dir - an existing folder
 * @param {number} [days=2]
 * @returns {{ key: string, cert: string } | undefined} the two files' paths, or undefined when
 *   there is no openssl CLI (or it failed): callers then skip what needs TLS
 */
export function selfSignedCert(dir, days = 2) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return r.status === 0 ? { key, cert } : undefined;
}

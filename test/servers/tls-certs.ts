/** Test PKI generated with the openssl CLI: a CA + a localhost/127.0.0.1 server cert, and a self-signed cert. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface TestPki {
  caPem: string;
  serverCert: string;
  serverKey: string;
  selfSignedCert: string;
  selfSignedKey: string;
  /** Client certificate (CN "curlws client") signed by the CA, for mutual TLS. */
  clientCert: string;
  clientKey: string;
  /** The same client certificate and key as PKCS#12, passphrase "s3cret". */
  clientPfx: Buffer;
  /** The server certificate's public key pin, "sha256//<base64>". */
  serverPin: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function generatePki(dir: string): TestPki {
  const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '7',
      '-subj',
      '/CN=curlws test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(
    path.join(dir, 'server.ext'),
    `${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '7',
      '-sha256',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'self.key',
      '-out',
      'self.pem',
      '-days',
      '7',
      '-subj',
      '/CN=localhost',
      '-addext',
      san,
    ],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=curlws client'], dir);
  writeFileSync(path.join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.pem',
      '-days',
      '7',
      '-sha256',
      '-extfile',
      'client.ext',
    ],
    dir,
  );
  openssl(['pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-out', 'client.p12', '-passout', 'pass:s3cret'], dir);
  openssl(['x509', '-in', 'server.pem', '-pubkey', '-noout', '-out', 'server.pub'], dir);
  openssl(['pkey', '-pubin', '-in', 'server.pub', '-outform', 'DER', '-out', 'server.pub.der'], dir);
  const serverPin = `sha256//${createHash('sha256')
    .update(readFileSync(path.join(dir, 'server.pub.der')))
    .digest('base64')}`;
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    caPem: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    selfSignedCert: read('self.pem'),
    selfSignedKey: read('self.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    clientPfx: readFileSync(path.join(dir, 'client.p12')),
    serverPin,
  };
}

// The pinned libcurl release (scripts/libcurl.pin, a shell file that build-curl.sh sources), read
// once for every Node script that needs the version or checksum: the table generator, the
// prebuild and install checks and the benchmark.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PIN_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'libcurl.pin');

/** Parse the shell-style KEY=VALUE pin file (comments and quotes allowed). */
export function readPin(file = PIN_FILE) {
  const text = readFileSync(file, 'utf8');
  const pin = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(["']?)(.*?)\2\s*(?:#.*)?$/.exec(line);
    if (m) pin[m[1]] = m[3];
  }
  if (!pin.CURL_VERSION) throw new Error(`${file} has no CURL_VERSION`);
  return pin;
}

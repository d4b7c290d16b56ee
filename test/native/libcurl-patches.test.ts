/**
 * The bundled libcurl in the build cache was built with exactly the patches in
 * scripts/curl-patches/ (docs/troubleshooting.md, "Patches"): build-curl.sh writes their hash into
 * the install prefix's stamp, so a patch added or changed without rebuilding libcurl is caught
 * here rather than by a performance figure. Skipped when there is no cache to check (the system
 * libcurl, or an addon from a prebuild).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const pin = /^CURL_VERSION=(\S+)$/m.exec(readFileSync(path.join(root, 'scripts', 'libcurl.pin'), 'utf8'))?.[1] ?? '';
const cache = process.env.CURLWS_CACHE_DIR ?? path.join(root, '.cache', 'libcurl');
const stampFile = path.join(cache, pin, '.stamp');
const patchDir = path.join(root, 'scripts', 'curl-patches');
const patches = existsSync(patchDir)
  ? readdirSync(patchDir)
      .filter((f) => f.endsWith('.patch'))
      .sort()
  : [];

describe('libcurl patches', () => {
  it('every patch is a unified diff against lib/ or include/ with a subject line', () => {
    for (const name of patches) {
      const text = readFileSync(path.join(patchDir, name), 'utf8');
      expect(text, name).toMatch(/^Subject: \S/m);
      expect(text, name).toMatch(/^--- a\/(lib|include)\/\S+$/m);
      expect(text, name).toMatch(/^\+\+\+ b\/(lib|include)\/\S+$/m);
      expect(text, name).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    }
  });

  it.skipIf(process.env.CURLWS_LIBCURL === 'system' || !existsSync(stampFile))(
    'the cached build carries the hash of scripts/curl-patches/ in its stamp',
    () => {
      const hash =
        patches.length === 0
          ? 'none'
          : createHash('sha256')
              .update(Buffer.concat(patches.map((f) => readFileSync(path.join(patchDir, f)))))
              .digest('hex')
              .slice(0, 16);
      const stamp = readFileSync(stampFile, 'utf8').trim();
      expect(stamp.startsWith(`${pin} `)).toBe(true);
      expect(stamp.endsWith(` patches:${hash}`), `${stampFile}: rebuild with npm run build:curl`).toBe(true);
    },
  );
});

#!/usr/bin/env node
// Checks the system libcurl for CURLWS_LIBCURL=system builds under node-gyp (binding.gyp). It does
// the same checks as the system branch of CMakeLists.txt, with the same messages; keep them in step.
//
// Usage: node scripts/check-system-curl.mjs [--quiet]
//   Exit 0: pkg-config knows libcurl, it is 8.14.1 or newer and supports ws. Unless --quiet,
//           prints "curlws: system libcurl <version>" to stderr (stdout stays empty, for gyp).
//   Exit 1: prints the reason to stderr.
import { execFileSync } from 'node:child_process';

const MIN_VERSION = '8.14.1';
const quiet = process.argv.includes('--quiet');

function fail(message) {
  process.stderr.write(`curlws: ${message}\n`);
  process.exit(1);
}

function pkgConfig(...args) {
  try {
    return execFileSync('pkg-config', [...args, 'libcurl'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    if (err.code === 'ENOENT') {
      fail('CURLWS_LIBCURL=system needs pkg-config, which is not installed ' + '(unset CURLWS_LIBCURL to use the bundled libcurl)');
    }
    const detail = String(err.stderr || '').trim();
    fail(
      'pkg-config found no libcurl (install the libcurl development package, e.g. ' +
        'libcurl4-openssl-dev, or set PKG_CONFIG_PATH; unset CURLWS_LIBCURL to use the bundled one)' +
        (detail ? `\n${detail}` : ''),
    );
  }
}

function versionLess(a, b) {
  const pa = a.split('.').map((n) => parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

const version = pkgConfig('--modversion');
if (versionLess(version, MIN_VERSION)) {
  fail(`the system libcurl is ${version}; ${MIN_VERSION} or newer is required ` + '(unset CURLWS_LIBCURL to use the bundled one)');
}
const protocols = ` ${pkgConfig('--variable=supported_protocols').toLowerCase()} `;
if (!/ ws /.test(protocols.replace(/"/g, ' ').replace(/\s+/g, ' '))) {
  fail(`the system libcurl ${version} has no WebSocket support (protocols:${protocols}); ` + 'unset CURLWS_LIBCURL to use the bundled one');
}
if (!quiet) process.stderr.write(`curlws: system libcurl ${version}\n`);

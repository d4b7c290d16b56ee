/**
 * The only place the native addon is loaded (node-gyp-build: build/Release or prebuilds/). The
 * types it is used through are in contract.ts.
 */
import { constants } from 'node:buffer';
import * as path from 'node:path';
import type { NativeBinding } from './contract';

/**
 * `CURLWS_ADDON_PATH=/path/to/curlws.node` loads that file instead of the one node-gyp-build
 * finds (build/Release, prebuilds/). For testing other builds of the addon, e.g. the ASan build
 * of scripts/asan.sh (docs/testing.md); not meant for production use.
 */
function loadBinding(): NativeBinding {
  const root = path.join(__dirname, '..', '..');
  const override = process.env.CURLWS_ADDON_PATH;
  try {
    if (override) return require(path.resolve(override)) as NativeBinding;
    return require('node-gyp-build')(root) as NativeBinding;
  } catch (err) {
    const libc = process.report?.getReport
      ? (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime
        ? 'glibc'
        : 'musl'
      : 'unknown';
    const message = [
      `curlws: could not load the native addon for ${process.platform}-${process.arch} (${libc}),`,
      `Node ${process.version}, Node-API ${process.versions.napi}.`,
      `Cause: ${(err as Error).message}`,
      ...(override ? [`(loaded from CURLWS_ADDON_PATH=${override}; unset it to use the normal build)`] : []),
      'What to do:',
      '  - prebuilt binaries ship for linux-x64 and linux-arm64 with glibc >= 2.31; anywhere else',
      '    build the addon from source in your project: `npx curlws-build` (needs a C++ compiler,',
      '    make, python3 and cmake; see docs/install.md "Building from source");',
      '  - from a source checkout: run `npm run build` (see docs/troubleshooting.md).',
    ].join('\n');
    throw Object.assign(new Error(message, { cause: err }), { code: 'ERR_CURLWS_LOAD' });
  }
}

/**
 * The longest string the engine may hand to JS. `CURLWS_TEST_MAX_STRING_LENGTH` (read once,
 * here) can only lower it: tests use it to reach the limit with small messages
 * (docs/testing.md); V8's own limit (~512 MiB of text) is too large to test with.
 */
function maxStringLength(): number {
  const real = constants.MAX_STRING_LENGTH;
  const test = Number(process.env.CURLWS_TEST_MAX_STRING_LENGTH);
  return Number.isSafeInteger(test) && test > 0 && test < real ? test : real;
}

export const binding: NativeBinding = loadBinding();
binding.setLimits({ maxStringLength: maxStringLength(), maxBufferLength: constants.MAX_LENGTH });

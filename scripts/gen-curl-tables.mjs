#!/usr/bin/env node
// Usage:
//   node scripts/gen-curl-tables.mjs                 write the generated tables from the pinned headers
//   node scripts/gen-curl-tables.mjs --check         exit 1 if either table is stale
//   node scripts/gen-curl-tables.mjs --header DIR    read curl.h, multi.h, websockets.h, header.h from DIR
//
// One generator for everything curlws reads out of libcurl's headers, so a table can never come
// from a different header than its neighbour:
//   lib/core/curl-codes.ts    CURLcode / CURLMcode names by value (error codes of every API)
//   lib/core/curl-symbols.ts  the low-level API's symbols: every CURLOPT_* with type and number, option
//                        aliases, CURLINFO_*, curl_infotype, CURLHcode, CURLcode by name, CURLWS_* /
//                        CURLH_* / CURLPAUSE_* bits, the callbacks' CURL_WRITEFUNC_* / CURL_READFUNC_*
//                        returns. Which options curlws accepts is policy, not parsing.
// The headers are the pinned release's (.cache/libcurl/<CURL_VERSION>/include/curl/, the version
// from scripts/libcurl.pin). Without them (`npm run build:curl` not run) --check says so and passes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPin } from './libcurl-pin.mjs';
import { parseBits, parseCallbackReturns, parseEnum, parseInfos, parseOptions, parsePause } from './gen-curl-tables/parse.mjs';
import { renderCodes, renderSymbols } from './gen-curl-tables/render.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEADERS = ['curl.h', 'multi.h', 'websockets.h', 'header.h'];
export const OUTPUTS = { codes: 'lib/core/curl-codes.ts', symbols: 'lib/core/curl-symbols.ts' };

export function parseArgs(argv) {
  const args = { check: false, header: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') args.check = true;
    else if (argv[i] === '--header') args.header = argv[++i];
    else if (argv[i].startsWith('--header=')) args.header = argv[i].slice('--header='.length);
    else throw new Error(`unknown argument ${argv[i]} (see the usage comment in this script)`);
  }
  if (args.header === '') throw new Error('--header needs a directory');
  return args;
}

/** The generated files' text (relative path → content) from the headers in `dir`. */
export function generate(dir, fallbackVersion) {
  const [curlH, multiH, wsH, headerH] = HEADERS.map((f) => readFileSync(path.join(dir, f), 'utf8'));
  // The version named in the banner is the headers' own, so --header cannot mislabel the output.
  const verH = path.join(dir, 'curlver.h');
  const version = (existsSync(verH) && /#define LIBCURL_VERSION "([^"]+)"/.exec(readFileSync(verH, 'utf8'))?.[1]) || fallbackVersion;
  const curlcode = parseEnum(curlH, 'CURLcode');
  return {
    version,
    files: {
      [OUTPUTS.codes]: renderCodes(version, curlcode, parseEnum(multiH, 'CURLMcode')),
      [OUTPUTS.symbols]: renderSymbols(
        version,
        parseOptions(curlH),
        parseInfos(curlH),
        parseEnum(curlH, 'curl_infotype'),
        parseEnum(headerH, 'CURLHcode'),
        parseBits(wsH, 'CURLWS_'),
        parseBits(headerH, 'CURLH_'),
        curlcode,
        parsePause(curlH),
        parseCallbackReturns(curlH),
      ),
    },
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pinned = readPin().CURL_VERSION;
  const dir = args.header
    ? path.resolve(args.header)
    : path.join(process.env.CURLWS_CACHE_DIR || path.join(ROOT, '.cache', 'libcurl'), pinned, 'include', 'curl');
  if (!HEADERS.every((f) => existsSync(path.join(dir, f)))) {
    const msg = `gen-curl-tables: no libcurl headers (${HEADERS.join(', ')}) in ${dir} (run npm run build:curl first)`;
    if (args.check) {
      console.log(`${msg}; skipping the check`);
      return 0;
    }
    console.error(msg);
    return 1;
  }
  const { version, files } = generate(dir, pinned);
  const stale = [];
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(ROOT, rel);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    stale.push(rel);
    if (!args.check) writeFileSync(file, text);
  }
  if (args.check) {
    if (!stale.length) {
      console.log(`gen-curl-tables: ${Object.keys(files).join(', ')} are up to date (curl ${version})`);
      return 0;
    }
    console.error(`gen-curl-tables: ${stale.join(', ')} stale; regenerate with node scripts/gen-curl-tables.mjs`);
    return 1;
  }
  console.log(`gen-curl-tables: ${stale.length ? `wrote ${stale.join(', ')}` : 'nothing to change'} (curl ${version})`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (err) {
    console.error(`gen-curl-tables: ${err.message}`);
    process.exitCode = 2;
  }
}

#!/usr/bin/env node
// Usage:
//   node scripts/gen-curl-symbols.mjs                 write lib/curl-symbols.ts from the pinned headers
//   node scripts/gen-curl-symbols.mjs --check         exit 1 if lib/curl-symbols.ts is stale
//   node scripts/gen-curl-symbols.mjs --header DIR    read curl.h / websockets.h / header.h from DIR
//
// The symbol tables of the low-level API (`curlws/curl`): every CURLOPT_* with its CURLOPTTYPE_*
// and number (the `CURLOPT(...)` / `CURLOPTDEPRECATED(...)` lines of curl.h), the `#define`
// aliases of options, every CURLINFO_* with its CURLINFO_<TYPE>, the curl_infotype and CURLHcode
// enums, the CURLcode values by name, and the CURLWS_* / CURLH_* bit flags. Like gen-curl-codes.mjs (whose pin reading and
// enum parser it shares), the output is a pure function of the headers: no timestamps, so
// --check can run in `npm run build:ts`. Which options curlws accepts is policy, not parsing: see
// lib/curl-policy.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, parseEnum, readPin } from './gen-curl-codes.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'lib', 'curl-symbols.ts');

/** `#define NAME value` numbers from a header (only plain integers). */
function defines(source, prefix) {
  const out = new Map();
  for (const m of source.matchAll(new RegExp(`^#define (${prefix}\\w+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b`, 'gm'))) {
    out.set(m[1], Number(m[2]));
  }
  return out;
}

const OPTTYPE_BASE = {
  LONG: 'CURLOPTTYPE_LONG',
  VALUES: 'CURLOPTTYPE_LONG',
  OBJECTPOINT: 'CURLOPTTYPE_OBJECTPOINT',
  STRINGPOINT: 'CURLOPTTYPE_OBJECTPOINT',
  SLISTPOINT: 'CURLOPTTYPE_OBJECTPOINT',
  CBPOINT: 'CURLOPTTYPE_OBJECTPOINT',
  FUNCTIONPOINT: 'CURLOPTTYPE_FUNCTIONPOINT',
  OFF_T: 'CURLOPTTYPE_OFF_T',
  BLOB: 'CURLOPTTYPE_BLOB',
};

/** CURLOPT(CURLOPT_X, CURLOPTTYPE_Y, n) and CURLOPTDEPRECATED(CURLOPT_X, CURLOPTTYPE_Y, n, v, m). */
export function parseOptions(source) {
  const bases = defines(source, 'CURLOPTTYPE_');
  const options = [];
  const seen = new Set();
  const re = /^\s*CURLOPT(DEPRECATED)?\(\s*(CURLOPT_\w+)\s*,\s*CURLOPTTYPE_(\w+)\s*,\s*(\d+)\s*[,)]/gm;
  for (const m of source.matchAll(re)) {
    const [, deprecated, name, type, num] = m;
    const baseName = OPTTYPE_BASE[type];
    if (!baseName) throw new Error(`${name}: unknown option type CURLOPTTYPE_${type}`);
    const base = bases.get(baseName);
    if (base === undefined) throw new Error(`${baseName} is not #defined as a number`);
    if (seen.has(name)) throw new Error(`${name} appears twice`);
    seen.add(name);
    options.push({ name, type, id: base + Number(num), deprecated: Boolean(deprecated) });
  }
  if (options.length < 200) throw new Error(`only ${options.length} CURLOPT lines found; has curl.h changed shape?`);
  // #define CURLOPT_OLD CURLOPT_NEW (renamed options); only aliases of options in the table.
  const aliases = [];
  for (const m of source.matchAll(/^#define (CURLOPT_\w+)\s+(CURLOPT_\w+)\b/gm)) {
    if (seen.has(m[2]) && !seen.has(m[1])) aliases.push({ name: m[1], target: m[2] });
  }
  return { options, aliases };
}

/** The CURLINFO enum: `CURLINFO_X [CURL_DEPRECATED(...)] = CURLINFO_<TYPE> + n`. */
export function parseInfos(source) {
  const bases = defines(source, 'CURLINFO_');
  const infos = [];
  const re =
    /^\s*(CURLINFO_\w+)\s*(?:CURL_DEPRECATED\([^)]*\))?\s*=\s*(CURLINFO_(STRING|LONG|DOUBLE|SLIST|PTR|SOCKET|OFF_T))\s*\+\s*(\d+)\s*,/gm;
  for (const m of source.matchAll(re)) {
    const [whole, name, baseName, type, num] = m;
    const base = bases.get(baseName);
    if (base === undefined) throw new Error(`${baseName} is not #defined`);
    infos.push({ name, type, id: base + Number(num), deprecated: whole.includes('CURL_DEPRECATED') });
  }
  if (infos.length < 50) throw new Error(`only ${infos.length} CURLINFO entries found; has curl.h changed shape?`);
  return infos;
}

/** `#define PREFIX_X (1 << n)` / `(1L << n)` bit flags. */
export function parseBits(source, prefix) {
  const out = [];
  for (const m of source.matchAll(new RegExp(`^#define (${prefix}\\w+)\\s+\\(1L?\\s*<<\\s*(\\d+)\\)`, 'gm'))) {
    out.push({ name: m[1], value: 1 << Number(m[2]) });
  }
  if (!out.length) throw new Error(`no ${prefix}* bit flags found`);
  return out;
}

/**
 * `CURLPAUSE_*` for `curl_easy_pause`: bit flags, plain numbers and `(A | B)` combinations of
 * the ones before them, as curl.h defines them.
 */
export function parsePause(source) {
  const known = new Map([...parseBits(source, 'CURLPAUSE_').map((e) => [e.name, e.value]), ...defines(source, 'CURLPAUSE_')]);
  for (const m of source.matchAll(/^#define (CURLPAUSE_\w+)\s+\((CURLPAUSE_\w+)\s*\|\s*(CURLPAUSE_\w+)\)/gm)) {
    if (!known.has(m[2]) || !known.has(m[3])) throw new Error(`${m[1]} combines unknown flags`);
    known.set(m[1], known.get(m[2]) | known.get(m[3]));
  }
  return [...known].map(([name, value]) => ({ name, value }));
}

/** The special return values of the write and read callbacks (`CURL_WRITEFUNC_PAUSE`, …). */
export function parseCallbackReturns(source) {
  const out = [...defines(source, 'CURL_WRITEFUNC_'), ...defines(source, 'CURL_READFUNC_')].map(([name, value]) => ({ name, value }));
  if (out.length < 4) throw new Error('CURL_WRITEFUNC_* / CURL_READFUNC_* not found');
  return out;
}

const q = (s) => `'${s}'`;

export function render(version, { options, aliases }, infos, infotypes, hcodes, wsBits, hBits, curlcodes, pause, returns) {
  const opt = options.map((o) => `  ${o.name}: { id: ${o.id}, type: ${q(o.type)}${o.deprecated ? ', deprecated: true' : ''} },`);
  const ali = aliases.map((a) => `  ${a.name}: ${q(a.target)},`);
  const inf = infos.map((i) => `  ${i.name}: { id: ${i.id}, type: ${q(i.type)}${i.deprecated ? ', deprecated: true' : ''} },`);
  const consts = (list) => list.map((e) => `export const ${e.name} = ${e.value};`).join('\n');
  const dense = (entries) => entries.filter((e) => !/_END$|_LAST$/.test(e.name));
  return `// generated by scripts/gen-curl-symbols.mjs from curl ${version}; do not edit
/**
 * libcurl's option, info and flag symbols, parsed from the pinned \`curl/curl.h\`,
 * \`curl/websockets.h\` and \`curl/header.h\`. Which options \`curlws/curl\` accepts is decided in
 * lib/curl-policy.ts; this file only says what libcurl ${version} has.
 */

/** \`CURLOPTTYPE_*\` of an option (without the prefix), as curl.h spells it. */
export type CurlOptType =
  | 'LONG'
  | 'VALUES'
  | 'OFF_T'
  | 'OBJECTPOINT'
  | 'STRINGPOINT'
  | 'SLISTPOINT'
  | 'CBPOINT'
  | 'FUNCTIONPOINT'
  | 'BLOB';

/** Every \`CURLOPT_*\`: its numeric value and type. */
export const CURLOPTS = Object.freeze({
${opt.join('\n')}
} as const);

/** Old option names curl.h still \`#define\`s to the current ones. */
export const CURLOPT_ALIASES = Object.freeze({
${ali.join('\n')}
} as const);

/** \`CURLINFO_<TYPE>\` of an info (without the prefix). */
export type CurlInfoType = 'STRING' | 'LONG' | 'DOUBLE' | 'SLIST' | 'PTR' | 'SOCKET' | 'OFF_T';

/** Every \`CURLINFO_*\` of \`curl_easy_getinfo\`: its numeric value and type. */
export const CURLINFOS = Object.freeze({
${inf.join('\n')}
} as const);

/** \`curl_infotype\`: the kind of data a \`CURLOPT_DEBUGFUNCTION\` call carries. */
${consts(dense(infotypes))}

/** \`CURLHcode\` names indexed by value (\`curl_easy_header\` results). */
export const CURLHE_NAMES: readonly string[] = Object.freeze([
${dense(hcodes)
  .map((e) => `  ${q(e.name)}, // ${e.value}`)
  .join('\n')}
]);

/** \`CURLcode\` values by name, as in C (\`CURLE_AGAIN === 81\`). */
${consts(dense(curlcodes))}

/** \`CURLWS_*\` frame flags and \`CURLOPT_WS_OPTIONS\` bits. */
${consts(wsBits)}

/** \`CURLH_*\` header origins for \`curl_easy_header\`. */
${consts(hBits)}

/** \`CURLPAUSE_*\`: what \`curl_easy_pause\` (\`easy.pause()\`) pauses or resumes. */
${consts(pause)}

/** Special return values of \`CURLOPT_WRITEFUNCTION\` and \`CURLOPT_READFUNCTION\`. */
${returns.map((e) => `export const ${e.name} = 0x${e.value.toString(16)};`).join('\n')}
`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pinned = readPin().CURL_VERSION;
  const dir = args.header
    ? path.resolve(args.header)
    : path.join(process.env.CURLWS_CACHE_DIR || path.join(ROOT, '.cache', 'libcurl'), pinned, 'include', 'curl');
  const files = ['curl.h', 'websockets.h', 'header.h'].map((f) => path.join(dir, f));
  if (!files.every(existsSync)) {
    const msg = `gen-curl-symbols: no libcurl headers in ${dir} (run npm run build:curl first)`;
    if (args.check) {
      console.log(`${msg}; skipping the check`);
      return 0;
    }
    console.error(msg);
    return 1;
  }
  const [curlH, wsH, headerH] = files.map((f) => readFileSync(f, 'utf8'));
  const verH = path.join(dir, 'curlver.h');
  const ver = existsSync(verH) ? /#define LIBCURL_VERSION "([^"]+)"/.exec(readFileSync(verH, 'utf8'))?.[1] : undefined;
  const text = render(
    ver ?? pinned,
    parseOptions(curlH),
    parseInfos(curlH),
    parseEnum(curlH, 'curl_infotype'),
    parseEnum(headerH, 'CURLHcode'),
    parseBits(wsH, 'CURLWS_'),
    parseBits(headerH, 'CURLH_'),
    parseEnum(curlH, 'CURLcode'),
    parsePause(curlH),
    parseCallbackReturns(curlH),
  );
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : undefined;
  if (args.check) {
    if (current === text) {
      console.log('gen-curl-symbols: lib/curl-symbols.ts is up to date');
      return 0;
    }
    console.error('gen-curl-symbols: lib/curl-symbols.ts is stale; regenerate it with this script');
    return 1;
  }
  if (current !== text) writeFileSync(OUT, text);
  console.log(`gen-curl-symbols: wrote lib/curl-symbols.ts from curl ${ver ?? pinned}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (err) {
    console.error(`gen-curl-symbols: ${err.message}`);
    process.exitCode = 2;
  }
}

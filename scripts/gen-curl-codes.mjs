#!/usr/bin/env node
// Usage:
//   node scripts/gen-curl-codes.mjs                 write lib/curl-codes.ts from the pinned headers
//   node scripts/gen-curl-codes.mjs --check         exit 1 if lib/curl-codes.ts is stale
//   node scripts/gen-curl-codes.mjs --header DIR    read curl.h / multi.h from DIR instead
//
// The pinned headers live in .cache/libcurl/<CURL_VERSION>/include/curl/, CURL_VERSION coming
// from scripts/libcurl.pin. The output is a pure function of the headers (no timestamps), so
// --check can run in CI and in `npm run build:ts`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'lib', 'curl-codes.ts');

/** Parse the shell-style KEY=VALUE pin file (comments and quotes allowed). */
export function readPin() {
  const text = readFileSync(path.join(ROOT, 'scripts', 'libcurl.pin'), 'utf8');
  const pin = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(["']?)(.*?)\2\s*(?:#.*)?$/.exec(line);
    if (m) pin[m[1]] = m[3];
  }
  if (!pin.CURL_VERSION) throw new Error('scripts/libcurl.pin has no CURL_VERSION');
  return pin;
}

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

/**
 * Parse `typedef enum { ... } <typeName>;` into [{ name, value }] with values resolved the way a
 * C compiler would: an explicit `= N` (or `= OTHER_NAME`) sets the value, everything else is
 * previous + 1. The `/* N *\/` comments next to entries are documentation only, so they are not
 * trusted; they are cross-checked instead, and a disagreement fails the run rather than silently
 * shipping a shifted table.
 */
export function parseEnum(source, typeName) {
  const end = source.indexOf(`} ${typeName};`);
  if (end < 0) throw new Error(`enum ${typeName} not found`);
  const start = source.lastIndexOf('typedef enum {', end);
  if (start < 0) throw new Error(`typedef enum for ${typeName} not found`);
  const body = source.slice(start + 'typedef enum {'.length, end);
  // An #if inside the enum would make positions depend on build flags: refuse rather than guess.
  if (/^\s*#/m.test(body)) throw new Error(`${typeName}: preprocessor lines inside the enum`);

  // Split at commas, attaching each comment to its entry: a comment that follows "NAME," (before
  // the next name starts) documents NAME, as in `CURLE_FOO,  /* 7 */`.
  const raw = [];
  let cur = { text: '', comment: undefined };
  for (const tok of body.match(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|,|[^,/]+|\//g) ?? []) {
    if (tok.startsWith('/*') || tok.startsWith('//')) {
      const owner = cur.text.trim() || raw.length === 0 ? cur : raw[raw.length - 1];
      owner.comment ??= tok;
    } else if (tok === ',') {
      raw.push(cur);
      cur = { text: '', comment: undefined };
    } else {
      cur.text += tok;
    }
  }
  if (cur.text.trim()) raw.push(cur);

  const entries = [];
  const byName = new Map();
  let next = 0;
  for (const { text, comment } of raw) {
    const m = /^\s*([A-Za-z_]\w*)\s*(?:=\s*(.+?))?\s*$/.exec(text);
    if (!m) throw new Error(`${typeName}: cannot parse entry ${JSON.stringify(text.trim())}`);
    const [, name, init] = m;
    let value = next;
    if (init !== undefined) {
      if (/^-?\d+$/.test(init)) value = Number(init);
      else if (byName.has(init)) value = byName.get(init);
      else throw new Error(`${typeName}: unsupported initialiser ${name} = ${init}`);
    }
    const documented = comment && /^\/[*/]\s*(-?\d+)\b/.exec(comment)?.[1];
    if (documented && Number(documented) !== value) {
      throw new Error(`${typeName}: ${name} is ${value} but its comment says ${documented}`);
    }
    byName.set(name, value);
    entries.push({ name, value });
    next = value + 1;
  }
  return entries;
}

/** Drop the `*_LAST` sentinel ("never use!") and split into a dense table and negatives. */
function toTable(entries, typeName) {
  const named = entries.filter((e) => !/_LAST$/.test(e.name));
  const dense = [];
  const negative = [];
  for (const { name, value } of named) {
    if (value < 0) negative.push({ name, value });
    else if (dense[value] !== undefined) throw new Error(`${typeName}: ${name} repeats ${value}`);
    else dense[value] = name;
  }
  // Holes (none today) become '' so indices stay equal to values; the lookup treats '' as unknown.
  return { dense: Array.from(dense, (n) => n ?? ''), negative };
}

function renderArray(constName, doc, dense) {
  const lines = dense.map((n, i) => `  '${n}', // ${i}`);
  return [`/** ${doc} */`, `export const ${constName}: readonly string[] = Object.freeze([`, ...lines, ']);', ''].join('\n');
}

const CURLE_DOC = "`CURLcode` names indexed by value: `CURLE_NAMES[7] === 'CURLE_COULDNT_CONNECT'`.";
const CURLM_DOC = '`CURLMcode` names for the values 0 and up, indexed by value.';

export function render(version, curlcode, curlmcode) {
  const e = toTable(curlcode, 'CURLcode');
  const m = toTable(curlmcode, 'CURLMcode');
  if (e.negative.length) throw new Error('CURLcode has negative values; extend the generator');
  const negatives = m.negative.map(({ name, value }) => `  [${value}]: '${name}',`).join('\n');
  return `// generated by scripts/gen-curl-codes.mjs from curl ${version}; do not edit
/**
 * libcurl result codes by numeric value, parsed from the pinned \`curl/curl.h\` and
 * \`curl/multi.h\`. The names are public API (\`CurlError.code\`) and follow semver.
 */

${renderArray('CURLE_NAMES', CURLE_DOC, e.dense)}
${renderArray('CURLM_NAMES', CURLM_DOC, m.dense)}
/** \`CURLMcode\` names for negative values, which an array cannot index. */
export const CURLM_NEGATIVE_NAMES: Readonly<Record<number, string>> = Object.freeze({
${negatives}
});

/**
 * The \`CURLE_*\` name of a \`CURLcode\`.
 * @param n - the numeric code libcurl returned
 * @returns the name, or \`CURLE_UNKNOWN_<n>\` for a value this table does not know (a newer
 *   system libcurl may return codes added after the pinned release)
 */
export function curlCodeName(n: number): string {
  return (Number.isInteger(n) && CURLE_NAMES[n]) || \`CURLE_UNKNOWN_\${n}\`;
}

/**
 * The \`CURLM_*\` name of a \`CURLMcode\`.
 * @param n - the numeric code a \`curl_multi_*\` call returned
 * @returns the name, or \`CURLM_UNKNOWN_<n>\`
 */
export function curlMultiCodeName(n: number): string {
  if (!Number.isInteger(n)) return \`CURLM_UNKNOWN_\${n}\`;
  return (n < 0 ? CURLM_NEGATIVE_NAMES[n] : CURLM_NAMES[n]) || \`CURLM_UNKNOWN_\${n}\`;
}
`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pin = readPin();
  const dir = args.header
    ? path.resolve(args.header)
    : path.join(process.env.CURLWS_CACHE_DIR || path.join(ROOT, '.cache', 'libcurl'), pin.CURL_VERSION, 'include', 'curl');
  const curlH = path.join(dir, 'curl.h');
  const multiH = path.join(dir, 'multi.h');
  if (!existsSync(curlH) || !existsSync(multiH)) {
    const msg = `gen-curl-codes: no libcurl headers in ${dir} (run npm run build:curl first)`;
    if (args.check) {
      console.log(`${msg}; skipping the check`);
      return 0;
    }
    console.error(msg);
    return 1;
  }
  // The version named in the banner is the headers' own, so --header cannot mislabel the output.
  const verH = path.join(dir, 'curlver.h');
  const ver = existsSync(verH) ? /#define LIBCURL_VERSION "([^"]+)"/.exec(readFileSync(verH, 'utf8'))?.[1] : undefined;
  const text = render(
    ver ?? pin.CURL_VERSION,
    parseEnum(readFileSync(curlH, 'utf8'), 'CURLcode'),
    parseEnum(readFileSync(multiH, 'utf8'), 'CURLMcode'),
  );
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : undefined;
  if (args.check) {
    if (current === text) {
      console.log('gen-curl-codes: lib/curl-codes.ts is up to date');
      return 0;
    }
    console.error('gen-curl-codes: lib/curl-codes.ts is stale; regenerate it with this script');
    return 1;
  }
  if (current !== text) writeFileSync(OUT, text);
  console.log(`gen-curl-codes: wrote lib/curl-codes.ts from curl ${ver ?? pin.CURL_VERSION}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (err) {
    console.error(`gen-curl-codes: ${err.message}`);
    process.exitCode = 2;
  }
}

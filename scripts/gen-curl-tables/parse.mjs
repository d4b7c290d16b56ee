// Parsers for the pinned libcurl headers: enums the way a C compiler numbers them, the CURLOPT()
// and CURLINFO lines, and #define bit flags. Each refuses a shape it does not know rather than
// guessing, so a new libcurl release fails the generator instead of shipping a shifted table.

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

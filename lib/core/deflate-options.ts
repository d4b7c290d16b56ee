/**
 * The `perMessageDeflate` option (RFC 7692): ws's names and meanings, validated here and
 * normalized into the flat shape the native engine reads.
 */
import { invalidArgType, outOfRange } from './errors';
import type { NativeDeflateOptions } from './contract';
import { checkKeys, integer, isObject } from './validate';

/** permessage-deflate settings, as `ws` names them (`level`/`memLevel` are zlib's). */
export interface PerMessageDeflateOptions {
  /**
   * Ask the server to compress every message on its own (`server_no_context_takeover`): less
   * memory on both sides, less compression.
   * @defaultValue `false`
   */
  serverNoContextTakeover?: boolean;
  /**
   * `true`: promise to compress every message on its own (`client_no_context_takeover`);
   * `false`: refuse a server that asks for it; absent: do what the server asks.
   * @defaultValue `undefined`
   */
  clientNoContextTakeover?: boolean;
  /**
   * Largest LZ77 window (2^bits bytes) the server may use, 8–15 (`server_max_window_bits`).
   * @defaultValue not offered (15)
   */
  serverMaxWindowBits?: number;
  /**
   * `true` or absent: tell the server it may limit our window (`client_max_window_bits` without
   * a value); 8–15: our window is at most 2^bits bytes; `false`: do not offer the parameter.
   * @defaultValue `true`
   */
  clientMaxWindowBits?: number | boolean;
  /**
   * Under client no-context-takeover, messages smaller than this many bytes are sent
   * uncompressed (ws's rule; with context takeover every message is compressed).
   * @defaultValue `1024`
   */
  threshold?: number;
  /** zlib compression level, -1 (zlib's default, 6) or 0–9. @defaultValue `-1` */
  level?: number;
  /** zlib memLevel, 1–9: memory for the compressor's hash (2^(memLevel+9) bytes). @defaultValue `8` */
  memLevel?: number;
}

export const PER_MESSAGE_DEFLATE_KEYS = [
  'serverNoContextTakeover',
  'clientNoContextTakeover',
  'serverMaxWindowBits',
  'clientMaxWindowBits',
  'threshold',
  'level',
  'memLevel',
] as const satisfies readonly (keyof PerMessageDeflateOptions)[];

/**
 * Validate `perMessageDeflate`.
 * @param fallback - what `undefined` means for this API (off for `connect()`, on for the
 *   `ws` and WHATWG wrappers)
 * @returns the native settings, or `undefined` when the extension is not offered
 */
export function validatePerMessageDeflate(
  value: unknown,
  fallback: boolean,
  name = 'options.perMessageDeflate',
): NativeDeflateOptions | undefined {
  if (value === undefined) value = fallback;
  if (value === false) return undefined;
  if (value !== true && !isObject(value)) throw invalidArgType(name, 'a boolean or an object', value);
  const o = (value === true ? {} : value) as PerMessageDeflateOptions;
  checkKeys(name, o, PER_MESSAGE_DEFLATE_KEYS);
  const bool = (key: 'serverNoContextTakeover' | 'clientNoContextTakeover'): boolean | undefined => {
    const v = o[key];
    if (v !== undefined && typeof v !== 'boolean') throw invalidArgType(`${name}.${key}`, 'a boolean', v);
    return v;
  };
  const ranged = (key: keyof PerMessageDeflateOptions, v: unknown, min: number, max: number, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || Number.isNaN(v)) throw invalidArgType(`${name}.${key}`, 'an integer', v);
    if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(`${name}.${key}`, `an integer from ${min} to ${max}`, v);
    return v;
  };
  const client = o.clientMaxWindowBits;
  return {
    serverNoContextTakeover: bool('serverNoContextTakeover') ?? false,
    clientNoContextTakeover: bool('clientNoContextTakeover'),
    serverMaxWindowBits: ranged('serverMaxWindowBits', o.serverMaxWindowBits, 8, 15, 0),
    clientMaxWindowBits:
      client === undefined || client === true ? 0 : client === false ? -1 : ranged('clientMaxWindowBits', client, 8, 15, 0),
    threshold: integer(`${name}.threshold`, o.threshold, 1024, Number.MAX_SAFE_INTEGER),
    level: ranged('level', o.level, -1, 9, -1),
    memLevel: ranged('memLevel', o.memLevel, 1, 9, 8),
  };
}

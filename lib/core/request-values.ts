/**
 * What a caller's string may put into the opening handshake. The one place every entry point
 * uses: connect()'s options (and through them the WHATWG WebSocket, curlws/ws,
 * ReconnectingWebSocket and the CLI), the `curl: { CURLOPT_…: value }` escape hatch and
 * `Easy.setopt` (lib/core/curl-policy.ts) all check their strings here before anything reaches
 * libcurl. native/engine/curl_options.cc repeats the CR/LF/NUL test as a last line of defence.
 *
 * The rule: no string handed to libcurl holds CR, LF or NUL. CR and LF end the request line or a
 * header, so the rest of the string would become a header (or a request) of its own; NUL cuts
 * libcurl's C string short, so what is sent is not what was checked. Applying it to every string
 * (file names and cipher lists included) keeps it one rule with nothing to classify wrong; no
 * libcurl string option needs a line break (PEM data travels as a Buffer, not a string).
 */
import { invalidArgType, invalidArgValue } from './errors';

/** CR, LF or NUL: the characters no string handed to libcurl may hold. */
export const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/** RFC 7230 `token` (`tchar`): header names, subprotocols, RFC 6265 cookie names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 6265 `cookie-value`: `cookie-octet`s, optionally inside double quotes. */
const COOKIE_VALUE = /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;

/**
 * A string that is safe to hand to libcurl: the type is checked, then CR, LF and NUL are refused.
 * @param name - the option, as the message shows it (`options.userAgent`, `CURLOPT_COOKIE`)
 * @param what - what the option takes, for the type error (`'a string or null'`)
 * @throws TypeError `ERR_INVALID_ARG_TYPE` (not a string), `ERR_INVALID_ARG_VALUE` (CR, LF or NUL)
 */
export function wireString(name: string, value: unknown, what = 'a string'): string {
  if (typeof value !== 'string') throw invalidArgType(name, what, value);
  if (LINE_BREAK_OR_NUL.test(value)) throw invalidArgValue(name, value, 'a string without CR, LF or NUL');
  return value;
}

/** A header name: an RFC 7230 token (so no CR, LF, NUL, ':', ';', '=' or space). */
export function headerName(where: string, name: unknown): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw invalidArgValue(where, name, 'a header name that is an RFC 7230 token');
  return name;
}

/**
 * A request header line for libcurl's header lists: `"Name: value"`, or `"Name;"` for an empty
 * value (libcurl reads `"Name:"` as "remove this header", not "send it empty").
 */
export function headerLine(where: string, name: unknown, value: unknown, what = 'a string'): string {
  const n = headerName(where, name);
  const v = wireString(where, value, what);
  return v === '' ? `${n};` : `${n}: ${v}`;
}

/**
 * One `name=value` pair of a `Cookie` header (RFC 6265 §4.2.1): the name a token, the value
 * cookie-octets, so neither can add a cookie (`;`), rename one (`=` in the name) or a header.
 */
export function cookiePair(where: string, name: string, value: unknown): string {
  if (!TOKEN.test(name))
    throw invalidArgValue(where, name, 'a cookie name that is an RFC 6265 token (no "=", ";", space or control characters)');
  const v = wireString(where, value);
  if (!COOKIE_VALUE.test(v)) {
    throw invalidArgValue(
      where,
      v,
      'a cookie value of RFC 6265 cookie-octets (no ";", ",", space, quote, backslash or control characters; encode others, e.g. with encodeURIComponent)',
    );
  }
  return `${name}=${v}`;
}

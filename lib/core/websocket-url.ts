/**
 * WebSocket URL parsing, written once for `connect()`, the WHATWG `WebSocket` and `curlws/ws`.
 * The steps are the same everywhere (parse, map `http:`/`https:` to `ws:`/`wss:`, require
 * `ws:`/`wss:`, refuse fragments); what each API throws differs (`connect()`: TypeError
 * `ERR_INVALID_URL`; WHATWG: DOMException `SyntaxError`; ws: its SyntaxErrors), so the errors,
 * and ws's extra rules, are the caller's {@link WebSocketUrlRules}.
 */

/** What one API makes of a bad URL, and the rules only it has. */
export interface WebSocketUrlRules {
  /** The input does not parse as a URL. */
  unparsable(): Error;
  /** The scheme, after the http(s) mapping, is not `ws:`/`wss:`. */
  wrongScheme(url: URL): Error;
  /** The URL has a fragment (`#…`, or a bare `#` unless {@link allowEmptyFragment}). */
  fragment(url: URL): Error;
  /**
   * Runs after the http(s) mapping, before the checks; returns the URL to check (ws maps
   * `ws+unix:` to the `ws:` URL it requests over the socket).
   */
  rewrite?(url: URL): URL;
  /** ws lets a bare trailing `#` through (an empty fragment); the standard refuses it. */
  allowEmptyFragment?: boolean;
}

/** `http:` and `https:` URLs name the WebSocket at the same place (`ws:`, `wss:`), as in every API. */
function toWebSocketScheme(url: URL): void {
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
}

/**
 * Parses and checks a WebSocket URL.
 * @returns a new `URL` (an input `URL` is not modified)
 * @throws what `rules` make of an unparsable URL, another scheme or a fragment
 */
export function parseWebSocketUrl(input: string | URL, rules: WebSocketUrlRules): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw rules.unparsable();
  }
  toWebSocketScheme(url);
  if (rules.rewrite) url = rules.rewrite(url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw rules.wrongScheme(url);
  if (url.hash) throw rules.fragment(url);
  // A bare '#' is a fragment too (empty but non-null): only the serialization shows it ('#' is
  // percent-encoded everywhere else).
  if (url.href.endsWith('#') && !rules.allowEmptyFragment) throw rules.fragment(url);
  return url;
}

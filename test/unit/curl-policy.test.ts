import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CURL_OPTION_POLICY, curlOptionRule, curlOptionValue } from '../../lib/core/curl-policy';
import type { CurlApi } from '../../lib/core/curl-policy';
import { validateConnectOptions } from '../../lib/core/options';
import { thrown } from '../helpers/thrown';

const URL_ = 'ws://127.0.0.1:8080/';

/** connect()'s escape hatch, the whole way through option validation. */
const viaConnect = (name: string, value: unknown = 1): unknown => validateConnectOptions(URL_, { curl: { [name]: value as number } });

describe('one policy for libcurl options (connect() escape hatch and Easy.setopt)', () => {
  it('each API refuses exactly the options its column names, with the reason in the message', () => {
    for (const [name, refusal] of Object.entries(CURL_OPTION_POLICY)) {
      for (const api of ['connect', 'easy'] as CurlApi[]) {
        const why = refusal[api];
        if (why === undefined) {
          // Accepted by name (a C pointer type may still refuse it: then not for this row's reason).
          const err = (() => {
            try {
              curlOptionRule(api, name);
              return undefined;
            } catch (e) {
              return e as Error;
            }
          })();
          if (err) expect(err.message, `${api} ${name}`).not.toContain(Object.values(refusal)[0]);
          continue;
        }
        const err = thrown(() => curlOptionRule(api, name));
        expect(err, `${api} ${name}`).toBeInstanceOf(TypeError);
        expect(err.code).toBe(api === 'connect' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_CURL_OPTION_UNSUPPORTED');
        expect(err.message).toContain(why);
      }
    }
  });

  it('refuses what the two APIs used to disagree on in both (RANGE, POSTFIELDS, REDIR_PROTOCOLS, …)', () => {
    for (const name of [
      'CURLOPT_RANGE',
      'CURLOPT_POSTFIELDS',
      'CURLOPT_REDIR_PROTOCOLS_STR',
      'CURLOPT_RESUME_FROM_LARGE',
      'CURLOPT_MIMEPOST',
    ]) {
      expect(thrown(() => viaConnect(name, 'x')).message).toMatch(new RegExp(`^options\\.curl\\.${name} is refused by connect\\(\\): `));
      expect(thrown(() => curlOptionRule('easy', name)).message).toMatch(new RegExp(`^${name} is not supported by curlws/curl: `));
    }
  });

  it('connect() refuses what would write to the process stdout/stderr or what its engine owns', () => {
    expect(thrown(() => viaConnect('CURLOPT_HEADER')).message).toBe(
      "options.curl.CURLOPT_HEADER is refused by connect(): libcurl would write the server's response headers to the process's stdout (read connection.handshake.headers instead)",
    );
    expect(thrown(() => viaConnect('CURLOPT_NOPROGRESS', 0)).message).toContain("progress meter on the process's stderr");
    expect(thrown(() => viaConnect('CURLOPT_COOKIEJAR', '-')).message).toBe(
      'options.curl.CURLOPT_COOKIEJAR = "-" is refused: "-" writes the cookies to the process\'s stdout',
    );
    expect(() => viaConnect('CURLOPT_COOKIEJAR', '/tmp/jar.txt')).not.toThrow();
    for (const name of ['CURLOPT_URL', 'CURLOPT_HTTPHEADER', 'CURLOPT_WS_OPTIONS', 'CURLOPT_CONNECT_ONLY', 'CURLOPT_VERBOSE']) {
      expect(thrown(() => viaConnect(name, 1)).code, name).toBe('ERR_INVALID_ARG_VALUE');
    }
    // Easy mirrors C: there the caller owns stdout and these options.
    for (const name of ['CURLOPT_HEADER', 'CURLOPT_NOPROGRESS', 'CURLOPT_URL', 'CURLOPT_HTTPHEADER', 'CURLOPT_VERBOSE']) {
      expect(curlOptionRule('easy', name).name).toBe(name);
    }
  });

  it('refuses values that would block the event loop or split the request line, in both APIs', () => {
    const easyValue = (name: string, v: unknown): unknown => curlOptionValue('easy', curlOptionRule('easy', name), v, name);
    expect(thrown(() => viaConnect('CURLOPT_COOKIEFILE', '-')).message).toContain(
      "reads cookies from the process's stdin, which would block the event loop",
    );
    expect(thrown(() => easyValue('CURLOPT_COOKIEFILE', '-')).code).toBe('ERR_CURL_OPTION_UNSUPPORTED');
    expect(thrown(() => viaConnect('CURLOPT_REQUEST_TARGET', '/a HTTP/1.0')).message).toContain(
      'a space or tab would end the request target',
    );
    expect(thrown(() => easyValue('CURLOPT_REQUEST_TARGET', '/a\tb')).code).toBe('ERR_CURL_OPTION_UNSUPPORTED');
    expect(easyValue('CURLOPT_REQUEST_TARGET', '/a')).toBe('/a');
    expect(thrown(() => easyValue('CURLOPT_CONNECT_ONLY', 3)).message).toMatch(/must be 0, 1 .* or 2/);
    expect(easyValue('CURLOPT_CONNECT_ONLY', true)).toBe(1);
  });

  it("libcurl's read-callback send model: curlws/curl takes it, connect() refuses it (its engine sends)", () => {
    for (const name of ['CURLOPT_UPLOAD', 'CURLOPT_READFUNCTION', 'CURLOPT_READDATA', 'CURLOPT_UPLOAD_BUFFERSIZE']) {
      expect(curlOptionRule('easy', name).name).toBe(name);
      expect(thrown(() => viaConnect(name, 1)).message).toContain('the engine sends the messages itself');
    }
    expect(curlOptionRule('easy', 'CURLOPT_READFUNCTION').kind).toBe('function');
    expect(curlOptionRule('easy', 'CURLOPT_READDATA').kind).toBe('userdata');
  });

  it('names an unknown option with a did-you-mean in both APIs', () => {
    const err = thrown(() => viaConnect('CURLOPT_CONECTTIMEOUT', 5));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toBe('Unknown libcurl option "CURLOPT_CONECTTIMEOUT" in options.curl; did you mean "CURLOPT_CONNECTTIMEOUT"?');
    expect(thrown(() => curlOptionRule('easy', 'CURLOPT_CONECTTIMEOUT')).message).toBe(
      'Unknown libcurl option "CURLOPT_CONECTTIMEOUT"; did you mean "CURLOPT_CONNECTTIMEOUT"?',
    );
    // ...and one the linked libcurl lacks (an older system libcurl) is named as such.
    expect(thrown(() => curlOptionRule('connect', 'CURLOPT_TCP_NODELAY', () => null)).message).toBe(
      'Unknown libcurl option "CURLOPT_TCP_NODELAY" in options.curl (CURLOPT_TCP_NODELAY is newer than the linked libcurl)',
    );
  });

  it('takes names without the prefix and in any case, as libcurl does, and old names', () => {
    expect(validateConnectOptions(URL_, { curl: { useragent: 'x', CURLOPT_ENCODING: '' } }).curlOptions).toEqual([
      ['CURLOPT_USERAGENT', 'x'],
      ['CURLOPT_ACCEPT_ENCODING', ''],
    ]);
    expect(thrown(() => viaConnect('CURLOPT_FTPAPPEND')).message).toContain('(CURLOPT_FTPAPPEND is an old name of CURLOPT_APPEND)');
  });

  it('checks value types the same way: integers, strings without CR/LF/NUL, lists of them, bytes', () => {
    expect(thrown(() => viaConnect('CURLOPT_TCP_KEEPIDLE', 1.5)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => viaConnect('CURLOPT_USERAGENT', 5)).message).toBe(
      'Expected a string or null for options.curl.CURLOPT_USERAGENT but received 5 of type number',
    );
    expect(thrown(() => viaConnect('CURLOPT_USERAGENT', 'a\r\nX: 1')).message).toBe(
      'Expected a string without CR, LF or NUL for options.curl.CURLOPT_USERAGENT but received "a\\r\\nX: 1" of type string',
    );
    expect(thrown(() => viaConnect('CURLOPT_RESOLVE', ['a:80:127.0.0.1', 'b\n'])).message).toContain('options.curl.CURLOPT_RESOLVE[1]');
    expect(
      validateConnectOptions(URL_, { curl: { CURLOPT_MAXFILESIZE_LARGE: 10n, CURLOPT_SSLCERT_BLOB: new Uint8Array([1]) } }).curlOptions,
    ).toEqual([
      ['CURLOPT_MAXFILESIZE_LARGE', 10],
      ['CURLOPT_SSLCERT_BLOB', Buffer.from([1])],
    ]);
  });

  it('the docs list every option of the table (docs/libcurl.md; the connect()-only ones in docs/api.md too)', () => {
    const root = path.join(__dirname, '..', '..');
    const libcurlMd = readFileSync(path.join(root, 'docs', 'libcurl.md'), 'utf8');
    const apiMd = readFileSync(path.join(root, 'docs', 'api.md'), 'utf8');
    for (const [name, refusal] of Object.entries(CURL_OPTION_POLICY)) {
      const bare = name.slice('CURLOPT_'.length);
      expect(libcurlMd.includes(bare), `docs/libcurl.md lacks ${name}`).toBe(true);
      if (refusal.connect && !refusal.easy) expect(apiMd.includes(bare), `docs/api.md lacks ${name}`).toBe(true);
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCaBundle, normalizeUrl, validateConnectOptions } from '../../lib/core/options';
import { thrown } from '../helpers/thrown';

type OptionsModule = typeof import('../../lib/core/options');

const URL_ = 'ws://127.0.0.1:8080/';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function expectError(fn: () => unknown, Ctor: typeof TypeError | typeof RangeError, code: string, message: string): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(Ctor);
  expect(err.code).toBe(code);
  expect(err.message).toBe(message);
}

describe('normalizeUrl', () => {
  it('accepts ws: and wss: strings and URL objects', () => {
    expect(normalizeUrl('ws://a.test/x?y=1').href).toBe('ws://a.test/x?y=1');
    expect(normalizeUrl(new URL('wss://a.test')).href).toBe('wss://a.test/');
  });

  it('maps http: to ws: and https: to wss: without touching the caller URL', () => {
    const input = new URL('https://a.test/p');
    expect(normalizeUrl('http://a.test/').href).toBe('ws://a.test/');
    expect(normalizeUrl(input).href).toBe('wss://a.test/p');
    expect(input.protocol).toBe('https:');
  });

  it('rejects other schemes, naming the one received', () => {
    expectError(
      () => normalizeUrl('ftp://a.test/'),
      TypeError,
      'ERR_INVALID_URL',
      'The URL\'s protocol must be one of "ws:", "wss:", "http:", or "https:" (received "ftp:")',
    );
  });

  it('rejects a fragment, even an empty one', () => {
    for (const input of ['ws://a.test/#frag', 'ws://a.test/#']) {
      expectError(() => normalizeUrl(input), TypeError, 'ERR_INVALID_URL', 'The URL contains a fragment identifier');
    }
  });

  it('rejects unparsable input and non-string types', () => {
    expectError(() => normalizeUrl('not a url'), TypeError, 'ERR_INVALID_URL', 'Invalid URL: not a url');
    expectError(
      () => normalizeUrl(42),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'Expected a string or URL for url but received 42 of type number',
    );
  });
});

describe('validateConnectOptions', () => {
  it('applies the defaults when options are omitted', () => {
    const { caBundle, ...rest } = validateConnectOptions(URL_, undefined);
    // Identity, not deep equality: the bundle is computed once, and comparing ~200 KB is slow.
    expect(caBundle).toBe(defaultCaBundle());
    expect(rest).toEqual({
      url: URL_,
      protocols: [],
      headers: [],
      handshakeTimeout: 30_000,
      maxPayload: 104_857_600,
      closeTimeout: 30_000,
      signal: undefined,
      autoPong: true,
      textAs: 'string',
      pingInterval: 0,
      pongTimeout: 0,
      highWaterMark: 1_048_576,
      receiveHighWaterMark: 1024,
      publicUrl: URL_,
      curlOptions: [],
      verbose: 0,
      trace: undefined,
      followRedirects: false,
      maxRedirects: 10,
      privateDns: false,
      servernameRoute: undefined,
    });
  });

  it("textAs: 'string' or 'bytes'; anything else is ERR_INVALID_ARG_VALUE naming the choices", () => {
    expect(validateConnectOptions(URL_, { textAs: 'bytes' }).textAs).toBe('bytes');
    expect(validateConnectOptions(URL_, { textAs: 'string' }).textAs).toBe('string');
    for (const bad of ['Bytes', 'buffer', '', 1, null]) {
      const err = thrown(() => validateConnectOptions(URL_, { textAs: bad as never }));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(err.message).toContain("'string' or 'bytes'");
    }
  });

  it('rejects options that are not an object', () => {
    expectError(
      () => validateConnectOptions(URL_, 'x'),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'Expected an object for options but received "x" of type string',
    );
    expectError(
      () => validateConnectOptions(URL_, null),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'Expected an object for options but received null of type object',
    );
  });

  it('rejects an unknown option with a did-you-mean for a near miss', () => {
    expectError(
      () => validateConnectOptions(URL_, { maxPayLoad: 1 }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "maxPayLoad"; did you mean "maxPayload"?',
    );
    expectError(
      () => validateConnectOptions(URL_, { protocol: 'a' }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "protocol"; did you mean "protocols"?',
    );
    expectError(
      () => validateConnectOptions(URL_, { HEADERS: {} }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "HEADERS"; did you mean "headers"?',
    );
  });

  it('points a TLS or auth key given at the top level to where it belongs (as ws and tls.connect take them)', () => {
    expectError(
      () => validateConnectOptions(URL_, { rejectUnauthorized: false }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "rejectUnauthorized"; did you mean "tls.rejectUnauthorized"?',
    );
    expectError(
      () => validateConnectOptions(URL_, { ca: PEM }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "ca"; did you mean "tls.ca"?',
    );
    expectError(
      () => validateConnectOptions(URL_, { bearer: 't' }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "bearer"; did you mean "auth.bearer"?',
    );
  });

  it('rejects an unknown option without a suggestion when nothing is close', () => {
    expectError(
      () => validateConnectOptions(URL_, { zlibDeflateOptions: {} }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'Unknown option "zlibDeflateOptions"',
    );
  });

  describe('perMessageDeflate', () => {
    const pmd = (value: unknown) => validateConnectOptions(URL_, { perMessageDeflate: value }).perMessageDeflate;
    it('is off by default and with false', () => {
      expect(pmd(undefined)).toBeUndefined();
      expect(pmd(false)).toBeUndefined();
    });
    it('true takes ws defaults: client_max_window_bits offered without a value, threshold 1024', () => {
      expect(pmd(true)).toEqual({
        serverNoContextTakeover: false,
        clientNoContextTakeover: undefined,
        serverMaxWindowBits: 0,
        clientMaxWindowBits: 0,
        threshold: 1024,
        level: -1,
        memLevel: 8,
      });
    });
    it('maps every setting', () => {
      const all = {
        serverNoContextTakeover: true,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 8,
        clientMaxWindowBits: 15,
        threshold: 0,
        level: 9,
        memLevel: 1,
      };
      expect(pmd(all)).toEqual(all);
      expect(pmd({ clientMaxWindowBits: false })!.clientMaxWindowBits).toBe(-1);
      expect(pmd({ clientMaxWindowBits: true })!.clientMaxWindowBits).toBe(0);
    });
    it.each([
      [{ serverMaxWindowBits: 7 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.serverMaxWindowBits'],
      [{ serverMaxWindowBits: 16 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.serverMaxWindowBits'],
      [{ serverMaxWindowBits: true }, TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate.serverMaxWindowBits'],
      [{ clientMaxWindowBits: 9.5 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.clientMaxWindowBits'],
      [{ clientMaxWindowBits: '15' }, TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate.clientMaxWindowBits'],
      [{ level: 10 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.level'],
      [{ level: -2 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.level'],
      [{ memLevel: 0 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.memLevel'],
      [{ threshold: -1 }, RangeError, 'ERR_OUT_OF_RANGE', 'options.perMessageDeflate.threshold'],
      [{ serverNoContextTakeover: 1 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate.serverNoContextTakeover'],
      [{ clientNoContextTakeover: 'yes' }, TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate.clientNoContextTakeover'],
      [{ serverMaxWindowBit: 10 }, TypeError, 'ERR_INVALID_ARG_VALUE', 'did you mean "perMessageDeflate.serverMaxWindowBits"'],
      ['yes', TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate'],
      [null, TypeError, 'ERR_INVALID_ARG_TYPE', 'options.perMessageDeflate'],
    ])('rejects %j', (value, Ctor, code, text) => {
      const err = thrown(() => pmd(value));
      expect(err).toBeInstanceOf(Ctor);
      expect(err.code).toBe(code);
      expect(err.message).toContain(text);
    });
  });

  describe('protocols', () => {
    it('accepts one string or an ordered list of tokens', () => {
      expect(validateConnectOptions(URL_, { protocols: 'chat' }).protocols).toEqual(['chat']);
      expect(validateConnectOptions(URL_, { protocols: ['v2.json', 'v1'] }).protocols).toEqual(['v2.json', 'v1']);
    });

    it('rejects empty strings, separators and non-strings', () => {
      expectError(
        () => validateConnectOptions(URL_, { protocols: [''] }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a non-empty RFC 7230 token for options.protocols[0] but received "" of type string',
      );
      expectError(
        () => validateConnectOptions(URL_, { protocols: ['a', 'b c'] }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a non-empty RFC 7230 token for options.protocols[1] but received "b c" of type string',
      );
      expectError(
        () => validateConnectOptions(URL_, { protocols: [1] }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected a string for options.protocols[0] but received 1 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { protocols: 5 }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected a string or an array of strings for options.protocols but received 5 of type number',
      );
    });

    it('rejects duplicates (exact match only)', () => {
      expectError(
        () => validateConnectOptions(URL_, { protocols: ['a', 'a'] }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a subprotocol not already listed for options.protocols[1] but received "a" of type string',
      );
      expect(validateConnectOptions(URL_, { protocols: ['a', 'A'] }).protocols).toEqual(['a', 'A']);
    });
  });

  describe('headers', () => {
    it('turns an object into "Name: value" lines, repeating array values', () => {
      const o = validateConnectOptions(URL_, { headers: { Authorization: 'Bearer t', 'X-Multi': ['1', '2'] } });
      expect(o.headers).toEqual(['Authorization: Bearer t', 'X-Multi: 1', 'X-Multi: 2']);
    });

    it('accepts iterables of pairs such as a Map or WHATWG Headers', () => {
      expect(validateConnectOptions(URL_, { headers: new Map([['X-A', '1']]) }).headers).toEqual(['X-A: 1']);
      expect(validateConnectOptions(URL_, { headers: new Headers({ 'X-B': '2' }) }).headers).toEqual(['x-b: 2']);
      expect(validateConnectOptions(URL_, { headers: [['X-C', '3']] }).headers).toEqual(['X-C: 3']);
    });

    it('writes an empty value as "Name;" so libcurl sends it instead of removing the header', () => {
      expect(validateConnectOptions(URL_, { headers: { 'X-Empty': '' } }).headers).toEqual(['X-Empty;']);
    });

    it('rejects values containing CR, LF or NUL', () => {
      expectError(
        () => validateConnectOptions(URL_, { headers: { 'X-A': 'a\r\nInjected: 1' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a string without CR, LF or NUL for options.headers["X-A"] but received "a\\r\\nInjected: 1" of type string',
      );
    });

    it('rejects names that are not tokens and values that are not strings', () => {
      expectError(
        () => validateConnectOptions(URL_, { headers: { 'Bad Name': 'x' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a header name that is an RFC 7230 token for options.headers["Bad Name"] but received "Bad Name" of type string',
      );
      expectError(
        () => validateConnectOptions(URL_, { headers: { 'X-A': 1 } }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected a string or an array of strings for options.headers["X-A"] but received 1 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { headers: [['X-A']] }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected a [name, value] pair for options.headers[0] but received Array(1) of type object',
      );
      expectError(
        () => validateConnectOptions(URL_, { headers: 'X-A: 1' }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected an object or an iterable of [name, value] pairs for options.headers but received "X-A: 1" of type string',
      );
    });

    it.each(['Sec-WebSocket-Key', 'sec-websocket-version', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Accept', 'Upgrade', 'CONNECTION'])(
      'rejects %s because curlws sets it',
      (name) => {
        expectError(
          () => validateConnectOptions(URL_, { headers: { [name]: 'x' } }),
          TypeError,
          'ERR_INVALID_ARG_VALUE',
          `Expected a header other than "${name}" (curlws sets it) for options.headers[${JSON.stringify(name)}] but received "${name}" of type string`,
        );
      },
    );

    it('takes a Host header (it replaces the one libcurl derives from the URL), but only one', () => {
      expect(validateConnectOptions(URL_, { headers: { host: 'example.test:8080' } }).headers).toEqual(['host: example.test:8080']);
      expectError(
        () =>
          validateConnectOptions(URL_, {
            headers: [
              ['Host', 'a.test'],
              ['HOST', 'b.test'],
            ],
          }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a single Host header for options.headers[1] but received "b.test" of type string',
      );
      expectError(
        () => validateConnectOptions(URL_, { headers: { Host: 'a.test\r\nX-Injected: 1' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a string without CR, LF or NUL for options.headers["Host"] but received "a.test\\r\\nX-Injected: 1" of type string',
      );
    });

    it("a caller's Host wins over the one tls.servername adds", () => {
      const sni = validateConnectOptions('wss://127.0.0.1:8443/', { tls: { servername: 'api.test' } });
      expect(sni.headers).toEqual(['Host: 127.0.0.1:8443']);
      expect(sni.servernameHost).toBe('Host: 127.0.0.1:8443');
      const both = validateConnectOptions('wss://127.0.0.1:8443/', { tls: { servername: 'api.test' }, headers: { Host: 'front.test' } });
      expect(both.headers).toEqual(['Host: front.test']);
      expect(both.servernameHost).toBeUndefined();
    });

    it('rejects Sec-WebSocket-Protocol, pointing to the protocols option', () => {
      expectError(
        () => validateConnectOptions(URL_, { headers: [['sec-websocket-protocol', 'a']] }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected no Sec-WebSocket-Protocol header (use the protocols option) for options.headers[0] but received "sec-websocket-protocol" of type string',
      );
    });
  });

  describe('cookies', () => {
    it('joins the object form as "name=value; …"; the string form is the header value as given', () => {
      const cookie = (o: unknown): unknown => validateConnectOptions(URL_, { cookies: o as Record<string, string> }).curlOptions;
      expect(cookie({ a: '1', b: 'x=y', c: '"quoted"', d: '' })).toEqual([['CURLOPT_COOKIE', 'a=1; b=x=y; c="quoted"; d=']]);
      expect(cookie('a=1; b=2')).toEqual([['CURLOPT_COOKIE', 'a=1; b=2']]);
    });

    it('refuses a cookie name that is not an RFC 6265 token: it could add a header or another cookie', () => {
      for (const name of ['a\r\nX-Injected: 1\r\nb', 'a=1; admin', 'a b', 'a;b', '', 'ä']) {
        const err = thrown(() => validateConnectOptions(URL_, { cookies: { [name]: 'v' } }));
        expect(err).toBeInstanceOf(TypeError);
        expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
        expect(err.message).toContain(
          `a cookie name that is an RFC 6265 token (no "=", ";", space or control characters) for options.cookies[${JSON.stringify(name)}]`,
        );
      }
    });

    it('refuses a cookie value that is not cookie-octets (";" would add a cookie), saying how to encode', () => {
      expectError(
        () => validateConnectOptions(URL_, { cookies: { session: 'x; admin=true' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a cookie value of RFC 6265 cookie-octets (no ";", ",", space, quote, backslash or control characters; encode others, e.g. with encodeURIComponent) for options.cookies["session"] but received "x; admin=true" of type string',
      );
      for (const v of ['a b', 'a,b', 'a\\b', '"a', 'é', 'a\tb']) {
        expect(thrown(() => validateConnectOptions(URL_, { cookies: { n: v } })).code).toBe('ERR_INVALID_ARG_VALUE');
      }
      expectError(
        () => validateConnectOptions(URL_, { cookies: { n: 'a\r\nX-Injected: 1' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a string without CR, LF or NUL for options.cookies["n"] but received "a\\r\\nX-Injected: 1" of type string',
      );
    });
  });

  describe('numbers', () => {
    it('accepts 0 and the maximum of each range', () => {
      const o = validateConnectOptions(URL_, { handshakeTimeout: 0, maxPayload: Number.MAX_SAFE_INTEGER, closeTimeout: 2_147_483_647 });
      expect([o.handshakeTimeout, o.maxPayload, o.closeTimeout]).toEqual([0, Number.MAX_SAFE_INTEGER, 2_147_483_647]);
    });

    it('rejects non-numbers as a type error', () => {
      expectError(
        () => validateConnectOptions(URL_, { maxPayload: '1' }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected an integer for options.maxPayload but received "1" of type string',
      );
      expectError(
        () => validateConnectOptions(URL_, { closeTimeout: NaN }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected an integer for options.closeTimeout but received NaN of type number',
      );
    });

    it('rejects fractions, negatives and values past the range', () => {
      expectError(
        () => validateConnectOptions(URL_, { handshakeTimeout: 2_147_483_648 }),
        RangeError,
        'ERR_OUT_OF_RANGE',
        'Expected an integer from 0 to 2147483647 for options.handshakeTimeout but received 2147483648 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { closeTimeout: -1 }),
        RangeError,
        'ERR_OUT_OF_RANGE',
        'Expected an integer from 0 to 2147483647 for options.closeTimeout but received -1 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { maxPayload: 1.5 }),
        RangeError,
        'ERR_OUT_OF_RANGE',
        'Expected an integer from 0 to 9007199254740991 for options.maxPayload but received 1.5 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { maxPayload: Infinity }),
        RangeError,
        'ERR_OUT_OF_RANGE',
        'Expected an integer from 0 to 9007199254740991 for options.maxPayload but received Infinity of type number',
      );
    });
  });

  it('passes an AbortSignal through and rejects anything else', () => {
    const signal = new AbortController().signal;
    expect(validateConnectOptions(URL_, { signal }).signal).toBe(signal);
    expectError(
      () => validateConnectOptions(URL_, { signal: {} }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'Expected an AbortSignal for options.signal but received Object of type object',
    );
  });

  describe('tls', () => {
    it('replaces the default roots with tls.ca, joining several PEMs with a newline', () => {
      expect(validateConnectOptions(URL_, { tls: { ca: PEM } }).caBundle.toString()).toBe(PEM);
      const both = validateConnectOptions(URL_, { tls: { ca: [PEM, Buffer.from(PEM)] } }).caBundle;
      expect(both.toString()).toBe(`${PEM}\n${PEM}`);
    });

    it('uses the default bundle when tls has no ca', () => {
      expect(validateConnectOptions(URL_, { tls: {} }).caBundle).toBe(defaultCaBundle());
    });

    it('rejects unknown tls keys with a did-you-mean', () => {
      expectError(
        () => validateConnectOptions(URL_, { tls: { cA: PEM } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Unknown option "tls.cA"; did you mean "tls.ca"?',
      );
      expectError(
        () => validateConnectOptions(URL_, { tls: 'x' }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected an object for options.tls but received "x" of type string',
      );
    });

    it('says to read the file when tls.ca, cert or key is given a file name', () => {
      expectError(
        () => validateConnectOptions(URL_, { tls: { ca: '/path/cert.pem' } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a PEM certificate ("-----BEGIN CERTIFICATE-----"): the contents, not a file name (read it first: fs.readFileSync("/path/cert.pem")) for options.tls.ca but received "/path/cert.pem" of type string',
      );
      for (const key of ['cert', 'key'] as const) {
        expect(thrown(() => validateConnectOptions(URL_, { tls: { [key]: './client.pem' } })).message).toContain(
          `the contents, not a file name (read it first: fs.readFileSync("./client.pem")) for options.tls.${key}`,
        );
      }
      // Not a path: no file hint.
      expect(thrown(() => validateConnectOptions(URL_, { tls: { ca: 'MIIBxx' } })).message).not.toContain('readFileSync');
    });

    it('rejects a CA that is not PEM, of the wrong type, or an empty list', () => {
      expectError(
        () => validateConnectOptions(URL_, { tls: { ca: Buffer.from([0x30, 0x82]) } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected a PEM certificate ("-----BEGIN CERTIFICATE-----") for options.tls.ca but received Buffer of type object',
      );
      expectError(
        () => validateConnectOptions(URL_, { tls: { ca: [PEM, 3] } }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'Expected a PEM string or Buffer for options.tls.ca[1] but received 3 of type number',
      );
      expectError(
        () => validateConnectOptions(URL_, { tls: { ca: [] } }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        'Expected at least one PEM certificate for options.tls.ca but received Array(0) of type object',
      );
    });
  });
});

describe('defaultCaBundle', () => {
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    vi.restoreAllMocks();
  });

  // Each case loads a fresh module, because the bundle is computed once per module instance.
  async function freshModule(): Promise<OptionsModule> {
    vi.resetModules();
    return (await import('../../lib/core/options')) as OptionsModule;
  }

  it("holds Node's root certificates and returns the same Buffer every time", async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const { defaultCaBundle: fresh } = await freshModule();
    const bundle = fresh();
    expect(bundle.toString()).toBe(tls.rootCertificates.join('\n'));
    expect(fresh()).toBe(bundle);
  });

  it('appends the NODE_EXTRA_CA_CERTS file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'curlws-ca-')), 'extra.pem');
    writeFileSync(file, PEM);
    process.env.NODE_EXTRA_CA_CERTS = file;
    const { defaultCaBundle: fresh } = await freshModule();
    expect(fresh().toString().endsWith(`\n${PEM}`)).toBe(true);
  });

  it('warns once and continues when NODE_EXTRA_CA_CERTS cannot be read', async () => {
    process.env.NODE_EXTRA_CA_CERTS = '/nonexistent/extra.pem';
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { defaultCaBundle: fresh } = await freshModule();
    expect(fresh().toString()).toBe(tls.rootCertificates.join('\n'));
    fresh();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('Ignoring extra certs from `/nonexistent/extra.pem`, load failed:');
  });
});

import { describe, expect, it } from 'vitest';
import { caBundleFile, defaultCaBundle, mayUseTls } from '../../lib/core/ca-bundle.js';

/** A stand-in for the engine's caFile(): counts the files it makes. */
function fakeCreator(result = (n: number) => `/proc/self/fd/${100 + n}`) {
  const made: Buffer[] = [];
  return {
    made,
    create: (bundle: Buffer): string => {
      made.push(bundle);
      return result(made.length);
    },
  };
}

describe('caBundleFile', () => {
  it('makes one file per bundle and returns the same name for the same buffer', () => {
    const f = fakeCreator();
    const bundle = Buffer.from('-----BEGIN CERTIFICATE-----\nsame buffer\n');
    const file = caBundleFile(bundle, f.create);
    expect(file).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(caBundleFile(bundle, f.create)).toBe(file);
    expect(f.made).toEqual([bundle]);
  });

  it('gives equal contents one file (libcurl caches the store by name) and different contents another', () => {
    const f = fakeCreator();
    const a = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nA\n'), f.create);
    const a2 = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nA\n'), f.create);
    const b = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nB\n'), f.create);
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
    expect(f.made).toHaveLength(2);
  });

  it('returns undefined (use a blob) when the platform has no in-memory files, and does not ask again', () => {
    const f = fakeCreator(() => '');
    const bundle = Buffer.from('-----BEGIN CERTIFICATE-----\nno memfd\n');
    expect(caBundleFile(bundle, f.create)).toBeUndefined();
    expect(caBundleFile(bundle, f.create)).toBeUndefined();
    expect(f.made).toHaveLength(1);
  });

  it('stops making files after 16 distinct bundles: a new tls.ca per connection cannot pile them up', () => {
    const f = fakeCreator();
    const files = Array.from({ length: 40 }, (_, i) => caBundleFile(Buffer.from(`-----BEGIN CERTIFICATE-----\ndistinct ${i}\n`), f.create));
    expect(f.made.length).toBeLessThanOrEqual(16);
    expect(files.at(-1)).toBeUndefined();
  });

  it('the default bundle is computed once', () => {
    expect(defaultCaBundle()).toBe(defaultCaBundle());
  });
});

describe('mayUseTls', () => {
  const none: [string, unknown][] = [];
  it('wss: always; ws: not, without an HTTPS proxy', () => {
    expect(mayUseTls('wss://example.test/', none, {})).toBe(true);
    expect(mayUseTls('ws://example.test/', none, {})).toBe(false);
    expect(mayUseTls('ws://example.test/', [['CURLOPT_PROXY', 'http://127.0.0.1:3128']], {})).toBe(false);
    expect(mayUseTls('ws://example.test/', none, { http_proxy: 'http://p:1', ALL_PROXY: 'socks5h://p:2' })).toBe(false);
  });

  it('ws: through an HTTPS proxy, given as an option or found in the environment as libcurl would', () => {
    expect(mayUseTls('ws://example.test/', [['CURLOPT_PROXY', 'https://p:443']], {})).toBe(true);
    expect(mayUseTls('ws://example.test/', [['CURLOPT_PRE_PROXY', 'HTTPS://p:443']], {})).toBe(true);
    for (const name of ['ws_proxy', 'WS_PROXY', 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'all_proxy', 'ALL_PROXY', 'HTTPS_PROXY']) {
      expect(mayUseTls('ws://example.test/', none, { [name]: ' https://p:443' }), name).toBe(true);
    }
  });

  it('ws: ignores variables libcurl never reads for a ws: URL (looked up by name, not by enumerating the environment)', () => {
    for (const name of ['ftp_proxy', 'no_proxy', 'socks_proxy', 'xhttp_proxy']) {
      expect(mayUseTls('ws://example.test/', none, { [name]: 'https://p:443' }), name).toBe(false);
    }
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      ownKeys() {
        throw new Error('the environment was enumerated');
      },
    });
    expect(mayUseTls('ws://example.test/', none, env)).toBe(false);
  });
});

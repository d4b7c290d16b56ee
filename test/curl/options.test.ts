// curlws/curl without a network: option and info tables (generated from the pinned headers)
// against the linked libcurl, the option policy's errors, version and strerror.
import { describe, expect, it } from 'vitest';
import * as curl from '../../lib/curl';
import { Easy } from '../../lib/curl';
import { binding } from '../../lib/core/native';

describe('generated tables', () => {
  it('every CURLOPT_* has the id and type the linked libcurl reports (curl_easy_option_by_name)', () => {
    const linkedType: Record<string, string> = {
      LONG: 'long',
      VALUES: 'values',
      OFF_T: 'off_t',
      STRINGPOINT: 'string',
      SLISTPOINT: 'slist',
      BLOB: 'blob',
      CBPOINT: 'cbptr',
      FUNCTIONPOINT: 'function',
      OBJECTPOINT: 'object',
    };
    let checked = 0;
    for (const [name, { id, type }] of Object.entries(curl.CURLOPTS)) {
      const info = binding.curlOption(name);
      if (!info) continue; // an option compiled out of this libcurl build
      expect({ name, id: info.id }).toEqual({ name, id });
      // libcurl's own table calls a few object pointers strings and vice versa; ids must agree
      if (type !== 'OBJECTPOINT' && info.type !== 'object') expect({ name, type: info.type }).toEqual({ name, type: linkedType[type] });
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });

  it("constants have libcurl's values", () => {
    expect([
      curl.CURLWS_TEXT,
      curl.CURLWS_BINARY,
      curl.CURLWS_CONT,
      curl.CURLWS_CLOSE,
      curl.CURLWS_PING,
      curl.CURLWS_OFFSET,
      curl.CURLWS_PONG,
    ]).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect([curl.CURLWS_RAW_MODE, curl.CURLWS_NOAUTOPONG]).toEqual([1, 2]);
    expect([curl.CURLH_HEADER, curl.CURLH_TRAILER, curl.CURLH_CONNECT, curl.CURLH_1XX, curl.CURLH_PSEUDO]).toEqual([1, 2, 4, 8, 16]);
    expect([curl.CURLE_OK, curl.CURLE_HTTP_RETURNED_ERROR, curl.CURLE_WRITE_ERROR, curl.CURLE_GOT_NOTHING, curl.CURLE_AGAIN]).toEqual([
      0, 22, 23, 52, 81,
    ]);
    expect([curl.CURLINFO_TEXT, curl.CURLINFO_HEADER_IN, curl.CURLINFO_HEADER_OUT, curl.CURLINFO_DATA_OUT]).toEqual([0, 1, 2, 4]);
    expect(curl.CURLINFOS.CURLINFO_RESPONSE_CODE).toEqual({ id: 0x200002, type: 'LONG' });
    expect(curl.CURLINFOS.CURLINFO_ACTIVESOCKET).toEqual({ id: 0x500000 + 44, type: 'SOCKET' });
  });
});

describe('setopt errors', () => {
  const easy = new Easy();

  it('an unknown name is a TypeError with a did-you-mean', () => {
    expect(() => easy.setopt('CURLOPT_CONECTTIMEOUT' as 'CURLOPT_URL', 1 as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'Unknown libcurl option "CURLOPT_CONECTTIMEOUT"; did you mean "CURLOPT_CONNECTTIMEOUT"?',
      }),
    );
    expect(() => easy.setopt(42 as never, 1 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('a value of the wrong type is ERR_INVALID_ARG_TYPE naming the option', () => {
    expect(() => easy.setopt('CURLOPT_URL', 5 as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'Expected a string or null for CURLOPT_URL but received 5 of type number',
      }),
    );
    expect(() => easy.setopt('CURLOPT_VERBOSE', '1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.setopt('CURLOPT_TIMEOUT_MS', 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.setopt('CURLOPT_HTTPHEADER', 'X-A: 1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.setopt('CURLOPT_CAINFO_BLOB', 'pem' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.setopt('CURLOPT_WRITEFUNCTION', 'f' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => easy.setopt('CURLOPT_USERAGENT', 'a\0b')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('options for other protocols, bodies and C pointers are refused with the reason', () => {
    const refused = (name: string, reason: RegExp): void => {
      expect(() => easy.setopt(name as 'CURLOPT_URL', 'x')).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_CURL_OPTION_UNSUPPORTED', message: expect.stringMatching(reason) }),
      );
    };
    refused('CURLOPT_FTPPORT', /CURLOPT_FTPPORT is not supported by curlws\/curl: an FTP option/);
    refused('CURLOPT_MAIL_FROM', /mail protocols/);
    refused('CURLOPT_SSH_PRIVATE_KEYFILE', /SSH/);
    refused('CURLOPT_POSTFIELDS', /without a request body/);
    refused('CURLOPT_SEEKFUNCTION', /without a request body/);
    refused('CURLOPT_CUSTOMREQUEST', /plain GET/);
    refused('CURLOPT_PROTOCOLS_STR', /ws:\/\/ and wss:\/\/ only/);
    refused('CURLOPT_ERRORBUFFER', /easy\.errorBuffer/);
    refused('CURLOPT_XFERINFOFUNCTION', /C callback .*bridged: CURLOPT_WRITEFUNCTION/);
    refused('CURLOPT_SSL_CTX_DATA', /data pointer/);
    refused('CURLOPT_FTPAPPEND', /CURLOPT_FTPAPPEND is an old name of CURLOPT_APPEND/);
    expect(() => easy.setopt('CURLOPT_CONNECT_ONLY', 3)).toThrow(
      expect.objectContaining({ code: 'ERR_CURL_OPTION_UNSUPPORTED', message: expect.stringMatching(/must be 0, 1 .* or 2/) }),
    );
    // libcurl's read-callback send model and CONNECT_ONLY=1 are taken (easy.send()/easy.recv())
    easy.setopt('CURLOPT_UPLOAD', 1);
    easy.setopt('CURLOPT_READFUNCTION', () => 0);
    easy.setopt('CURLOPT_READFUNCTION', null);
    easy.setopt('CURLOPT_READDATA', { any: 'value' });
    easy.setopt('CURLOPT_UPLOAD_BUFFERSIZE', 16384);
    easy.setopt('CURLOPT_CONNECT_ONLY', 1);
    easy.setopt('CURLOPT_CONNECT_ONLY', 0);
  });

  it('accepts every plain type, null to reset, and aliases', () => {
    easy.setopt('CURLOPT_URL', 'ws://127.0.0.1:1/');
    easy.setopt('CURLOPT_URL', null);
    easy.setopt('CURLOPT_VERBOSE', false);
    easy.setopt('CURLOPT_MAXAGE_CONN', 30);
    easy.setopt('CURLOPT_MAX_RECV_SPEED_LARGE', 10n ** 9n);
    easy.setopt('CURLOPT_HTTPHEADER', ['X-A: 1', 'X-B: 2']);
    easy.setopt('CURLOPT_HTTPHEADER', null);
    easy.setopt('CURLOPT_CAINFO_BLOB', new Uint8Array([1, 2, 3]));
    easy.setopt('CURLOPT_ENCODING', ''); // alias of CURLOPT_ACCEPT_ENCODING
    easy.setopt('CURLOPT_PRIVATE', { mine: true });
    expect(easy.getinfo('CURLINFO_PRIVATE')).toEqual({ mine: true });
  });

  it('a value libcurl itself refuses is a CurlError with its CURLcode, naming the option and the value', () => {
    expect(() => easy.setopt('CURLOPT_SSLVERSION', 999)).toThrow(
      expect.objectContaining({
        name: 'CurlError',
        code: 'CURLE_BAD_FUNCTION_ARGUMENT',
        curlCode: 43,
        message: 'A libcurl function was given a bad argument: libcurl refused CURLOPT_SSLVERSION = 999',
      }),
    );
  });

  it('refuses CR, LF and NUL in strings and list entries with ERR_INVALID_ARG_VALUE naming the option', () => {
    expect(() => easy.setopt('CURLOPT_USERAGENT', 'a\r\nX-Injected: 1')).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'Expected a string without CR, LF or NUL for CURLOPT_USERAGENT but received "a\\r\\nX-Injected: 1" of type string',
      }),
    );
    expect(() => easy.setopt('CURLOPT_HTTPHEADER', ['X-A: 1', 'X-B: 2\nX-Injected: 1'])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('for CURLOPT_HTTPHEADER[1]') }),
    );
    easy.setopt('CURLOPT_HTTPHEADER', null);
  });

  it('getinfo: unknown names and native pointers are TypeErrors; values are typed', () => {
    const e = new Easy();
    expect(() => e.getinfo('CURLINFO_NOPE' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => e.getinfo('CURLINFO_TLS_SSL_PTR')).toThrow(expect.objectContaining({ code: 'ERR_CURL_OPTION_UNSUPPORTED' }));
    expect(e.getinfo('CURLINFO_RESPONSE_CODE')).toBe(0);
    expect(e.getinfo('CURLINFO_EFFECTIVE_URL')).toBe('');
    expect(e.getinfo('CURLINFO_REDIRECT_URL')).toBeNull();
    expect(e.getinfo('CURLINFO_ACTIVESOCKET')).toBe(-1);
    expect(e.getinfo('CURLINFO_TOTAL_TIME_T')).toBe(0);
    expect(e.getinfo('CURLINFO_SSL_ENGINES')).toEqual(expect.any(Array));
    expect(e.header('Upgrade')).toBeNull(); // CURLHE_NOHEADERS
    e.close();
  });

  it('a closed handle refuses everything with ERR_CURL_EASY_CLOSED; close() is idempotent', async () => {
    const e = new Easy();
    e.close();
    e.close();
    expect(() => e.setopt('CURLOPT_URL', 'ws://x/')).toThrow(
      expect.objectContaining({ name: 'CurlWsError', code: 'ERR_CURL_EASY_CLOSED' }),
    );
    expect(() => e.wsRecv(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'ERR_CURL_EASY_CLOSED' }));
    await expect(e.perform()).rejects.toMatchObject({ code: 'ERR_CURL_EASY_CLOSED' });
    expect(e.errorBuffer).toBe('');
  });

  it('ws calls before a connection: CurlError from libcurl, readiness helpers ERR_CURL_NOT_CONNECTED', async () => {
    const e = new Easy();
    expect(() => e.wsRecv(Buffer.alloc(16))).toThrow(expect.objectContaining({ name: 'CurlError' }));
    expect(() => e.wsSend(Buffer.from('x'), curl.CURLWS_TEXT)).toThrow(expect.objectContaining({ name: 'CurlError' }));
    expect(e.wsMeta()).toBeNull();
    await expect(e.wsReadable()).rejects.toMatchObject({ name: 'CurlWsError', code: 'ERR_CURL_NOT_CONNECTED' });
    expect(() => e.wsSend('text' as never, curl.CURLWS_TEXT)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    e.close();
  });
});

describe('version and errors', () => {
  it('version() is curl_version(), versionInfo() curl_version_info()', () => {
    expect(curl.version()).toMatch(new RegExp(`^libcurl/${binding.versions.libcurl.replace(/\./g, '\\.')} `));
    const v = curl.versionInfo();
    expect(v.version).toBe(binding.versions.libcurl);
    expect(v.version_num).toBe(binding.versions.versionNum);
    expect(v.protocols).toEqual(expect.arrayContaining(['ws', 'wss']));
    expect(v.feature_names).toEqual(expect.arrayContaining(['SSL']));
    expect(typeof v.features).toBe('number');
  });

  it('strerror() is curl_easy_strerror; curlCodeName names codes', () => {
    expect(curl.strerror(curl.CURLE_AGAIN)).toBe('Socket not ready for send/recv');
    expect(curl.strerror(curl.CURLE_OK)).toBe('No error');
    expect(curl.curlCodeName(22)).toBe('CURLE_HTTP_RETURNED_ERROR');
  });
});

import { describe, expect, it } from 'vitest';
import { cookiePair, headerLine, LINE_BREAK_OR_NUL, wireString } from '../../lib/core/request-values';

describe('request values: what a caller string may put into the handshake', () => {
  it('wireString refuses CR, LF and NUL anywhere, naming the option, and checks the type first', () => {
    for (const s of ['\r', '\n', '\0', 'a\r\nb', 'a\0', '\nb']) {
      expect(() => wireString('options.x', s)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }));
    }
    expect(() => wireString('options.x', 5, 'a string or null')).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'Expected a string or null for options.x but received 5 of type number',
      }),
    );
    // Everything else passes: tabs, other controls, non-ASCII (sent as UTF-8, never as latin1).
    for (const s of ['', 'a\tb', '\u0085', '\u2028', '\u010d\u010a', 'ä;=,']) expect(wireString('options.x', s)).toBe(s);
    expect(LINE_BREAK_OR_NUL.test('a\u010d\u010ab')).toBe(false);
  });

  it('headerLine: a token name, a safe value; an empty value is "Name;" (libcurl drops "Name:")', () => {
    expect(headerLine('h', 'X-A', 'v')).toBe('X-A: v');
    expect(headerLine('h', 'X-A', '')).toBe('X-A;');
    for (const name of ['X A', 'X:A', 'X;A', 'X=A', '', 'X\r\nY', 5]) {
      expect(() => headerLine('h', name, 'v')).toThrow(
        expect.objectContaining({ message: expect.stringContaining('a header name that is an RFC 7230 token') }),
      );
    }
  });

  it('cookiePair: RFC 6265 names and values, quoted values included', () => {
    expect(cookiePair('c', 'a', 'x=y')).toBe('a=x=y');
    expect(cookiePair('c', 'a', '"x"')).toBe('a="x"');
    expect(cookiePair('c', 'a', '')).toBe('a=');
    for (const [n, v] of [
      ['a=1; admin', 'v'],
      ['a', 'x; admin=1'],
      ['a', 'x y'],
      ['a', '"x'],
      ['a b', 'v'],
    ]) {
      expect(() => cookiePair('c', n as string, v)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    }
  });
});

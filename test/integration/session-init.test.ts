/**
 * The native Session constructor takes its options as one flat array (SessionInitField). lib/
 * validates every option first; these call the internal constructor directly with a wrong value
 * in each position, and with a wrong array, and expect a TypeError naming the field, never a
 * crash, a silently defaulted value or a session that starts.
 */
import { describe, expect, inject, it } from 'vitest';
import { SessionInitField as F } from '../../lib/core/contract.js';
import { binding } from '../../lib/core/native.js';
import { nativeSessionInit } from '../helpers/native-session.js';

const wsEcho = inject('wsEchoUrl');

type Kind = 'string' | 'strings' | 'count' | 'bool' | 'optString' | 'optBool' | 'optBuffer' | 'array' | 'int';

const KINDS: Record<Exclude<keyof typeof F, 'FieldCount'>, Kind> = {
  Url: 'string',
  Protocols: 'strings',
  Headers: 'strings',
  HandshakeTimeout: 'count',
  MaxPayload: 'count',
  CloseTimeout: 'count',
  CaFile: 'optString',
  CaBundle: 'optBuffer',
  Keylog: 'optString',
  CurlOptions: 'array',
  Verbose: 'count',
  PrivateDns: 'bool',
  AutoPong: 'bool',
  TextAsBytes: 'bool',
  Deflate: 'bool',
  DeflateServerNoContextTakeover: 'bool',
  DeflateClientNoContextTakeover: 'optBool',
  DeflateServerMaxWindowBits: 'int',
  DeflateClientMaxWindowBits: 'int',
  DeflateThreshold: 'count',
  DeflateLevel: 'int',
  DeflateMemLevel: 'int',
};

const GARBAGE: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['-1', -1],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['2^60', 2 ** 60],
  ['1e300', 1e300],
  ['0.5', 0.5],
  ['a string', '1'],
  ['an object', { length: 3 }],
  ['an array of numbers', [1, 2]],
  ['a Buffer', Buffer.from('x')],
  ['a symbol', Symbol('x')],
  ['a bigint', 10n],
  ['a function', () => 1],
];

/**
 * The deflate settings' ranges (the engine's, as validated in lib/core/deflate-options.ts): each
 * a list of [min, max]. Window bits are 8 to 15, or a value from -1 or 0 to 0 that says how the
 * parameter is offered without one (1 to 7 are never offered, so never accepted).
 */
const INT_RANGES: Partial<Record<keyof typeof F, [number, number][]>> = {
  DeflateServerMaxWindowBits: [
    [0, 0],
    [8, 15],
  ],
  DeflateClientMaxWindowBits: [
    [-1, 0],
    [8, 15],
  ],
  DeflateLevel: [[-1, 9]],
  DeflateMemLevel: [[1, 9]],
};

/** Whether `value` is one the field accepts (those are not garbage for it). */
function fits(name: keyof typeof F, kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'optString':
      return value === undefined || typeof value === 'string';
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'array':
      return Array.isArray(value);
    case 'count':
      return typeof value === 'number' && value >= 0 && value <= 2 ** 53;
    case 'int': {
      const ranges = INT_RANGES[name] ?? [];
      return typeof value === 'number' && Number.isInteger(value) && ranges.some(([min, max]) => value >= min && value <= max);
    }
    case 'bool':
      return typeof value === 'boolean';
    case 'optBool':
      return value === undefined || typeof value === 'boolean';
    case 'optBuffer':
      return value === undefined || Buffer.isBuffer(value);
  }
}

/** Valid everywhere, with the deflate fields read (Deflate true). */
function validInit(): unknown[] {
  return nativeSessionInit({
    url: wsEcho,
    perMessageDeflate: {
      serverNoContextTakeover: false,
      clientNoContextTakeover: undefined,
      serverMaxWindowBits: 0,
      clientMaxWindowBits: 0,
      threshold: 1024,
      level: -1,
      memLevel: 8,
    },
  });
}

describe('the native Session constructor with garbage in its init array', () => {
  it('refuses anything but an array of exactly FieldCount values', () => {
    const init = validInit();
    for (const bad of [undefined, null, {}, 'x', 7, init.slice(1), [...init, 0], { ...init, length: init.length }]) {
      expect(() => new binding.Session(bad as never, {})).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
          message: expect.stringContaining(`array of ${F.FieldCount} values`),
        }),
      );
    }
  });

  for (const [name, kind] of Object.entries(KINDS)) {
    const index = F[name as keyof typeof F];
    it(`init[${index}] (${name}, ${kind}): each wrong value is a TypeError naming it`, () => {
      let tried = 0;
      for (const [label, value] of GARBAGE) {
        if (fits(name as keyof typeof F, kind, value)) continue;
        const init = validInit();
        init[index] = value;
        let thrown: unknown;
        try {
          new binding.Session(init, {});
        } catch (err) {
          thrown = err;
        }
        expect(thrown, label).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
        expect((thrown as Error).message, label).toContain(`init[${index}] (${name}) must be`);
        tried++;
      }
      expect(tried).toBeGreaterThan(8);
    });
  }

  it('a wrong element inside Protocols or Headers is refused too', () => {
    for (const field of [F.Protocols, F.Headers]) {
      const init = validInit();
      init[field] = ['ok', 5];
      expect(() => new binding.Session(init, {})).toThrow(/must be an array of strings/);
      // A sparse array as long as an array can be: its length reserves nothing (no bad_alloc).
      const huge: unknown[] = [];
      huge.length = 2 ** 32 - 1;
      init[field] = huge;
      expect(() => new binding.Session(init, {})).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });

  it('out-of-range deflate settings are refused with the range', () => {
    const cases: [F, number, string][] = [
      [F.DeflateLevel, 10, 'from -1 to 9'],
      [F.DeflateMemLevel, 0, 'from 1 to 9'],
      [F.DeflateServerMaxWindowBits, 16, 'from 8 to 15, or from 0 to 0'],
      [F.DeflateServerMaxWindowBits, 7, 'from 8 to 15, or from 0 to 0'],
      [F.DeflateClientMaxWindowBits, -2, 'from 8 to 15, or from -1 to 0'],
      [F.DeflateClientMaxWindowBits, 3, 'from 8 to 15, or from -1 to 0'],
      [F.DeflateLevel, 1.5, 'from -1 to 9'],
    ];
    for (const [field, value, range] of cases) {
      const init = validInit();
      init[field] = value;
      expect(() => new binding.Session(init, {})).toThrow(range);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, MAX_CLOSE_REASON, isSendableCloseCode, toControlPayload, toSendable, validateCloseArgs } from '../../lib/core/frames';

describe('CLOSE_CODES', () => {
  it('matches RFC 6455 §7.4.1', () => {
    expect(CLOSE_CODES).toMatchObject({
      NORMAL: 1000,
      GOING_AWAY: 1001,
      PROTOCOL_ERROR: 1002,
      UNSUPPORTED_DATA: 1003,
      NO_STATUS: 1005,
      ABNORMAL: 1006,
      INVALID_PAYLOAD: 1007,
      POLICY_VIOLATION: 1008,
      MESSAGE_TOO_BIG: 1009,
      MANDATORY_EXTENSION: 1010,
      INTERNAL_ERROR: 1011,
    });
    expect(Object.isFrozen(CLOSE_CODES)).toBe(true);
  });
});

describe('isSendableCloseCode', () => {
  it.each([1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4000, 4999])('allows %i', (code) => {
    expect(isSendableCloseCode(code)).toBe(true);
  });
  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 1000.5, NaN])('refuses %d', (code) => {
    expect(isSendableCloseCode(code)).toBe(false);
  });
});

describe('validateCloseArgs', () => {
  it('returns code 0 and an empty reason when nothing is given', () => {
    const r = validateCloseArgs();
    expect(r.code).toBe(0);
    expect(r.reason).toEqual(Buffer.alloc(0));
  });

  it('encodes a string reason as UTF-8', () => {
    const r = validateCloseArgs(1000, 'bye ✓');
    expect(r.code).toBe(1000);
    expect(r.reason.toString('utf8')).toBe('bye ✓');
  });

  it('accepts a Buffer reason of valid UTF-8 without copying', () => {
    const reason = Buffer.from('done');
    expect(validateCloseArgs(4001, reason).reason.buffer).toBe(reason.buffer);
  });

  it('rejects a reason without a code', () => {
    expect(() => validateCloseArgs(undefined, 'bye')).toThrowError(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'Expected no reason when no close code is given for reason but received "bye" of type string',
      }),
    );
  });

  it('rejects a non-integer code as a type error', () => {
    for (const code of ['1000', 1000.5, null]) {
      expect(() => validateCloseArgs(code)).toThrowError(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => validateCloseArgs('1000')).toThrow('Expected an integer for code but received "1000" of type string');
  });

  it.each([1005, 1006, 1015, 999, 5000])('rejects the unsendable code %i as out of range', (code) => {
    let caught: unknown;
    try {
      validateCloseArgs(code);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(caught).toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
      message: `Expected a close code of 1000-1003, 1007-1014 or 3000-4999 for code but received ${code} of type number`,
    });
  });

  it('rejects a reason over 123 bytes, counting UTF-8 bytes rather than characters', () => {
    expect(validateCloseArgs(1000, 'a'.repeat(MAX_CLOSE_REASON)).reason.length).toBe(123);
    const emoji = '😀'.repeat(31); // 31 characters, 124 bytes
    expect(() => validateCloseArgs(1000, emoji)).toThrowError(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => validateCloseArgs(1000, emoji)).toThrow('at most 123 bytes of UTF-8 (got 124 bytes) for reason');
  });

  it('rejects a Buffer reason that is not valid UTF-8', () => {
    expect(() => validateCloseArgs(1000, Buffer.from([0xff, 0xfe]))).toThrowError(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'Expected valid UTF-8 for reason but received Buffer of type object',
      }),
    );
  });

  it('rejects a reason of another type', () => {
    expect(() => validateCloseArgs(1000, 42)).toThrowError(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'Expected a string or Buffer for reason but received 42 of type number',
      }),
    );
  });
});

describe('toSendable', () => {
  it('sends a string as text', () => {
    expect(toSendable('hi')).toEqual({ payload: 'hi', binary: false });
  });

  it('passes a Buffer through as binary', () => {
    const buf = Buffer.from('x');
    const r = toSendable(buf);
    expect(r.binary).toBe(true);
    expect(r.payload).toBe(buf);
  });

  it('views ArrayBuffer, SharedArrayBuffer, typed arrays and DataView without copying', () => {
    const ab = new ArrayBuffer(8);
    const cases: [unknown, ArrayBufferLike, number, number][] = [
      [ab, ab, 0, 8],
      [new Uint16Array(ab, 2, 2), ab, 2, 4],
      [new DataView(ab, 1, 3), ab, 1, 3],
    ];
    const sab = new SharedArrayBuffer(4);
    cases.push([sab, sab, 0, 4]);
    for (const [data, backing, offset, length] of cases) {
      const { payload, binary } = toSendable(data);
      expect(binary).toBe(true);
      expect(Buffer.isBuffer(payload)).toBe(true);
      const buf = payload as Buffer;
      expect([buf.buffer, buf.byteOffset, buf.length]).toEqual([backing, offset, length]);
    }
  });

  it('rejects other types', () => {
    expect(() => toSendable(42)).toThrowError(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message:
          'Expected a string, Buffer, ArrayBuffer, SharedArrayBuffer, TypedArray or DataView for data but received 42 of type number',
      }),
    );
    expect(() => toSendable({})).toThrow('but received Object of type object');
  });
});

describe('toControlPayload', () => {
  it('turns undefined into an empty payload', () => {
    expect(toControlPayload('data', undefined)).toEqual(Buffer.alloc(0));
  });

  it('encodes strings and numbers as UTF-8 text', () => {
    expect(toControlPayload('data', 'ping').toString()).toBe('ping');
    expect(toControlPayload('data', 12.5).toString()).toBe('12.5');
  });

  it('views binary data', () => {
    const u8 = new Uint8Array([1, 2, 3]);
    expect(toControlPayload('data', u8.subarray(1))).toEqual(Buffer.from([2, 3]));
  });

  it('accepts exactly 125 bytes and rejects 126', () => {
    expect(toControlPayload('data', Buffer.alloc(125)).length).toBe(125);
    expect(() => toControlPayload('data', Buffer.alloc(126))).toThrowError(
      expect.objectContaining({
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: 'Expected at most 125 bytes (got 126 bytes) for data but received Buffer of type object',
      }),
    );
  });

  it('rejects other types, naming the argument', () => {
    expect(() => toControlPayload('payload', true)).toThrowError(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'Expected a string, number, Buffer, ArrayBuffer or ArrayBufferView for payload but received true of type boolean',
      }),
    );
  });
});

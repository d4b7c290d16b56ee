/**
 * Wire-level helpers for the API layer: close codes and payload conversion. Everything here is
 * synchronous argument checking done before a call reaches the native engine, so a bad argument
 * throws at the user's call site instead of failing a connection later.
 */
import { isUtf8 } from 'node:buffer';
import { types } from 'node:util';
import { invalidArgType, invalidArgValue, outOfRange } from './errors';

/** Close status codes (RFC 6455 §7.4.1 and the IANA registry). */
export const CLOSE_CODES = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reserved: reported when a CLOSE frame had no status; never sent. */
  NO_STATUS: 1005,
  /** Reserved: reported when the connection dropped without a CLOSE frame; never sent. */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Reserved by RFC 6455 for TLS failures; never sent or reported (TLS errors reject `connect()` with a `CURLE_*` code). */
  TLS_HANDSHAKE: 1015,
} as const);

/** Largest control frame payload (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Largest close reason in bytes: the control frame limit minus the 2-byte status. */
export const MAX_CLOSE_REASON = MAX_CONTROL_PAYLOAD - 2;

/**
 * Whether an application may put `code` in a CLOSE frame: 1000–1003, 1007–1014 and 3000–4999.
 * 1004–1006 and 1015 are reserved for reporting, not for the wire.
 * @param code - the status to check
 */
export function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}

/**
 * Validate the arguments of `close(code, reason)`.
 * @param code - a sendable close code, or `undefined` for a CLOSE frame without a status
 * @param reason - a string, or a Buffer/Uint8Array of UTF-8, at most 123 bytes; must be empty
 *   when `code` is undefined (a reason cannot be sent without a status)
 * @returns `code` 0 means "no status" (the native `close()` convention); `reason` as bytes
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-integer code or a reason of the wrong type
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for a reason without a code or a non-UTF-8 reason
 * @throws RangeError `ERR_OUT_OF_RANGE` for an unsendable code or a reason over 123 bytes
 */
export function validateCloseArgs(code?: unknown, reason?: unknown): { code: number; reason: Buffer } {
  let bytes: Buffer;
  if (reason === undefined) {
    bytes = Buffer.alloc(0);
  } else if (typeof reason === 'string') {
    bytes = Buffer.from(reason, 'utf8');
  } else if (reason instanceof Uint8Array) {
    bytes = Buffer.from(reason.buffer, reason.byteOffset, reason.byteLength);
    if (!isUtf8(bytes)) throw invalidArgValue('reason', reason, 'valid UTF-8');
  } else {
    throw invalidArgType('reason', 'a string or Buffer', reason);
  }

  if (code === undefined) {
    if (bytes.length > 0) {
      throw invalidArgValue('reason', reason, 'no reason when no close code is given');
    }
    return { code: 0, reason: bytes };
  }
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw invalidArgType('code', 'an integer', code);
  }
  if (!isSendableCloseCode(code)) {
    throw outOfRange('code', 'a close code of 1000-1003, 1007-1014 or 3000-4999', code);
  }
  if (bytes.length > MAX_CLOSE_REASON) {
    // Name the byte count: a 60-character string of emoji is already over the limit.
    throw outOfRange('reason', `at most ${MAX_CLOSE_REASON} bytes of UTF-8 (got ${bytes.length} bytes)`, reason);
  }
  return { code, reason: bytes };
}

/**
 * Convert `send()` data into what the engine takes. Binary data is viewed, never copied: the
 * engine copies once into its send queue.
 * @param data - a string (text message) or a Buffer, ArrayBuffer, SharedArrayBuffer, TypedArray
 *   or DataView (binary message)
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for anything else
 */
export function toSendable(data: unknown): { payload: Buffer | string; binary: boolean } {
  if (typeof data === 'string') return { payload: data, binary: false };
  const bytes = bytesOf(data);
  if (bytes === undefined) {
    throw invalidArgType('data', 'a string, Buffer, ArrayBuffer, SharedArrayBuffer, TypedArray or DataView', data);
  }
  return { payload: bytes, binary: true };
}

/**
 * Convert a ping/pong payload to bytes.
 * @param name - the argument name for messages (e.g. `'data'`)
 * @param data - `undefined` (empty), a string or number (UTF-8 of `String(data)`, as `ws` does),
 *   or binary data as accepted by {@link toSendable}
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for other types
 * @throws RangeError `ERR_OUT_OF_RANGE` over 125 bytes
 */
export function toControlPayload(name: string, data: unknown): Buffer {
  let bytes: Buffer | undefined;
  if (data === undefined) bytes = Buffer.alloc(0);
  else if (typeof data === 'string' || typeof data === 'number') bytes = Buffer.from(String(data));
  else bytes = bytesOf(data);
  if (bytes === undefined) {
    throw invalidArgType(name, 'a string, number, Buffer, ArrayBuffer or ArrayBufferView', data);
  }
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw outOfRange(name, `at most ${MAX_CONTROL_PAYLOAD} bytes (got ${bytes.length} bytes)`, data);
  }
  return bytes;
}

/** A Buffer view over binary data without copying, or undefined if `data` is not binary. */
function bytesOf(data: unknown): Buffer | undefined {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // isAnyArrayBuffer also recognises buffers from other realms (vm contexts, workers' transfers).
  if (types.isAnyArrayBuffer(data)) return Buffer.from(data);
  return undefined;
}

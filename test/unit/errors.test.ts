import { describe, expect, it } from 'vitest';
import {
  AbortError,
  CurlError,
  CurlWsError,
  HandshakeError,
  InvalidStateError,
  WebSocketProtocolError,
  codedError,
  describeValue,
  errorFromNative,
  invalidArgType,
  invalidArgValue,
  invalidUrl,
  outOfRange,
} from '../../lib/core/errors';

describe('CurlWsError', () => {
  it('carries message, code and cause, with its name on the prototype', () => {
    const cause = new Error('root');
    const err = new CurlWsError('boom', 'ERR_X', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'CurlWsError', code: 'ERR_X', message: 'boom', cause });
    expect(Object.keys(err)).not.toContain('name');
    expect(String(err)).toBe('CurlWsError: boom');
  });

  it('has no cause property when none is given', () => {
    expect('cause' in new CurlWsError('boom', 'ERR_X')).toBe(false);
  });
});

describe('CurlError', () => {
  it('takes its code from the CURLcode table and keeps the number', () => {
    const err = new CurlError(7, 'Could not connect to server');
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err).toMatchObject({
      name: 'CurlError',
      code: 'CURLE_COULDNT_CONNECT',
      curlCode: 7,
      message: 'Could not connect to server',
    });
  });

  it('names an unknown CURLcode CURLE_UNKNOWN_<n>', () => {
    expect(new CurlError(4242, 'new in a later libcurl').code).toBe('CURLE_UNKNOWN_4242');
  });
});

describe('HandshakeError', () => {
  it('lower-cases header names and joins repeated headers with ", "', () => {
    const err = new HandshakeError('WS_ERR_UNEXPECTED_RESPONSE', 'Unexpected server response: 403', {
      status: 403,
      headers: [
        ['Content-Type', 'text/plain'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    });
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err).toMatchObject({ name: 'HandshakeError', code: 'WS_ERR_UNEXPECTED_RESPONSE', status: 403 });
    expect(err.message).toBe('Unexpected server response: 403');
    expect({ ...err.headers }).toEqual({ 'content-type': 'text/plain', 'set-cookie': 'a=1, b=2' });
  });

  it('keeps a "__proto__" header as plain data', () => {
    const err = new HandshakeError('WS_ERR_UNEXPECTED_RESPONSE', 'x', { headers: [['__proto__', 'v']] });
    expect(err.headers?.['__proto__']).toBe('v');
  });

  it('leaves status and headers undefined when the check was not about the response', () => {
    const err = new HandshakeError('WS_ERR_INVALID_ACCEPT', 'Invalid Sec-WebSocket-Accept header');
    expect(err.status).toBeUndefined();
    expect(err.headers).toBeUndefined();
  });
});

describe('WebSocketProtocolError', () => {
  it('carries the close code sent to the peer', () => {
    const err = new WebSocketProtocolError('WS_ERR_INVALID_UTF8', 'Invalid UTF-8 sequence', 1007);
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err).toMatchObject({
      name: 'WebSocketProtocolError',
      code: 'WS_ERR_INVALID_UTF8',
      message: 'Invalid UTF-8 sequence',
      closeCode: 1007,
    });
  });
});

describe('InvalidStateError', () => {
  it('describes the ready state when the socket is not open', () => {
    const err = InvalidStateError.notOpen(0);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect(err).toMatchObject({ name: 'InvalidStateError', code: 'ERR_WS_NOT_OPEN' });
    expect(err.message).toBe('WebSocket is not open: readyState 0 (CONNECTING)');
    expect(InvalidStateError.notOpen(2).message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
  });

  it('accepts ERR_WS_CLOSED for operations on a closed connection', () => {
    const err = new InvalidStateError('ERR_WS_CLOSED', 'The connection is closed');
    expect(err).toMatchObject({ code: 'ERR_WS_CLOSED', message: 'The connection is closed' });
  });
});

describe('AbortError', () => {
  it('is named AbortError with code ABORT_ERR and the signal reason as cause', () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const err = new AbortError(controller.signal.reason);
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', message: 'The operation was aborted' });
    expect(err.cause).toBe(controller.signal.reason);
  });
});

describe('errorFromNative', () => {
  it('makes a CurlError from a numeric curlCode with an empty code', () => {
    const err = errorFromNative({ code: '', message: 'Timeout was reached', curlCode: 28 });
    expect(err).toBeInstanceOf(CurlError);
    expect(err).toMatchObject({ code: 'CURLE_OPERATION_TIMEDOUT', curlCode: 28, message: 'Timeout was reached' });
  });

  it('an untrusted server certificate (60) says to pass tls.ca, or rejectUnauthorized for tests', () => {
    const err = errorFromNative({ code: '', message: 'SSL certificate problem: self-signed certificate', curlCode: 60 });
    expect(err).toMatchObject({ code: 'CURLE_PEER_FAILED_VERIFICATION', curlCode: 60 });
    expect(err.message).toMatch(
      /^SSL certificate problem: self-signed certificate — to trust this server, pass its CA certificate as tls\.ca /,
    );
    expect(err.message).toContain('tls.rejectUnauthorized: false');
  });

  it('a redirect answer says where to and that followRedirects follows it; other statuses get no hint', () => {
    const redirect = (status: number, headers: [string, string][]) =>
      errorFromNative({ code: 'WS_ERR_UNEXPECTED_RESPONSE', message: `Unexpected server response: ${status}`, status, headers }).message;
    expect(redirect(302, [['Location', '/next']])).toBe(
      'Unexpected server response: 302 — the server redirects to /next; set followRedirects: true to follow it',
    );
    expect(redirect(308, [['location', 'wss://b.test/']])).toContain('followRedirects: true');
    expect(redirect(302, [])).toBe('Unexpected server response: 302');
    expect(redirect(404, [['Location', '/x']])).toBe('Unexpected server response: 404');
  });

  it('makes a CurlError when the code is already a CURLE name', () => {
    const err = errorFromNative({ code: 'CURLE_RECV_ERROR', message: 'recv failed', curlCode: 56 });
    expect(err).toBeInstanceOf(CurlError);
    expect(err.code).toBe('CURLE_RECV_ERROR');
  });

  it('makes a HandshakeError with status and headers for a non-101 response', () => {
    const err = errorFromNative({
      code: 'WS_ERR_UNEXPECTED_RESPONSE',
      message: 'Unexpected server response: 200',
      curlCode: 22,
      status: 200,
      headers: [['X-A', '1']],
    });
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RESPONSE', status: 200, headers: { 'x-a': '1' } });
  });

  it.each(['WS_ERR_INVALID_ACCEPT', 'WS_ERR_INVALID_UPGRADE', 'WS_ERR_HANDSHAKE_TIMEOUT', 'WS_ERR_UNEXPECTED_PROTOCOL'])(
    'makes a HandshakeError for %s',
    (code) => {
      const err = errorFromNative({ code, message: 'm' });
      expect(err).toBeInstanceOf(HandshakeError);
      expect(err).toMatchObject({ code, message: 'm' });
    },
  );

  it('makes a WebSocketProtocolError with the reported close code', () => {
    const err = errorFromNative({ code: 'WS_ERR_MESSAGE_TOO_BIG', message: 'Max payload size exceeded', closeCode: 1009 });
    expect(err).toBeInstanceOf(WebSocketProtocolError);
    expect(err).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009, message: 'Max payload size exceeded' });
  });

  it('defaults the close code of a protocol error to 1006', () => {
    const err = errorFromNative({ code: 'WS_ERR_CLOSE_TIMEOUT', message: 'no close frame' });
    expect(err).toMatchObject({ code: 'WS_ERR_CLOSE_TIMEOUT', closeCode: 1006 });
  });

  it('keeps any other code on a plain CurlWsError', () => {
    const err = errorFromNative({ code: 'ERR_SOMETHING', message: 'x' });
    expect(err.constructor).toBe(CurlWsError);
    expect(err.code).toBe('ERR_SOMETHING');
    expect(errorFromNative({ code: '', message: 'x' }).code).toBe('ERR_CURLWS_INTERNAL');
  });
});

describe('argument errors', () => {
  it('builds ERR_INVALID_ARG_TYPE with the one message template', () => {
    const err = invalidArgType('options.maxPayload', 'an integer', '10');
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err.message).toBe('Expected an integer for options.maxPayload but received "10" of type string');
    expect(err.stack).toMatch(/^TypeError \[ERR_INVALID_ARG_TYPE\]: Expected/);
  });

  it('builds ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE and ERR_INVALID_URL', () => {
    const value = invalidArgValue('options.protocols[0]', 'a b', 'a non-empty RFC 7230 token');
    expect(value).toBeInstanceOf(TypeError);
    expect(value).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected a non-empty RFC 7230 token for options.protocols[0] but received "a b" of type string',
    });
    const range = outOfRange('code', 'a close code of 1000-1003', 1005);
    expect(range).toBeInstanceOf(RangeError);
    expect(range).toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected a close code of 1000-1003 for code but received 1005 of type number',
    });
    const url = invalidUrl('ftp://x', 'bad scheme');
    expect(url).toBeInstanceOf(TypeError);
    expect(url).toMatchObject({ code: 'ERR_INVALID_URL', message: 'bad scheme', input: 'ftp://x' });
  });

  it('lets codedError carry a custom message', () => {
    const err = codedError(TypeError, 'ERR_INVALID_ARG_VALUE', 'Unknown option "x"');
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: 'Unknown option "x"' });
  });

  it.each<[unknown, string]>([
    ['abc', '"abc" of type string'],
    ['x'.repeat(40), `"${'x'.repeat(27)}..." of type string`],
    [42, '42 of type number'],
    [10n, '10n of type bigint'],
    [null, 'null of type object'],
    [undefined, 'undefined of type undefined'],
    [new Map(), 'Map of type object'],
    [[1, 2], 'Array(2) of type object'],
    [Object.create(null), '[Object: null prototype] of type object'],
    [function named() {}, 'function named of type function'],
    [Symbol('s'), 'Symbol(s) of type symbol'],
  ])('describes %o as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

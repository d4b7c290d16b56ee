// The server side of the RFC 6455 opening handshake on raw sockets, shared by the scripts' peers
// (the install test's echo server, the benchmark's peers). It lives here, next to
// echo-server.mjs, because the install test copies this folder into a fresh project that has
// nothing else of the repository: the file must import nothing but node: modules.
//
//   const head = readUpgradeRequest(buffered);   // null until the head is complete
//   if (!head) return;                           // (or too large: see below)
//   socket.write(head.key ? switchingProtocols(head.key, { protocol }) : BAD_REQUEST);
//   parseFrames(head.rest);                      // bytes after the head: the first frames
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** What a peer answers a request that is no WebSocket upgrade. */
export const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** The largest request head a peer waits for before it gives up on the client. */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The request head at the start of `buffer`, once complete: { method, target, headers (names in
 * lower case; a repeated header keeps its last value), key (Sec-WebSocket-Key, '' if missing or
 * not an upgrade GET), rest (the bytes after the head) }; null while the head is incomplete.
 */
export function readUpgradeRequest(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [requestLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', target = '/'] = requestLine.split(' ');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const upgrade = method === 'GET' && headers.upgrade?.toLowerCase() === 'websocket';
  return { method, target, headers, key: upgrade ? (headers['sec-websocket-key'] ?? '') : '', rest: buffer.subarray(end + 4) };
}

/** The Sec-WebSocket-Accept value for a client's key. */
export function acceptKey(key) {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * The 101 answer to a client's key; `protocol` and `extensions` (when non-empty) become the
 * Sec-WebSocket-Protocol and Sec-WebSocket-Extensions lines.
 */
export function switchingProtocols(key, { protocol, extensions } = {}) {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
    (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : '') +
    '\r\n'
  );
}

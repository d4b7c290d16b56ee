/**
 * curlws: a WebSocket client for Node.js whose engine is libcurl.
 * This module only re-exports; see docs/api.md for the full reference.
 */
import { binding } from './native';

export { connect, Connection, CONNECTING, OPEN, CLOSING, CLOSED } from './connection';
export type {
  CloseResult,
  ConnectionEvents,
  Handshake,
  Message,
  ReadyState,
} from './connection';
export type { ConnectOptions } from './options';
export type { PerMessageDeflateOptions } from './deflate-options';
export type { CurlOptionValue, NetworkOptions, TlsOptions, TlsVersion, VerboseOption } from './network-options';
export type { NativeStats as ConnectionStats } from './native';
export {
  AbortError,
  CurlError,
  CurlWsError,
  HandshakeError,
  InvalidStateError,
  ReconnectError,
  WebSocketProtocolError,
} from './errors';
export { CLOSE_CODES } from './frames';

/** Versions of the engine: the linked libcurl, its TLS library and zlib, and Node-API. */
export interface Versions {
  curlws: string;
  libcurl: string;
  /** libcurl's numeric version (0xXXYYZZ). */
  libcurlNum: number;
  ssl: string;
  libz: string;
  protocols: string[];
  features: string[];
  napi: number;
}

// require, not import: the compiled file reads the package.json it ships beside, not a copy tsc inlines
const pkg = require('../package.json') as { version: string };

/** Versions of curlws and of the libcurl it runs on (from `curl_version_info`). */
export const versions: Readonly<Versions> = Object.freeze({
  curlws: pkg.version,
  libcurl: binding.versions.libcurl,
  libcurlNum: binding.versions.versionNum,
  ssl: binding.versions.ssl,
  libz: binding.versions.libz,
  protocols: [...binding.versions.protocols],
  features: [...binding.versions.features],
  napi: binding.versions.napi,
});
export { WebSocket } from './websocket';
export type { BinaryType, WebSocketData, WebSocketErrorCause, WebSocketOptions } from './websocket';
export { CloseEvent, ErrorEvent, MessageEvent } from './events';
export type { CloseEventInit, ErrorEventInit } from './events';
export { WsWebSocket } from './ws-compat';
export type { WsBinaryType, WsClientOptions, WsResponse } from './ws-compat';
export { createWebSocketStream, WebSocketStream, WebSocketError } from './stream';
export type { WebSocketCloseInfo, WebSocketOpenInfo, WebSocketStreamOptions } from './stream';
export { ReconnectingWebSocket, defaultShouldReconnect } from './reconnect';
export type {
  DisconnectInfo,
  ReconnectCause,
  ReconnectFailure,
  ReconnectInfo,
  ReconnectOptions,
  ReconnectState,
  ReconnectingEvents,
} from './reconnect';

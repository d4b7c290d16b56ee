/**
 * curlws: a WebSocket client for Node.js whose engine is libcurl.
 * This module only re-exports; see docs/api.md for the full reference.
 */
import { binding } from './core/native';

export { connect, Connection, CONNECTING, OPEN, CLOSING, CLOSED } from './core/connection';
export type {
  CloseResult,
  ConnectionEvents,
  Handshake,
  Message,
  ReadyState,
} from './core/connection';
export type { ConnectOptions } from './core/options';
export type { PerMessageDeflateOptions } from './core/deflate-options';
export type { CurlOptionValue, NetworkOptions, TlsOptions, TlsVersion, VerboseOption } from './core/network-options';
export type { NativeStats as ConnectionStats } from './core/contract';
export {
  AbortError,
  CurlError,
  CurlWsError,
  HandshakeError,
  InvalidStateError,
  ReconnectError,
  WebSocketProtocolError,
} from './core/errors';
export { CLOSE_CODES } from './core/frames';

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
export { WebSocket } from './api/websocket';
export type { BinaryType, WebSocketData, WebSocketErrorCause, WebSocketOptions } from './api/websocket';
export { CloseEvent, ErrorEvent, MessageEvent } from './api/events';
export type { CloseEventInit, ErrorEventInit } from './api/events';
export { WsWebSocket } from './api/ws-compat';
export type { WsBinaryType, WsClientOptions, WsResponse } from './api/ws-compat';
export { createWebSocketStream, WebSocketStream, WebSocketError } from './api/stream';
export type { WebSocketCloseInfo, WebSocketOpenInfo, WebSocketStreamOptions } from './api/stream';
export { ReconnectingWebSocket, defaultShouldReconnect } from './api/reconnect';
export type {
  DisconnectInfo,
  ReconnectCause,
  ReconnectFailure,
  ReconnectInfo,
  ReconnectOptions,
  ReconnectState,
  ReconnectingEvents,
} from './api/reconnect';

/**
 * `curlws/ws`: the `ws`-compatible client as the module itself, so existing code keeps working
 * with only the import changed:
 *
 * ```ts
 * import WebSocket from 'curlws/ws';          // ESM (default import of this CommonJS module)
 * const WebSocket = require('curlws/ws');     // CommonJS, as with require('ws')
 * const { WebSocket } = require('curlws/ws'); // also works (static self-reference, as in ws)
 * ```
 */
import { WsWebSocket } from './api/ws-compat';

export = WsWebSocket;

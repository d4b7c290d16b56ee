// Minimal typings for the parts of npm `ws` the test servers use (@types/ws is not a dependency).
// An ambient module declaration: if @types/ws is ever installed, this still takes precedence.
declare module 'ws' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, Server as HttpServer } from 'node:http';
  import type { Server as HttpsServer } from 'node:https';

  export class WebSocket extends EventEmitter {
    send(data: Buffer | string, options?: { binary?: boolean }, cb?: (err?: Error) => void): void;
    close(code?: number, reason?: string): void;
    ping(data?: Buffer | string): void;
    terminate(): void;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  /** ws's Duplex over a WebSocket (the compat suite hands it curlws/ws instances too). */
  export function createWebSocketStream(ws: WebSocket, options?: import('node:stream').DuplexOptions): import('node:stream').Duplex;

  export interface ServerOptions {
    server?: HttpServer | HttpsServer;
    host?: string;
    port?: number;
    noServer?: boolean;
    perMessageDeflate?: boolean;
    maxPayload?: number;
    handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: ServerOptions, callback?: () => void);
    clients: Set<WebSocket>;
    handleUpgrade(
      request: IncomingMessage,
      socket: import('node:stream').Duplex,
      head: Buffer,
      callback: (socket: WebSocket, request: IncomingMessage) => void,
    ): void;
    close(cb?: (err?: Error) => void): void;
    on(event: 'connection', listener: (socket: WebSocket, request: IncomingMessage) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }
}

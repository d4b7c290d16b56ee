/**
 * The only place the native addon is loaded, and the internal contract between the TypeScript
 * layer and the C++ engine (native/). Nothing here is public API.
 *
 * Events flow from C++ to JS through one dispatcher, called once per batch (one readable event
 * may carry many messages): `dispatch(target, meta, values, arena, text)` (see {@link Dispatcher}
 * and native/event_batch.h). `target` is the object handed to the `Session` constructor.
 */
import * as path from 'node:path';
import type { NormalizedOptions } from './options';

/**
 * Event types in a dispatched batch; must match native/event_batch.h. Each event is four
 * Int32Array entries [type, a, b, c]; "v" fields are indexes into `values` (-1 = undefined),
 * "n" fields are numbers.
 */
export const enum NativeEvent {
  /** a v: HandshakeInfo */
  Open = 1,
  /** a message in its own block: a v: string (text) | Buffer (binary), b n: 1 if binary */
  Message = 2,
  /** a n, b n: offset and length of the payload in `arena` */
  Ping = 3,
  /** a n, b n: offset and length of the payload in `arena` */
  Pong = 4,
  /** a v: number of send() requests whose bytes are now all handed to the kernel (FIFO),
   *  b v: the same for ping()/pong() */
  Sent = 5,
  /** the send queue went empty after having been non-empty */
  Drain = 6,
  /** a v: NativeErrorInfo */
  Error = 7,
  /** the peer's CLOSE frame arrived. a v: code (1005 = none), b v: reason */
  PeerClose = 8,
  /** final event: native resources are released. a v: code, b v: reason, c v: wasClean */
  Closed = 9,
  /** a v: one line of libcurl's verbose trace */
  Trace = 10,
  /** a small binary message: a n, b n: offset and length in `arena` */
  BinarySlice = 11,
  /** a small text message: a n, b n: start and end (UTF-16 units) in `text` */
  TextSlice = 12,
}

export interface HandshakeInfo {
  status: number;
  /** response header lines of the 101 as [name, value] pairs, in order */
  headers: [string, string][];
  protocol: string;
  extensions: string;
  effectiveUrl: string;
  address: { remoteAddress: string; remotePort: number; localAddress: string; localPort: number };
  /** present for wss with OpenSSL */
  tls?: { version: string; cipher: string };
  /** CURLINFO_*_TIME_T in microseconds */
  timings: { dns: number; connect: number; tls: number; firstByte: number; total: number };
}

export interface NativeErrorInfo {
  /** 'CURLE_*' is derived in TS from curlCode; WS_ERR_* come from C++ */
  code: string;
  message: string;
  curlCode?: number;
  status?: number;
  headers?: [string, string][];
  /** the close code we sent (or would have sent) to the peer */
  closeCode?: number;
  /** HTTP status of a proxy that refused the CONNECT */
  proxyStatus?: number;
}

/**
 * What the native Session constructor reads: the validated options (see options.ts for each
 * field's meaning) plus where the CA roots come from.
 */
export type SessionInit = Pick<
  NormalizedOptions,
  | 'url'
  | 'protocols'
  | 'headers'
  | 'handshakeTimeout'
  | 'maxPayload'
  | 'closeTimeout'
  | 'curlOptions'
  | 'verbose'
  | 'privateDns'
  | 'autoPong'
> & {
  /** PEM file for CURLOPT_CAINFO and CURLOPT_PROXY_CAINFO (preferred: libcurl caches it) */
  caFile?: string;
  /** else a PEM bundle for CURLOPT_CAINFO_BLOB and CURLOPT_PROXY_CAINFO_BLOB */
  caBundle?: Buffer;
};

export interface NativeSession {
  /**
   * Queue a message. Returns how many send() calls (FIFO, this one included) were fully handed
   * to the kernel during this call; later completions arrive as Sent events.
   */
  send(data: Buffer | string, binary: boolean, fin?: boolean): number;
  /** Like send(), counting ping()/pong() calls. */
  ping(payload: Buffer): number;
  pong(payload: Buffer): number;
  /** Start the close handshake. code 0 = send an empty CLOSE payload. */
  close(code: number, reason: Buffer): void;
  /** Drop the connection now (no close frame). */
  terminate(): void;
  /** Stop / restart reading from the socket. */
  pause(): void;
  resume(): void;
  /** While true: read nothing more and delay a failure CLOSE (JS is holding events back). */
  hold(on: boolean): void;
  /** false: the open connection alone does not keep the event loop alive */
  keepAlive(on: boolean): void;
  bufferedAmount(): number;
  stats(): NativeStats;
}

export interface NativeStats {
  messagesReceived: number;
  bytesReceived: number;
  messagesSent: number;
  bytesSent: number;
  bufferedAmount: number;
}

export interface CurlOptionInfo {
  name: string;
  id: number;
  type: 'long' | 'values' | 'off_t' | 'string' | 'slist' | 'blob' | 'object' | 'cbptr' | 'function';
  alias: boolean;
}

export interface NativeVersions {
  libcurl: string;
  versionNum: number;
  ssl: string;
  libz: string;
  protocols: string[];
  features: string[];
  napi: number;
}

/**
 * One batch of events. `meta`: [type, a, b, c] per event; `values`: JS values events refer to;
 * `arena`: the batch's small binary messages and PING/PONG payloads, back to back; `text`: its
 * small text messages, back to back. The last three are undefined when no event uses them.
 */
export type Dispatcher = (
  target: object,
  meta: Int32Array,
  values: unknown[] | undefined,
  arena: ArrayBuffer | undefined,
  text: string | undefined,
) => void;

export interface NativeBinding {
  setDispatcher(fn: Dispatcher): void;
  versions: NativeVersions;
  Session: new (init: SessionInit, target: object) => NativeSession;
  curlOption(name: string): CurlOptionInfo | null;
}

function loadBinding(): NativeBinding {
  const root = path.join(__dirname, '..');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-gyp-build')(root) as NativeBinding;
  } catch (err) {
    const libc = process.report?.getReport
      ? ((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
          ?.glibcVersionRuntime
          ? 'glibc'
          : 'musl')
      : 'unknown';
    const message = [
      `curlws: could not load the native addon for ${process.platform}-${process.arch} (${libc}),`,
      `Node ${process.version}, Node-API ${process.versions.napi}.`,
      `Cause: ${(err as Error).message}`,
      'What to do:',
      '  - with a prebuilt package: reinstall curlws so npm picks the binary for this platform;',
      '  - from a source checkout: run `npm run build` (see docs/troubleshooting.md).',
    ].join('\n');
    throw Object.assign(new Error(message, { cause: err }), { code: 'ERR_CURLWS_LOAD' });
  }
}

export const binding: NativeBinding = loadBinding();

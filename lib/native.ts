/**
 * The only place the native addon is loaded, and the internal contract between the TypeScript
 * layer and the C++ engine (native/). Nothing here is public API.
 *
 * Events flow from C++ to JS through one dispatcher, called once per batch (one readable event
 * may carry many messages): `dispatch(target, meta, values, arena, text)` (see {@link Dispatcher}
 * and native/event_batch.h). `target` is the object handed to the `Session` constructor.
 */
import { constants } from 'node:buffer';
import * as path from 'node:path';
import type { NormalizedOptions } from './options';

/**
 * Event types in a dispatched batch, numbered as `EventType` in native/event_batch.h
 * (test/unit/event-enum.test.ts compares the two). Each event is four Int32Array entries
 * [type, a, b, c]; "v" fields are indexes into `values` (-1 = undefined), "n" fields are numbers.
 */
export enum NativeEvent {
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
  | 'perMessageDeflate'
> & {
  /** PEM file for CURLOPT_CAINFO and CURLOPT_PROXY_CAINFO (preferred: libcurl caches it) */
  caFile?: string;
  /** else a PEM bundle for CURLOPT_CAINFO_BLOB and CURLOPT_PROXY_CAINFO_BLOB */
  caBundle?: Buffer;
  /** tls.keylog: the file TLS secrets are appended to (none when undefined) */
  keylog?: string | undefined;
};

export interface NativeSession {
  /**
   * Queue a message. Returns how many send() calls (FIFO, this one included) were fully handed
   * to the kernel during this call; later completions arrive as Sent events. -1: the message
   * waits for flush() (small messages are packed into one write); call it from a microtask.
   */
  send(data: Buffer | string, binary: boolean, fin?: boolean): number;
  /** Write what send() queued. Returns how many send() calls completed (as send() counts). */
  flush(): number;
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

/** `curl_ws_frame` as the native Easy reports it (field names as in C). */
export interface NativeWsFrame {
  age: number;
  flags: number;
  offset: number;
  bytesleft: number;
  len: number;
}

/** What the native Easy's perform() promise resolves with (it never rejects). */
export interface NativePerformResult {
  /** the CURLcode, or -1 when close() interrupted the transfer (`closed` is then true) */
  result: number;
  /** CURLOPT_ERRORBUFFER after the transfer */
  error: string;
  closed?: boolean;
  /** a JS callback threw: `cause` is what it threw (may be any value, even undefined) */
  hasCause?: boolean;
  cause?: unknown;
}

/**
 * The native curlws/curl handle (native/easy.h). lib/curl-easy.ts validates every argument; the
 * native side only guards its own invariants (errors with code ERR_CURL_*).
 */
export interface NativeEasy {
  /** curl_easy_setopt by CURLOPT_* name for plain types; returns the CURLcode */
  setopt(name: string, value: unknown): number;
  /** 0 WRITEFUNCTION (data), 1 HEADERFUNCTION (data), 2 DEBUGFUNCTION (type, data), 3 READFUNCTION (buffer) */
  setCallback(kind: 0 | 1 | 2 | 3, fn: ((...args: never[]) => unknown) | null): number;
  /** [CURLcode, value] */
  getinfo(id: number): [number, unknown];
  /** [CURLHcode, header | null] */
  header(name: string, index: number, origin: number, request: number): [number, NativeHeader | null];
  reset(): void;
  close(): void;
  perform(): Promise<NativePerformResult>;
  errorBuffer(): string;
  wsRecv(buffer: Uint8Array): { result: number; nread: number; meta: NativeWsFrame | null };
  wsSend(buffer: Uint8Array, flags: number, fragsize: number): { result: number; sent: number };
  wsMeta(): NativeWsFrame | null;
  wsStartFrame(flags: number, length: number): number;
  /** 1 readable, 2 writable */
  wsWait(events: 1 | 2): Promise<void>;
  /** curl_easy_pause; returns the CURLcode */
  pause(bitmask: number): number;
  /** curl_easy_send */
  send(buffer: Uint8Array): { result: number; sent: number };
  /** curl_easy_recv */
  recv(buffer: Uint8Array): { result: number; nread: number };
  /** makes this fresh handle a curl_easy_duphandle of `source` (JS callbacks unset) */
  dupFrom(source: NativeEasy): void;
}

export interface NativeHeader {
  name: string;
  value: string;
  amount: number;
  index: number;
  origin: number;
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
  /** A sealed in-memory file (`/proc/self/fd/N`) holding `bundle`, or '' where there is none. */
  caFile(bundle: Buffer): string;
  /** The largest string (UTF-16 units) and Buffer (bytes) JS can hold: larger messages fail with 1009. */
  setLimits(limits: { maxStringLength: number; maxBufferLength: number }): void;
  versions: NativeVersions;
  Session: new (init: SessionInit, target: object) => NativeSession;
  curlOption(name: string): CurlOptionInfo | null;
  /** Internal leak counters (native/diagnostics.h); idle baseline { uvHandles: 3, sessions: 0 }. */
  /** zlibBytes: bytes held by the permessage-deflate zlib streams of the whole process */
  diagnostics(): { uvHandles: number; sessions: number; zlibBytes: number };
  Easy: new () => NativeEasy;
  curlVersion(): string;
  curlVersionInfo(): Record<string, unknown>;
  curlStrerror(code: number): string;
  /** ASan builds: run LeakSanitizer now (1 = leaks, see ASan's log); null otherwise. */
  leakCheck(): number | null;
}

/**
 * `CURLWS_ADDON_PATH=/path/to/curlws.node` loads that file instead of the one node-gyp-build
 * finds (build/Release, prebuilds/). For testing other builds of the addon, e.g. the ASan build
 * of scripts/asan.sh (docs/testing.md); not meant for production use.
 */
function loadBinding(): NativeBinding {
  const root = path.join(__dirname, '..');
  const override = process.env.CURLWS_ADDON_PATH;
  try {
    if (override) return require(path.resolve(override)) as NativeBinding;
    return require('node-gyp-build')(root) as NativeBinding;
  } catch (err) {
    const libc = process.report?.getReport
      ? (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime
        ? 'glibc'
        : 'musl'
      : 'unknown';
    const message = [
      `curlws: could not load the native addon for ${process.platform}-${process.arch} (${libc}),`,
      `Node ${process.version}, Node-API ${process.versions.napi}.`,
      `Cause: ${(err as Error).message}`,
      ...(override ? [`(loaded from CURLWS_ADDON_PATH=${override}; unset it to use the normal build)`] : []),
      'What to do:',
      '  - prebuilt binaries ship for linux-x64 and linux-arm64 with glibc >= 2.31; anywhere else',
      '    build the addon from source in your project: `npx curlws-build` (needs a C++ compiler,',
      '    make, python3 and cmake; see docs/install.md "Building from source");',
      '  - from a source checkout: run `npm run build` (see docs/troubleshooting.md).',
    ].join('\n');
    throw Object.assign(new Error(message, { cause: err }), { code: 'ERR_CURLWS_LOAD' });
  }
}

/**
 * The longest string the engine may hand to JS. `CURLWS_TEST_MAX_STRING_LENGTH` (read once,
 * here) can only lower it: tests use it to reach the limit with small messages
 * (docs/testing.md); V8's own limit (~512 MiB of text) is too large to test with.
 */
function maxStringLength(): number {
  const real = constants.MAX_STRING_LENGTH;
  const test = Number(process.env.CURLWS_TEST_MAX_STRING_LENGTH);
  return Number.isSafeInteger(test) && test > 0 && test < real ? test : real;
}

export const binding: NativeBinding = loadBinding();
binding.setLimits({ maxStringLength: maxStringLength(), maxBufferLength: constants.MAX_LENGTH });

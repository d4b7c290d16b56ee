/**
 * The contract between the TypeScript layer and the C++ engine (native/): the event records of a
 * dispatched batch, the shapes C++ hands over (handshake, errors, stats, versions, libcurl frames)
 * and the objects it exports (`NativeBinding`, `NativeSession`, `NativeEasy`). Types only; it
 * imports nothing, so every module can depend on it. Nothing here is public API.
 *
 * Events flow from C++ to JS through one dispatcher, called once per batch (one readable event
 * may carry many messages): `dispatch(target, meta, values, arena, text)` (see {@link Dispatcher}
 * and native/session/event_batch.h). `target` is the object handed to the `Session` constructor.
 */
/**
 * Event types in a dispatched batch, numbered as `EventType` in native/session/event_batch.h
 * (test/unit/event-enum.test.ts compares the two). Each event is four Int32Array entries
 * [type, a, b, c]; "v" fields are indexes into `values` (-1 = undefined), "n" fields are numbers.
 */
export enum NativeEvent {
  /** a v: the subprotocol, b v: the extension (undefined: none); the rest of the handshake
   *  is asked for with `NativeSession.handshake()` */
  Open = 1,
  /** a message in its own block: a v: string (text) | Buffer (binary, or text with textAs
   *  'bytes'), b n: 1 if binary */
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
  /** a small message as bytes: a n, b n: offset and length in `arena`, c n: 1 if it is text
   *  (textAs 'bytes'), else binary */
  BinarySlice = 11,
  /** a small text message: a n, b n: start and end (UTF-16 units) in `text` */
  TextSlice = 12,
}

/**
 * Indices of the handshake record (native/session/handshake_info.h) that
 * `NativeSession.handshake()` returns: one flat array. Protocol and Extensions stay unset there
 * (the 'open' event carries them).
 */
export enum HandshakeField {
  Status = 0,
  /** response header lines of the 101, in order: name NUL value NUL name NUL value … ('' if none) */
  Headers = 1,
  Protocol = 2,
  Extensions = 3,
  EffectiveUrl = 4,
  RemoteAddress = 5,
  RemotePort = 6,
  LocalAddress = 7,
  LocalPort = 8,
  /** CURLINFO_*_TIME_T in microseconds */
  DnsUs = 9,
  ConnectUs = 10,
  TlsUs = 11,
  FirstByteUs = 12,
  TotalUs = 13,
  /** present for wss with OpenSSL */
  TlsVersion = 14,
  TlsCipher = 15,
}

/** The handshake record, indexed by {@link HandshakeField}. */
export type HandshakeInfo = readonly (string | number | undefined)[];

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

/** What the native Session reads (see native/protocol/deflate_negotiation.h). */
export interface NativeDeflateOptions {
  serverNoContextTakeover: boolean;
  /** undefined: accept the server's choice */
  clientNoContextTakeover: boolean | undefined;
  /** 0: not offered */
  serverMaxWindowBits: number;
  /** -1: not offered, 0: offered without a value, else 8..15 */
  clientMaxWindowBits: number;
  threshold: number;
  level: number;
  memLevel: number;
}

/**
 * What the native Session constructor takes (native/session/session.cc), laid out by
 * {@link SessionInitField}: the validated options plus where the CA roots come from. connect()
 * builds it from its `NormalizedOptions` (core/options.ts), which take these fields, and their
 * meaning, from here.
 */
export interface SessionInit {
  /** the serialized `ws:`/`wss:` URL as libcurl gets it */
  url: string;
  /** subprotocols offered, most preferred first */
  protocols: string[];
  /**
   * request header lines for `CURLOPT_HTTPHEADER`: `"Name: value"`, or `"Name;"` for an empty
   * value (libcurl reads `"Name:"` as "remove this header", not "send it empty")
   */
  headers: string[];
  /** milliseconds; 0 = none */
  handshakeTimeout: number;
  /** bytes; 0 = no limit */
  maxPayload: number;
  /** milliseconds to wait for the peer's CLOSE */
  closeTimeout: number;
  /** every other libcurl option, by CURLOPT_* name, applied in order */
  curlOptions: [string, number | boolean | string | string[] | Buffer | null][];
  /** 0 off, 1 text and headers, 2 also data sizes */
  verbose: 0 | 1 | 2;
  /** the session gets its own DNS cache (its `resolve` entries must not leak to others) */
  privateDns: boolean;
  /** answer PINGs with PONGs */
  autoPong: boolean;
  /** text messages as strings, or as Buffers of their (validated) UTF-8 bytes */
  textAs: 'string' | 'bytes';
  /** offer permessage-deflate with these settings (undefined: do not offer; libcurl's decoder) */
  perMessageDeflate: NativeDeflateOptions | undefined;
  /** PEM file for CURLOPT_CAINFO and CURLOPT_PROXY_CAINFO (preferred: libcurl caches it) */
  caFile?: string;
  /** else a PEM bundle for CURLOPT_CAINFO_BLOB and CURLOPT_PROXY_CAINFO_BLOB */
  caBundle?: Buffer;
  /** tls.keylog: the file this connection's TLS secrets are appended to (none when undefined) */
  keylog?: string | undefined;
}

/**
 * Positions of the native `Session` constructor's first argument (native/session/session_init.h,
 * compared with it by test/unit/event-enum.test.ts): one flat array, built from a
 * {@link SessionInit} by lib/core/session-init.ts. The engine checks each value's type again and
 * throws a TypeError naming the field for a wrong one.
 */
export enum SessionInitField {
  Url = 0,
  Protocols = 1,
  Headers = 2,
  HandshakeTimeout = 3,
  MaxPayload = 4,
  CloseTimeout = 5,
  /** string | undefined */
  CaFile = 6,
  /** Buffer | undefined */
  CaBundle = 7,
  /** string | undefined */
  Keylog = 8,
  CurlOptions = 9,
  Verbose = 10,
  PrivateDns = 11,
  AutoPong = 12,
  /** textAs === 'bytes' */
  TextAsBytes = 13,
  /** perMessageDeflate !== undefined; the Deflate* fields are read only when true */
  Deflate = 14,
  DeflateServerNoContextTakeover = 15,
  /** boolean | undefined */
  DeflateClientNoContextTakeover = 16,
  DeflateServerMaxWindowBits = 17,
  DeflateClientMaxWindowBits = 18,
  DeflateThreshold = 19,
  DeflateLevel = 20,
  DeflateMemLevel = 21,
  /** the array's length */
  FieldCount = 22,
}

export interface NativeSession {
  /**
   * Queue a message. Returns how many send() calls (FIFO, this one included) were fully handed
   * to the kernel during this call; later completions arrive as Sent events. -1: the message
   * waits for flush() (the small messages of a burst after its first, written at once, are
   * packed into one write); call it from a microtask.
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
  /**
   * The opening handshake's record, built on this call: from libcurl while the connection lives,
   * else from the copy taken when it closed (handed out once: the caller keeps it). undefined
   * before 'open', for a connection that never opened, or once handed out after close.
   */
  handshake(): HandshakeInfo | undefined;
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
 * The native curlws/curl handle (native/easy/easy.h). lib/curl/easy.ts validates every argument; the
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
  /** init: laid out by {@link SessionInitField} (lib/core/session-init.ts) */
  Session: new (
    init: unknown[],
    target: object,
  ) => NativeSession;
  curlOption(name: string): CurlOptionInfo | null;
  /** Internal leak counters (native/engine/diagnostics.h); idle baseline { uvHandles: 3, sessions: 0 }. */
  /** zlibBytes: bytes held by the permessage-deflate zlib streams of the whole process */
  diagnostics(): { uvHandles: number; sessions: number; zlibBytes: number };
  Easy: new () => NativeEasy;
  curlVersion(): string;
  curlVersionInfo(): Record<string, unknown>;
  curlStrerror(code: number): string;
  /** ASan builds: run LeakSanitizer now (1 = leaks, see ASan's log); null otherwise. */
  leakCheck(): number | null;
  /** Tests only: while true, libcurl's 64 KiB buffer chunks are refused as if memory ran out. */
  refuseChunksForTest(refuse: boolean): void;
  /** Tests only: while true, a session's next timer fails as if memory ran out. */
  refuseTimersForTest(refuse: boolean): void;
  /** Tests only: while true, a session's error and close record (made when it first fails or ends) cannot be allocated. */
  refuseEndingsForTest(refuse: boolean): void;
}

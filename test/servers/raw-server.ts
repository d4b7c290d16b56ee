/**
 * A raw-socket WebSocket server (no library) that misbehaves on purpose, keyed by request path.
 * It parses the HTTP upgrade itself, writes frames byte by byte as told, and logs every frame it
 * RECEIVES from the client (plus what it sent, in one ordered timeline) so tests can assert what
 * the client put on the wire: the log is served by a tiny HTTP control server, `GET /log?id=<id>`,
 * where `<id>` is the `?id=` query parameter the client put on its WebSocket URL.
 *
 * Paths (all accept `?id=`): see `ROUTES` below and test/helpers/raw.ts.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { manyPayload, mixedSequence, patternBuffer, patternText } from '../helpers/pattern.js';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

export const Op = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** One frame the server received from the client. */
export interface RawFrameEntry {
  seq: number;
  /** ms since the TCP connection was accepted (informative only; order by `seq`) */
  t: number;
  dir: 'in';
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** payload length in bytes */
  length: number;
  /** unmasked payload, base64, first 4096 bytes only */
  payload: string;
  /** utf-8 decoding of the (truncated) payload for TEXT/CONT/PING/PONG frames */
  text?: string;
  /** CLOSE frames with a payload of >= 2 bytes */
  closeCode?: number;
  closeReason?: string;
}

/** Something the server did or noticed (`out`: it wrote a notable frame; `info`: socket events). */
export interface RawNoteEntry {
  seq: number;
  t: number;
  dir: 'out' | 'info';
  what: string;
  detail?: string;
}

export type RawLogEntry = RawFrameEntry | RawNoteEntry;

export interface RawConnLog {
  id: string;
  path: string;
  query: Record<string, string>;
  request: { method: string; target: string; headers: Record<string, string> };
  /** everything, in order */
  timeline: RawLogEntry[];
  /** only the frames received from the client, in order */
  received: RawFrameEntry[];
  /** the client half-closed (FIN) or the socket errored/closed */
  clientEnded: boolean;
  socketClosed: boolean;
}

export interface FrameSpec {
  fin?: boolean;
  /** RSV bits as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3 */
  rsv?: number;
  opcode: number;
  payload?: Buffer | string;
  /** true → random key; a Buffer → that key */
  mask?: boolean | Buffer;
  /** write this length in the header instead of the real one (truncated frames; bigint up to 2^64-1) */
  declaredLength?: number | bigint;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const len = spec.declaredLength ?? payload.length;
  const fin = spec.fin ?? true;
  const b0 = (fin ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f);
  const maskKey = spec.mask === true ? randomBytes(4) : spec.mask || null;
  const maskBit = maskKey ? 0x80 : 0;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([b0, maskBit | Number(len)]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!maskKey) return Buffer.concat([header, payload]);
  const masked = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ maskKey[i & 3]!;
  return Buffer.concat([header, maskKey, masked]);
}

/**
 * A server frame (unmasked) from its first byte as it goes on the wire (FIN, RSV bits, opcode:
 * 0x82 = a final binary frame, 0xc1 = RSV1 text), optionally announcing another length.
 */
export function rawFrame(firstByte: number, payload: Buffer, declaredLength: number = payload.length): Buffer {
  return encodeFrame({
    fin: (firstByte & 0x80) !== 0,
    rsv: (firstByte >> 4) & 0x07,
    opcode: firstByte & 0x0f,
    payload,
    declaredLength,
  });
}

export function closePayload(code: number, reason: string | Buffer = ''): Buffer {
  const r = typeof reason === 'string' ? Buffer.from(reason) : reason;
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Incremental frame parser for client→server frames (accepts unmasked frames too, and flags them). */
export class FrameParser {
  private chunks: Buffer[] = [];
  private total = 0;

  push(data: Buffer): ParsedFrame[] {
    this.chunks.push(data);
    this.total += data.length;
    const out: ParsedFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) break;
      out.push(f);
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }

  private next(): ParsedFrame | null {
    if (this.total < 2) return null;
    let h = this.peek(2);
    const b0 = h[0]!;
    const b1 = h[1]!;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) off += 2;
    else if (len === 127) off += 8;
    if (masked) off += 4;
    if (this.total < off) return null;
    h = this.peek(off);
    if (len === 126) len = h.readUInt16BE(2);
    else if (len === 127) len = Number(h.readBigUInt64BE(2));
    if (this.total < off + len) return null;
    const all = this.peek(off + len);
    const payload = Buffer.from(all.subarray(off, off + len));
    if (masked) {
      const key = all.subarray(off - 4, off);
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    }
    const rest = all.subarray(off + len);
    this.chunks = rest.length ? [rest] : [];
    this.total -= off + len;
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload };
  }
}

function parseRequest(head: string): RawConnLog['request'] {
  const lines = head.split('\r\n');
  const [method = '', target = ''] = (lines[0] ?? '').split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { method, target, headers };
}

const STATUS_TEXT: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

type Mode = 'echo' | 'passive' | 'no-close-reply' | 'ping-between-fragments' | 'sink';

class RawConnection {
  readonly log: RawConnLog;
  private readonly start = process.hrtime.bigint();
  private seq = 0;
  private head = Buffer.alloc(0);
  private upgraded = false;
  private readonly parser = new FrameParser();
  private mode: Mode = 'passive';
  private sentClose = false;
  private gotClose = false;
  private fragOpcode = -1;
  private fragParts: Buffer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly socket: net.Socket,
    private readonly register: (log: RawConnLog) => void,
  ) {
    this.log = {
      id: '',
      path: '',
      query: {},
      request: { method: '', target: '', headers: {} },
      timeline: [],
      received: [],
      clientEnded: false,
      socketClosed: false,
    };
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => {
      this.log.clientEnded = true;
      this.note('info', 'client-end');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.note('info', 'socket-error', err.code ?? err.message));
    socket.on('close', () => {
      this.log.socketClosed = true;
      this.note('info', 'socket-close');
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
    });
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.start) / 1e6;
  }

  private note(dir: 'out' | 'info', what: string, detail?: string): void {
    const e: RawNoteEntry = { seq: this.seq++, t: this.now(), dir, what };
    if (detail !== undefined) e.detail = detail;
    this.log.timeline.push(e);
  }

  private alive(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  private write(data: Buffer | string, what?: string, cb?: () => void): void {
    if (!this.alive()) return;
    if (what) this.note('out', what);
    this.socket.write(data, cb);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onData(d: Buffer): void {
    if (this.mode === 'sink') return; // read and forget: no parsing, no log
    if (this.upgraded) {
      this.onFrames(this.parser.push(d));
      return;
    }
    this.head = Buffer.concat([this.head, d]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > 65536) this.socket.destroy();
      return;
    }
    const rest = this.head.subarray(end + 4);
    this.log.request = parseRequest(this.head.subarray(0, end).toString('latin1'));
    const url = new URL(this.log.request.target, 'http://raw.invalid');
    this.log.path = url.pathname;
    for (const [k, v] of url.searchParams) this.log.query[k] = v;
    this.log.id = this.log.query.id ?? `anon-${randomBytes(6).toString('hex')}`;
    this.register(this.log);
    this.upgraded = true; // everything after the request head is frames (or ignored)
    this.route();
    if (rest.length) this.onFrames(this.parser.push(rest));
  }

  private q(name: string, def: number): number {
    const v = this.log.query[name];
    return v === undefined ? def : Number(v);
  }

  private respond101(extra: { accept?: string; upgrade?: boolean; headers?: string[] } = {}): void {
    const key = this.log.request.headers['sec-websocket-key'] ?? '';
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    if (extra.upgrade !== false) lines.push('Upgrade: websocket');
    lines.push('Connection: Upgrade');
    lines.push(`Sec-WebSocket-Accept: ${extra.accept ?? acceptKey(key)}`);
    const proto = this.log.query.protocol;
    if (proto) lines.push(`Sec-WebSocket-Protocol: ${proto}`);
    lines.push(...(extra.headers ?? []));
    this.write(lines.join('\r\n') + '\r\n\r\n', 'handshake-101');
  }

  private respondStatus(code: number, headers: string[], body: string): void {
    const lines = [
      `HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? 'Status'}`,
      ...headers,
      'Content-Type: text/plain',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ];
    this.write(lines.join('\r\n') + '\r\n\r\n' + body, `status-${code}`);
    this.socket.end();
  }

  private frame(spec: FrameSpec, what?: string): void {
    this.write(encodeFrame(spec), what);
  }

  private route(): void {
    const p = this.log.path;
    switch (p) {
      case '/echo':
        this.mode = 'echo';
        this.respond101();
        return;
      // ---- handshake failures ----
      case '/silence':
        return;
      case '/hangup': // ends TCP after the request without an HTTP answer (?send=: after these bytes)
        this.socket.end(this.log.query.send ?? '');
        return;
      case '/status': {
        const code = this.q('code', 403);
        this.respondStatus(code, ['X-Reason: nope'], 'nope: request refused\n');
        return;
      }
      case '/redirect': {
        // ?to=<location> (absolute or relative) and ?status=301|302|303|307|308
        // ?to=self redirects to this very request (a loop).
        const param = new URL(this.log.request.target, 'http://raw.invalid').searchParams.get('to');
        const to = param === 'self' ? this.log.request.target : (param ?? '/echo');
        this.respondStatus(this.q('status', 301), [`Location: ${to}`, 'X-Reason: moved'], '');
        return;
      }
      case '/bad-accept':
        this.respond101({ accept: acceptKey(randomBytes(16).toString('base64')) });
        return;
      case '/no-upgrade':
        this.respond101({ upgrade: false });
        return;
      case '/unoffered-protocol':
        this.respond101({ headers: ['Sec-WebSocket-Protocol: evil'] });
        return;
      case '/extension':
        this.respond101({ headers: ['Sec-WebSocket-Extensions: permessage-deflate'] });
        return;
      case '/headers': // a 101 with repeated, odd and empty extra headers (handshake.headers)
        this.mode = 'echo';
        this.respond101({ headers: ['X-Repeat: one', 'X-Odd: a:b: c, d ;e=f', 'x-repeat: two, three', 'X-Empty:'] });
        return;
      case '/eof-after-open':
        this.respond101();
        this.socket.end();
        return;
      // ---- for curlws/curl (test/curl/) ----
      case '/greet-echo':
        // speaks first (callback-mode clients have no "open" hook to send from), then echoes
        this.mode = 'echo';
        this.respond101();
        this.frame({ opcode: Op.TEXT, payload: 'hello' }, 'greeting');
        return;
    }
    // ?together=1: the 101 and what the route sends right after it leave in one write (one
    // segment), so the client reads them in one go
    if (this.log.query.together) {
      this.socket.cork();
      process.nextTick(() => this.socket.uncork());
    }
    this.respond101();
    switch (p) {
      // ---- frame-level violations ----
      case '/masked':
        this.frame({ opcode: Op.TEXT, payload: 'hello', mask: Buffer.from([1, 2, 3, 4]) }, 'masked-text');
        return;
      case '/opcode3':
        this.frame({ opcode: 3, payload: 'x' }, 'opcode3');
        return;
      case '/rsv':
        this.frame({ opcode: Op.TEXT, rsv: 4, payload: 'hello' }, 'rsv1-text');
        return;
      case '/bigping':
        this.frame({ opcode: Op.PING, payload: Buffer.alloc(126, 0x61) }, 'ping-126');
        return;
      case '/fragping':
        this.frame({ opcode: Op.PING, fin: false, payload: 'x' }, 'ping-nofin');
        return;
      case '/badutf8':
        this.frame({ opcode: Op.TEXT, payload: Buffer.from([0x68, 0x69, 0xff, 0xfe]) }, 'badutf8-text');
        return;
      case '/badutf8-split':
        this.frame({ opcode: Op.TEXT, fin: false, payload: 'hello' }, 'frag1');
        this.frame({ opcode: Op.CONT, fin: false, payload: Buffer.from([0x20, 0xff, 0xfe]) }, 'frag2');
        this.later(this.q('delay', 1000), () => this.frame({ opcode: Op.CONT, fin: true, payload: 'world' }, 'frag3'));
        return;
      case '/close-1byte':
        this.sentClose = true;
        this.frame({ opcode: Op.CLOSE, payload: Buffer.from([0x03]) }, 'close-1byte');
        return;
      case '/close-badcode':
        this.sentClose = true;
        this.frame({ opcode: Op.CLOSE, payload: closePayload(this.q('code', 1005)) }, 'close-badcode');
        return;
      case '/close-badutf8':
        this.sentClose = true;
        this.frame({ opcode: Op.CLOSE, payload: closePayload(1000, Buffer.from([0x6f, 0x6b, 0xff, 0xfe])) }, 'close-badutf8');
        return;
      case '/text-then-opcode3':
        // a valid message, then a violation in the same write: the client reads both at once
        this.write(
          Buffer.concat([encodeFrame({ opcode: Op.TEXT, payload: 'hi' }), encodeFrame({ opcode: 3, payload: 'x' })]),
          'text-then-opcode3',
        );
        return;
      case '/orphan-cont':
        this.frame({ opcode: Op.CONT, payload: 'x' }, 'orphan-cont');
        return;
      case '/truncated': // ?have=bytes of payload sent&declared=frame length (default 10 of 100)
        this.frame(
          { opcode: Op.BINARY, payload: Buffer.alloc(this.q('have', 10), 0x41), declaredLength: this.q('declared', 100) },
          'truncated',
        );
        this.socket.end();
        return;
      case '/rst': // ?have=&declared= as for /truncated (default 5 of 100)
        this.write(
          encodeFrame({ opcode: Op.BINARY, payload: Buffer.alloc(this.q('have', 5), 0x41), declaredLength: this.q('declared', 100) }),
          'half-frame',
          () =>
            setImmediate(() => {
              this.note('out', 'rst');
              this.socket.resetAndDestroy();
            }),
        );
        return;
      // ---- delivery ----
      case '/many': {
        const count = this.q('count', 1000);
        const size = this.q('size', 16);
        const frames: Buffer[] = [];
        for (let i = 0; i < count; i++) frames.push(encodeFrame({ opcode: Op.BINARY, payload: manyPayload(i, size) }));
        this.write(Buffer.concat(frames), 'many');
        return;
      }
      case '/mixed': {
        // test/helpers/pattern.ts mixedSequence(), all in one write
        const frames: Buffer[] = [];
        for (const item of mixedSequence(this.q('count', 600))) {
          if (!('fragments' in item)) {
            frames.push(encodeFrame({ opcode: item.kind === 'ping' ? Op.PING : Op.PONG, payload: item.data }));
            continue;
          }
          const bytes = Buffer.from(item.data);
          // fragments of 1/4, 1/4 ... and the rest last, so the final one is the largest
          const cut = item.fragments > 1 ? Math.floor(bytes.length / 4) : 0;
          for (let f = 0; f < item.fragments; f++) {
            const last = f === item.fragments - 1;
            frames.push(
              encodeFrame({
                opcode: f > 0 ? Op.CONT : item.kind === 'text' ? Op.TEXT : Op.BINARY,
                fin: last,
                payload: bytes.subarray(f * cut, last ? bytes.length : (f + 1) * cut),
              }),
            );
          }
        }
        this.write(Buffer.concat(frames), 'mixed');
        return;
      }
      case '/fragments': {
        // one message of count*size bytes in `count` fragments (text: patternText, binary: patternBuffer)
        const count = this.q('count', 4);
        const size = this.q('size', 512);
        const text = this.log.query.type === 'text';
        const whole = text ? Buffer.from(patternText(count * size)) : patternBuffer(count * size);
        const frames: Buffer[] = [];
        for (let i = 0; i < count; i++) {
          frames.push(
            encodeFrame({
              opcode: i === 0 ? (text ? Op.TEXT : Op.BINARY) : Op.CONT,
              fin: i === count - 1,
              payload: whole.subarray(i * size, (i + 1) * size),
            }),
          );
        }
        this.write(Buffer.concat(frames), 'fragments');
        return;
      }
      case '/split': {
        const size = this.q('size', 65536);
        const chop = Math.max(1, this.q('chop', 1));
        const bytes = encodeFrame({ opcode: Op.BINARY, payload: patternBuffer(size) });
        this.note('out', 'split-start');
        let off = 0;
        const step = (): void => {
          if (!this.alive()) return;
          if (off >= bytes.length) {
            this.note('out', 'split-done');
            return;
          }
          this.socket.write(bytes.subarray(off, off + chop));
          off += chop;
          setImmediate(step);
        };
        step();
        return;
      }
      case '/ping-in-fragment':
        // as /ping-between-fragments, but the first fragment and the PING go out in ONE write
        // (one TCP segment on loopback), so a client reads them together
        this.mode = 'ping-between-fragments';
        this.write(
          Buffer.concat([encodeFrame({ opcode: Op.TEXT, fin: false, payload: 'Hel' }), encodeFrame({ opcode: Op.PING, payload: 'p1' })]),
          'frag1-and-ping',
        );
        this.later(this.q('fallback', 3000), () => this.finishPingBetween(null));
        return;
      case '/slow-reader':
        // stops reading after the handshake for ?pause= ms (default 1000), then reads again:
        // a client's big send meets a full socket (partial sends, EAGAIN) and still completes
        this.socket.pause();
        this.note('info', 'reading-paused');
        this.later(this.q('pause', 1000), () => {
          this.note('info', 'reading-resumed');
          this.socket.resume();
        });
        return;
      case '/zero-length':
        // empty TEXT, BINARY and PING (the PING is only visible to a client that does not
        // answer PINGs itself), then TEXT "end"
        this.write(
          Buffer.concat([
            encodeFrame({ opcode: Op.TEXT }),
            encodeFrame({ opcode: Op.BINARY }),
            encodeFrame({ opcode: Op.PING }),
            encodeFrame({ opcode: Op.TEXT, payload: 'end' }),
          ]),
          'zero-length-frames',
        );
        return;
      case '/frames-then-eof':
        // TEXT "hello", BINARY de ad be ef, then a TCP FIN without a CLOSE frame
        this.write(
          Buffer.concat([
            encodeFrame({ opcode: Op.TEXT, payload: 'hello' }),
            encodeFrame({ opcode: Op.BINARY, payload: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }),
          ]),
          'two-frames',
          () => this.socket.end(),
        );
        return;
      case '/ping-between-fragments':
        this.mode = 'ping-between-fragments';
        this.frame({ opcode: Op.TEXT, fin: false, payload: 'Hel' }, 'frag1');
        this.frame({ opcode: Op.PING, payload: 'p1' }, 'ping-p1');
        // the final fragment is held until the PONG arrives (fallback: send it anyway after 3 s)
        this.later(this.q('fallback', 3000), () => this.finishPingBetween(null));
        return;
      // ---- close ----
      case '/after-close':
        this.sentClose = true;
        this.write(
          Buffer.concat([
            encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1000, 'done') }),
            encodeFrame({ opcode: Op.TEXT, payload: 'ignored' }),
          ]),
          'close-then-text',
        );
        return;
      case '/no-close-reply':
        this.mode = 'no-close-reply';
        return;
      case '/sink':
        // reads everything and keeps nothing (no frame log): a peer that never pushes back nor
        // answers, for clients that send without end
        this.mode = 'sink';
        return;
      case '/server-close': {
        this.sentClose = true;
        const code = this.q('code', 4000);
        this.frame({ opcode: Op.CLOSE, payload: closePayload(code, this.log.query.reason ?? 'bye') }, 'server-close');
        return;
      }
      default:
        // unknown path: behave like a passive, well-behaved server (pong, answer close)
        return;
    }
  }

  private pingBetweenDone = false;

  private finishPingBetween(pong: Buffer | null): void {
    if (this.pingBetweenDone) return;
    this.pingBetweenDone = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.frame({ opcode: Op.CONT, fin: true, payload: 'lo' }, 'final-fragment');
    this.frame({ opcode: Op.TEXT, payload: pong ? `pong:${pong.toString()}` : 'nopong' }, 'pong-report');
  }

  private onFrames(frames: ParsedFrame[]): void {
    for (const f of frames) {
      const e: RawFrameEntry = {
        seq: this.seq++,
        t: this.now(),
        dir: 'in',
        fin: f.fin,
        rsv1: (f.rsv & 4) !== 0,
        rsv2: (f.rsv & 2) !== 0,
        rsv3: (f.rsv & 1) !== 0,
        opcode: f.opcode,
        masked: f.masked,
        length: f.payload.length,
        payload: f.payload.subarray(0, 4096).toString('base64'),
      };
      if (f.opcode === Op.CLOSE) {
        if (f.payload.length >= 2) {
          e.closeCode = f.payload.readUInt16BE(0);
          e.closeReason = f.payload.subarray(2).toString('utf8');
        }
      } else if ([Op.TEXT, Op.CONT, Op.PING, Op.PONG].includes(f.opcode as 0)) {
        e.text = f.payload.subarray(0, 4096).toString('utf8');
      }
      this.log.timeline.push(e);
      this.log.received.push(e);
      this.handleFrame(f);
    }
  }

  private handleFrame(f: ParsedFrame): void {
    if (this.gotClose) return; // nothing after a CLOSE matters
    if (this.mode === 'no-close-reply') return;
    switch (f.opcode) {
      case Op.PING:
        this.frame({ opcode: Op.PONG, payload: f.payload }, 'pong');
        return;
      case Op.PONG:
        if (this.mode === 'ping-between-fragments') this.finishPingBetween(f.payload);
        return;
      case Op.CLOSE: {
        this.gotClose = true;
        for (const t of this.timers) clearTimeout(t); // e.g. /badutf8-split's delayed 3rd fragment
        this.timers.clear();
        if (!this.sentClose) {
          this.sentClose = true;
          // echo the code only (a reason is not needed to complete the handshake)
          this.frame({ opcode: Op.CLOSE, payload: f.payload.subarray(0, Math.min(2, f.payload.length)) }, 'close-reply');
        }
        this.note('out', 'end');
        this.socket.end();
        return;
      }
    }
    if (this.mode !== 'echo') return;
    if (f.opcode === Op.TEXT || f.opcode === Op.BINARY) {
      if (f.fin) this.frame({ opcode: f.opcode, payload: f.payload });
      else {
        this.fragOpcode = f.opcode;
        this.fragParts = [f.payload];
      }
    } else if (f.opcode === Op.CONT && this.fragOpcode >= 0) {
      this.fragParts.push(f.payload);
      if (f.fin) {
        this.frame({ opcode: this.fragOpcode, payload: Buffer.concat(this.fragParts) });
        this.fragOpcode = -1;
        this.fragParts = [];
      }
    }
  }
}

export interface RawServer {
  /** ws://127.0.0.1:PORT */
  url: string;
  port: number;
  /** http://127.0.0.1:PORT of the control server (`GET /log?id=`) */
  controlUrl: string;
  logs: Map<string, RawConnLog>;
  close(): Promise<void>;
}

export async function startRawServer(): Promise<RawServer> {
  const logs = new Map<string, RawConnLog>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new RawConnection(socket, (log) => logs.set(log.id, log));
  });
  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    if (url.pathname === '/log') {
      const log = logs.get(url.searchParams.get('id') ?? '');
      res.writeHead(log ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(log ?? { error: 'unknown id' }));
      return;
    }
    if (url.pathname === '/ids') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([...logs.keys()]));
      return;
    }
    res.writeHead(404).end();
  });
  await Promise.all([
    new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => control.listen(0, '127.0.0.1', r)),
  ]);
  const port = (server.address() as net.AddressInfo).port;
  const cport = (control.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    controlUrl: `http://127.0.0.1:${cport}`,
    logs,
    async close() {
      for (const s of sockets) s.destroy();
      control.closeAllConnections();
      await Promise.all([new Promise<void>((r) => server.close(() => r())), new Promise<void>((r) => control.close(() => r()))]);
    },
  };
}

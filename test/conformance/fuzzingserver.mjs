/**
 * A WebSocket fuzzing server modelled on the Autobahn|Testsuite `fuzzingserver` (fuzzing.py plus
 * the server side of autobahn's WebSocketProtocol with `failByDrop = False`, as the testsuite sets
 * it "for spec conformance"), with the same URL contract:
 *
 *   /getCaseCount                   → one text message with the count, then close
 *   /runCase?case=N&agent=A         → run case N (1-based index into the resolved list);
 *                                     `casetuple=1.2.3` is accepted instead of `case`
 *   /getCaseInfo?case=N             → {"id","description"}, then close
 *   /getCaseStatus?case=N&agent=A   → {"behavior"} once the case has a result, then close
 *   /updateReports?agent=A          → writes outdir/index.json (+ index.html, per-case JSON), then close
 *   /stopServer                     → stops the server
 *
 * Everything the client under test puts on the wire is recorded in a per-case wire log
 * (`<agent>_case_<id>.json` in the report directory), together with what the fuzzer sent and the
 * timers that fired, so a failure can be explained at frame level.
 *
 * Usage: node test/conformance/fuzzingserver.mjs [--port 9001] [--host 127.0.0.1]
 *          [--outdir DIR] [--cases '1.*,2.*'] [--exclude '9.*'] [--deflate-messages N]
 *          [--spec spec.json]
 * Without --cases: groups 1-7, 9, 10 (the permessage-deflate groups 12 and 13 only when named).
 * Run under `child_process.fork`, it reports `{ type: 'listening', port }` over IPC.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_CASES,
  CLOSE_GOING_AWAY,
  CLOSE_INVALID_PAYLOAD,
  CLOSE_NORMAL,
  CLOSE_PROTOCOL_ERROR,
  DEFLATE_MESSAGES,
  instantiate,
  selectCases,
} from './cases.mjs';
import { parseExtensions, parseOffer, ServerDeflate } from './deflate.mjs';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE_NAMES = { 0: 'CONT', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };
const opName = (op) => OPCODE_NAMES[op] ?? `OP${op}`;
/** Close codes a peer may put on the wire (autobahn CLOSE_STATUS_CODES_ALLOWED), plus 3000–4999. */
const CLOSE_CODES_ALLOWED = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011]);
const CLOSE_HANDSHAKE_TIMEOUT = 1; // seconds, autobahn's default closeHandshakeTimeout
const MAX_WIRELOG = 400;
const WIRELOG_PREVIEW = 64;

function preview(buf, opcode) {
  if (!buf || buf.length === 0) return '';
  const head = buf.subarray(0, WIRELOG_PREVIEW);
  const more = buf.length > WIRELOG_PREVIEW ? ` …(+${buf.length - WIRELOG_PREVIEW})` : '';
  if (opcode === 8 && buf.length >= 2) {
    const rest = buf.subarray(2, WIRELOG_PREVIEW);
    return `code=${buf.readUInt16BE(0)}${rest.length ? ` reason=${JSON.stringify(isUtf8(rest) ? rest.toString() : '0x' + rest.toString('hex'))}` : ''}${more}`;
  }
  const printable = isUtf8(head) && !/[\x00-\x08\x0e-\x1f\x7f]/.test(head.toString());
  return (printable ? JSON.stringify(head.toString()) : '0x' + head.toString('hex')) + more;
}

/** Unmask in place (client frames are masked). */
function unmask(buf, mask) {
  const n = buf.length;
  let i = 0;
  if (n >= 8) {
    const m = mask.readUInt32LE(0);
    for (; i + 4 <= n; i += 4) buf.writeUInt32LE((buf.readUInt32LE(i) ^ m) >>> 0, i);
  }
  for (; i < n; i++) buf[i] ^= mask[i & 3];
}

export function frameHeader({ opcode, fin = true, rsv = 0, length }) {
  const b0 = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (length < 126) return Buffer.from([b0, length]);
  if (length < 65536) {
    const h = Buffer.alloc(4);
    h[0] = b0;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = b0;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** A chunk queue the frame parser reads from without re-concatenating big payloads. */
class ByteQueue {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  push(chunk) {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  peek(n) {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(this.length, Math.max(n, 0))).subarray(0, n);
  }
  take(n) {
    this.length -= n;
    if (this.chunks[0].length === n) return this.chunks.shift();
    if (this.chunks[0].length > n) {
      const out = this.chunks[0].subarray(0, n);
      this.chunks[0] = this.chunks[0].subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** One WebSocket connection, server side: autobahn's WebSocketServerProtocol + FuzzingProtocol. */
class FuzzConn {
  constructor(server, socket, path, params) {
    this.server = server;
    this.socket = socket;
    this.path = path;
    this.params = params;
    this.state = 'CONNECTING';
    this.closedByMe = false;
    this.failedByMe = false;
    this.droppedByMe = false;
    this.wasClean = false;
    this.wasNotCleanReason = null;
    this.wasCloseHandshakeTimeout = false;
    this.localCloseCode = null;
    this.localCloseReason = null;
    this.remoteCloseCode = null;
    this.remoteCloseReason = null;
    this.connectionWasOpen = false;
    this.createWirelog = true;
    this.wirelog = [];
    this.wirelogDropped = 0;
    this.txFrameStats = {};
    this.rxFrameStats = {};
    this.rxOctets = 0;
    this.txOctets = 0;
    this.timers = new Set();
    this.sendQueue = [];
    this.triggered = false;
    this.rx = new ByteQueue();
    this.insideMessage = false;
    this.messageCompressed = false;
    this.pmd = null; // ServerDeflate once permessage-deflate is negotiated (12.x/13.x)
    this.waiting = false; // a compressed message is being inflated: frames after it wait
    this.messageOpcode = 0;
    this.messageParts = [];
    this.messageLength = 0;
    this.t0 = performance.now();
    this.caseDef = undefined;
    this.runCase = undefined;
    this.caseStart = 0;

    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => this.connectionLost());
  }

  log(entry) {
    // Like Autobahn, 9.x turns the wire log off for the bulk data; control frames, timers and
    // events are still recorded so a failure can be explained.
    if (!this.createWirelog && (entry.raw !== undefined || entry.note || ['TEXT', 'BINARY', 'CONT'].includes(entry.opcode))) return;
    if (this.wirelog.length >= MAX_WIRELOG) {
      this.wirelogDropped++;
      return;
    }
    this.wirelog.push({ t: Math.round(performance.now() - this.t0), ...entry });
  }

  // ---- opening ---------------------------------------------------------------------------------
  open() {
    this.state = 'OPEN';
    this.connectionWasOpen = true;
    this.t0 = performance.now();
    const srv = this.server;
    if (this.runCase) {
      this.caseStart = performance.now();
      this.caseStarted = new Date().toISOString();
      this.runCase.onOpen(this);
      return;
    }
    switch (this.path) {
      case '/updateReports':
        // A previous case's connection may still be tearing down: wait for its result first.
        srv.whenIdle().then(() => {
          srv.createReports();
          this.sendClose();
        });
        break;
      case '/getCaseCount':
        this.sendMessage(Buffer.from(JSON.stringify(srv.specCases.length)), { binary: false });
        this.sendClose();
        break;
      case '/getCaseInfo':
        this.sendMessage(Buffer.from(JSON.stringify({ id: this.caseDef.id, description: this.caseDef.description })), { binary: false });
        this.sendClose();
        break;
      case '/getCaseStatus':
        srv.onResult(this.params.get('agent'), this.caseDef.id, (r) => {
          if (this.state !== 'OPEN') return;
          this.sendMessage(Buffer.from(JSON.stringify({ behavior: r.behavior })), { binary: false });
          this.sendClose();
        });
        break;
      case '/stopServer':
        this.sendClose();
        setTimeout(() => srv.close(), 50);
        break;
      default:
        break;
    }
  }

  // ---- sending ---------------------------------------------------------------------------------
  sendData(data, sync = false, chopsize = undefined) {
    if (this.state === 'CLOSED' || this.socket.destroyed) return;
    if (chopsize && chopsize > 0) {
      for (let i = 0; i < data.length; i += chopsize) this.sendQueue.push(data.subarray(i, Math.min(i + chopsize, data.length)));
      this.trigger();
    } else if (sync || this.sendQueue.length > 0) {
      this.sendQueue.push(data);
      this.trigger();
    } else {
      this.txOctets += data.length;
      this.socket.write(data);
    }
  }

  /** Queued (sync/chopped) writes go out one per event-loop turn, each flushed before the next. */
  trigger() {
    if (this.triggered) return;
    this.triggered = true;
    const next = () => {
      const chunk = this.sendQueue.shift();
      if (chunk === undefined || this.state === 'CLOSED' || this.socket.destroyed) {
        this.sendQueue.length = 0;
        this.triggered = false;
        return;
      }
      this.txOctets += chunk.length;
      this.socket.write(chunk, () => setImmediate(next));
    };
    setImmediate(next);
  }

  frameHeader(h) {
    return frameHeader(h);
  }

  /** autobahn sendFrame: raw frame with any opcode/RSV/FIN; `payloadLen` repeats `payload`. */
  sendFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, payloadLen, chopsize, sync = false }) {
    if (this.state === 'CLOSED') return;
    const body =
      payloadLen !== undefined
        ? payloadLen === 0
          ? Buffer.alloc(0)
          : Buffer.alloc(payloadLen, payload.length ? payload : Buffer.from([0]))
        : payload;
    this.txFrameStats[opcode] = (this.txFrameStats[opcode] ?? 0) + 1;
    this.log({
      dir: 'tx',
      opcode: opName(opcode),
      fin,
      rsv,
      len: body.length,
      payload: preview(body, opcode),
      ...(chopsize ? { chopsize } : {}),
      ...(sync ? { sync } : {}),
    });
    this.sendData(Buffer.concat([frameHeader({ opcode, fin, rsv, length: body.length }), body]), sync, chopsize);
  }

  /**
   * autobahn sendMessage: one frame, or frames of `fragmentSize` (opcode, then continuations).
   * `rsv` goes on the first frame only (RSV1 = 4 marks a compressed message).
   */
  sendMessage(payload, { binary = false, fragmentSize, rsv = 0 } = {}) {
    const opcode = binary ? 2 : 1;
    if (!fragmentSize || payload.length <= fragmentSize) {
      this.sendFrame({ opcode, payload, rsv });
      return;
    }
    const parts = [];
    let frames = 0;
    for (let i = 0; i < payload.length; i += fragmentSize) {
      const chunk = payload.subarray(i, Math.min(i + fragmentSize, payload.length));
      const op = i === 0 ? opcode : 0;
      const fin = i + fragmentSize >= payload.length;
      const frameRsv = i === 0 ? rsv : 0;
      parts.push(frameHeader({ opcode: op, fin, rsv: frameRsv, length: chunk.length }), chunk);
      this.txFrameStats[op] = (this.txFrameStats[op] ?? 0) + 1;
      if (frames < 8 || fin)
        this.log({ dir: 'tx', opcode: opName(op), fin, rsv: frameRsv, len: chunk.length, payload: preview(chunk, op) });
      else if (frames === 8)
        this.log({ dir: 'tx', note: `… ${Math.ceil(payload.length / fragmentSize) - 9} more fragments of ${fragmentSize} octets …` });
      frames++;
    }
    this.sendData(Buffer.concat(parts));
  }

  /**
   * autobahn sendMessage with permessage-deflate: the message compressed (RSV1 on its first
   * frame), then fragmented like any message. Resolves once it is queued; dropped if the
   * connection is no longer open by then.
   */
  async sendCompressed(message, { binary = false, fragmentSize } = {}) {
    const payload = await this.pmd.compress(message);
    if (this.state !== 'OPEN') return;
    this.log({ dir: 'tx', note: `compressed ${message.length} octets to ${payload.length}` });
    this.sendMessage(payload, { binary, fragmentSize, rsv: 4 });
  }

  /** Raw octets (6.4.3/6.4.4 send one frame in timed chops). */
  sendRaw(data) {
    this.log({ dir: 'tx', raw: data.length, octets: '0x' + data.subarray(0, WIRELOG_PREVIEW).toString('hex') });
    this.sendData(data);
  }

  sendClose(code, reason) {
    this.sendCloseFrame(code, reason, false);
  }

  /** autobahn sendCloseFrame: any code (even invalid ones) and raw reason octets. */
  sendCloseFrame(code, reason, isReply = false) {
    if (this.state === 'CLOSING' || this.state === 'CLOSED') return;
    const parts = [];
    if (code !== undefined && code !== null) {
      const c = Buffer.alloc(2);
      c.writeUInt16BE(code);
      parts.push(c);
    }
    if (reason !== undefined && reason !== null) parts.push(reason);
    this.sendFrame({ opcode: 8, payload: Buffer.concat(parts) });
    this.localCloseCode = code ?? null;
    this.localCloseReason = reason ? reason.toString('latin1') : null;
    this.state = 'CLOSING';
    this.closedByMe = !isReply;
    if (!isReply) {
      this.setTimer(CLOSE_HANDSHAKE_TIMEOUT, () => {
        if (this.state === 'CLOSED') return;
        this.log({ event: 'close handshake timeout: peer did not answer our CLOSE' });
        this.wasClean = false;
        this.wasNotCleanReason = 'peer did not respond (in time) in closing handshake';
        this.wasCloseHandshakeTimeout = true;
        this.dropConnection(true);
      });
    }
  }

  // ---- failing / dropping ----------------------------------------------------------------------
  dropConnection(abort) {
    if (this.state === 'CLOSED') return;
    this.droppedByMe = true;
    this.state = 'CLOSED';
    this.log({ event: `TCP dropped by fuzzer${abort ? ' (abort)' : ''}` });
    if (abort) this.socket.destroy();
    else this.socket.end(() => this.socket.destroy());
  }

  failConnection(code = CLOSE_GOING_AWAY, reason = 'Going Away') {
    if (this.state === 'CLOSED') return;
    this.failedByMe = true;
    if (this.state === 'OPEN') this.sendCloseFrame(code, Buffer.from(reason), false);
    // already closing: the close handshake timer drops the TCP connection
  }

  protocolViolation(reason) {
    this.log({ event: `fuzzer detected a protocol violation by the peer: ${reason}` });
    this.failConnection(CLOSE_PROTOCOL_ERROR, reason.slice(0, 120));
  }

  invalidPayload(reason) {
    this.log({ event: `fuzzer detected invalid payload from the peer: ${reason}` });
    this.failConnection(CLOSE_INVALID_PAYLOAD, reason.slice(0, 120));
  }

  // ---- timers (FuzzingProtocol) ----------------------------------------------------------------
  setTimer(secs, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, secs * 1000);
    this.timers.add(t);
  }

  killAfter(secs) {
    this.log({ timer: `fail connection after ${secs} s` });
    this.setTimer(secs, () => {
      if (this.state === 'CLOSED') return;
      this.log({ event: 'KILL TIMER FIRED: failing connection (the peer did not close in time)' });
      this.killed = true;
      this.failConnection();
    });
  }

  closeAfter(secs) {
    this.log({ timer: `close connection after ${secs} s` });
    this.setTimer(secs, () => {
      if (this.state === 'CLOSED') return;
      this.log({ event: 'close timer fired' });
      this.sendClose();
    });
  }

  continueLater(secs, fn, tag) {
    this.log({ timer: `continue after ${secs} s${tag ? ` (tag ${tag})` : ''}` });
    this.setTimer(secs, () => {
      if (this.state === 'CLOSED') return;
      this.log({ event: `delay elapsed${tag ? ` (tag ${tag})` : ''}` });
      fn();
    });
  }

  // ---- receiving -------------------------------------------------------------------------------
  onData(chunk) {
    if (this.state === 'CLOSED') return;
    this.rxOctets += chunk.length;
    this.rx.push(chunk);
    this.pump();
  }

  /** Parses and handles frames until the bytes run out, or a compressed message is inflating. */
  pump() {
    while (this.state !== 'CLOSED' && !this.waiting && this.parseFrame());
  }

  /** Parses one frame if complete; returns false when more bytes are needed. */
  parseFrame() {
    const q = this.rx;
    if (q.length < 2) return false;
    const h2 = q.peek(2);
    const b0 = h2[0];
    const b1 = h2[1];
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const hlen = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (q.length < hlen) return false;
    const h = q.peek(hlen);
    let len = len7;
    let off = 2;
    if (len7 === 126) {
      len = h.readUInt16BE(2);
      off = 4;
    } else if (len7 === 127) {
      const big = h.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.protocolViolation('frame length too large');
        this.dropConnection(true);
        return false;
      }
      len = Number(big);
      off = 10;
    }
    if (q.length < hlen + len) return false;
    const mask = masked ? Buffer.from(h.subarray(off, off + 4)) : null;
    q.take(hlen);
    const payload = len ? q.take(len) : Buffer.alloc(0);
    if (mask) unmask(payload, mask);
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 7;
    const opcode = b0 & 0x0f;
    this.rxFrameStats[opcode] = (this.rxFrameStats[opcode] ?? 0) + 1;
    this.log({ dir: 'rx', opcode: opName(opcode), fin, rsv, masked, len, payload: preview(payload, opcode) });
    this.onFrame(fin, rsv, opcode, masked, payload);
    return true;
  }

  onFrame(fin, rsv, opcode, masked, payload) {
    // The checks of autobahn's processDataHybi, in its order. With failByDrop=False a violation
    // starts the closing handshake and the offending frame is skipped.
    let violation = null;
    if (rsv !== 0 && !(this.pmd && rsv === 4)) violation = `RSV = ${rsv} and no extension negotiated`;
    else if (rsv === 4 && opcode > 7) violation = 'received compressed control frame';
    else if (rsv === 4 && opcode === 0) violation = 'received RSV1 set on non-first frame';
    else if (!masked) violation = 'unmasked client-to-server frame';
    else if (opcode > 7) {
      if (!fin) violation = 'fragmented control frame';
      else if (payload.length > 125) violation = 'control frame with payload length > 125 octets';
      else if (![8, 9, 10].includes(opcode)) violation = `control frame using reserved opcode ${opcode}`;
      else if (opcode === 8 && payload.length === 1) violation = 'received close control frame with payload len 1';
    } else if (![0, 1, 2].includes(opcode)) violation = `data frame using reserved opcode ${opcode}`;
    else if (!this.insideMessage && opcode === 0) violation = 'received continuation data frame outside fragmented message';
    else if (this.insideMessage && opcode !== 0) violation = 'received non-continuation data frame while inside fragmented message';
    if (violation) {
      this.protocolViolation(violation);
      return;
    }

    if (opcode === 8) return this.onCloseFrame(payload);
    if (opcode === 9) {
      if (this.state === 'OPEN') this.sendFrame({ opcode: 10, payload });
      this.runCase?.onPing(payload);
      return;
    }
    if (opcode === 10) {
      this.runCase?.onPong(payload);
      return;
    }
    if (opcode !== 0) {
      this.insideMessage = true;
      this.messageOpcode = opcode;
      this.messageCompressed = rsv === 4;
      this.messageParts = [];
      this.messageLength = 0;
    }
    if (payload.length) {
      this.messageParts.push(payload);
      this.messageLength += payload.length;
    }
    if (!fin) return;
    this.insideMessage = false;
    const message = this.messageParts.length === 1 ? this.messageParts[0] : Buffer.concat(this.messageParts, this.messageLength);
    this.messageParts = [];
    const binary = this.messageOpcode === 2;
    if (!this.messageCompressed) {
      this.onMessage(message, binary);
      return;
    }
    // Inflate (asynchronous with node:zlib); the frames after this message wait until it is done.
    this.waiting = true;
    this.pmd.decompress(message).then(
      (inflated) => {
        this.waiting = false;
        if (this.state === 'CLOSED') return;
        this.onMessage(inflated, binary);
        this.pump();
      },
      (e) => {
        this.waiting = false;
        if (this.state === 'CLOSED') return;
        this.invalidPayload(`invalid compressed message: ${e.message}`);
        this.pump();
      },
    );
  }

  onMessage(message, binary) {
    if (!binary && !isUtf8(message)) {
      this.invalidPayload('encountered invalid UTF-8 while processing text message');
      return;
    }
    if (this.runCase) this.runCase.onMessage(message, binary);
  }

  onCloseFrame(payload) {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    const reason = payload.length > 2 ? payload.subarray(2) : null;
    this.remoteCloseCode = code;
    this.remoteCloseReason = reason ? (isUtf8(reason) ? reason.toString() : '0x' + reason.toString('hex')) : null;
    if (code !== null && (code < 1000 || (code <= 2999 && !CLOSE_CODES_ALLOWED.has(code)) || code >= 5000)) {
      this.protocolViolation(`invalid close code ${code}`);
    } else if (reason && !isUtf8(reason)) {
      this.invalidPayload('invalid close reason (non-UTF-8 payload)');
    }
    if (this.state === 'CLOSING') {
      // The peer's reply to our CLOSE: the server drops the TCP connection at once.
      this.wasClean = true;
      this.dropConnection(true);
    } else if (this.state === 'OPEN') {
      // The peer starts the closing handshake: reply with 1000 and drop the TCP connection.
      this.wasClean = true;
      this.sendCloseFrame(CLOSE_NORMAL, undefined, true);
      this.dropConnection(false);
    }
  }

  connectionLost() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pmd?.close();
    if (this.state !== 'CLOSED') {
      this.state = 'CLOSED';
      this.log({ event: 'TCP dropped by peer' });
      if (!this.wasClean && !this.wasNotCleanReason)
        this.wasNotCleanReason = 'peer dropped the TCP connection without previous WebSocket closing handshake';
    }
    if (!this.runCase) return;
    const c = this.runCase;
    c.onConnectionLost(this);
    const caseEnd = performance.now();
    this.server.logCase({
      case: this.caseIndex,
      id: this.caseDef.id,
      description: this.caseDef.description,
      expectation: this.caseDef.expectation,
      agent: this.agent,
      started: this.caseStarted ?? null,
      duration: this.connectionWasOpen ? Math.round(caseEnd - this.caseStart) : 0,
      reportTime: c.reportTime,
      behavior: c.behavior,
      behaviorClose: c.behaviorClose,
      expected: Object.fromEntries(Object.entries(c.expected).map(([k, v]) => [k, v.map(cleanEvent)])),
      expectedClose: c.expectedClose,
      received: c.received.map(cleanEvent),
      result: c.result,
      resultClose: c.resultClose,
      closedByMe: this.closedByMe,
      failedByMe: this.failedByMe,
      droppedByMe: this.droppedByMe,
      wasClean: this.wasClean,
      wasNotCleanReason: this.wasNotCleanReason,
      wasCloseHandshakeTimeout: this.wasCloseHandshakeTimeout,
      killTimerFired: !!this.killed,
      localCloseCode: this.localCloseCode,
      localCloseReason: this.localCloseReason,
      remoteCloseCode: this.remoteCloseCode,
      remoteCloseReason: this.remoteCloseReason,
      rxOctets: this.rxOctets,
      txOctets: this.txOctets,
      rxFrameStats: this.rxFrameStats,
      txFrameStats: this.txFrameStats,
      wirelog: this.wirelog,
      wirelogDropped: this.wirelogDropped,
    });
  }
}

function cleanEvent(e) {
  if (e[0] === 'message') return ['message', preview(e[1], e[2] ? 2 : 1), e[2], e[1].length];
  if (e[0] === 'ping' || e[0] === 'pong') return [e[0], preview(e[1], 9)];
  return e;
}

export class FuzzingServer {
  /**
   * @param {object} spec `{ outdir, cases: ['*'], 'exclude-cases': [] }` as in Autobahn's
   *   fuzzingserver.json. Without `cases`: every case but the permessage-deflate groups 12 and 13
   *   (the 301 of groups 1-7, 9, 10); name them (`12.*`, `*`) to run them. Plus
   *   `'deflate-messages'`: messages per 12.x/13.x case (Autobahn: 1000).
   */
  constructor(spec = {}) {
    this.spec = spec;
    this.outdir = resolve(spec.outdir ?? './reports/clients');
    this.specCases = selectCases(spec.cases, spec['exclude-cases']);
    this.caseOptions = { deflateMessages: spec['deflate-messages'] ?? DEFLATE_MESSAGES };
    this.agents = {};
    this.listeners = [];
    this.conns = new Set();
    this.http = http.createServer((req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end(`curlws fuzzing server: ${this.specCases.length} cases; connect with WebSocket to /runCase?case=N&agent=A\n`);
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  listen(port = 0, host = '127.0.0.1') {
    return new Promise((res, rej) => {
      this.http.once('error', rej);
      this.http.listen(port, host, () => {
        this.port = this.http.address().port;
        res(this.port);
      });
    });
  }

  close() {
    for (const c of this.conns) c.socket.destroy();
    return new Promise((res) => this.http.close(() => res()));
  }

  onUpgrade(req, socket, head) {
    const reject = (status, text) => {
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    const key = req.headers['sec-websocket-key'];
    if (!key || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || req.headers['sec-websocket-version'] !== '13') {
      return reject(400, 'Bad Request');
    }
    const url = new URL(req.url ?? '/', 'http://fuzzer');
    const path = url.pathname;
    const params = url.searchParams;
    let caseDef;
    let caseIndex;
    if (params.has('casetuple')) {
      caseIndex = this.specCases.findIndex((c) => c.id === params.get('casetuple')) + 1;
      if (caseIndex === 0) return reject(404, `case ${params.get('casetuple')} not found`);
    } else if (params.has('case')) {
      caseIndex = Number(params.get('case'));
      if (!Number.isInteger(caseIndex) || caseIndex < 1 || caseIndex > this.specCases.length)
        return reject(404, `case ${params.get('case')} not found`);
    }
    if (caseIndex) caseDef = this.specCases[caseIndex - 1];
    const agent = params.get('agent');
    if (path === '/runCase' && (!caseDef || !agent)) return reject(400, !caseDef ? 'need case to run' : 'need agent to run case');
    if (path === '/updateReports' && !agent) return reject(400, 'need agent to update reports for');
    if ((path === '/getCaseInfo' || path === '/getCaseStatus') && !caseDef) return reject(400, 'need case');

    // Extension offers are parsed on every connection (an invalid offer fails the handshake, as
    // in Autobahn); permessage-deflate is accepted only by the cases that have a policy for it
    // (12.x, 13.x: autobahn's other cases decline every offer).
    const offered = req.headers['sec-websocket-extensions'];
    const offers = [];
    if (offered) {
      try {
        for (const e of parseExtensions(offered)) if (e.name === 'permessage-deflate') offers.push(parseOffer(e.params));
      } catch (e) {
        return reject(400, `invalid Sec-WebSocket-Extensions: ${e.message}`);
      }
    }
    const runCase = path === '/runCase' ? instantiate(caseDef, this.caseOptions) : undefined;
    const accepted = runCase?.serverAccept?.(offers) ?? null;

    const conn = new FuzzConn(this, socket, path, params);
    this.conns.add(conn);
    socket.on('close', () => this.conns.delete(conn));
    conn.caseDef = caseDef;
    conn.caseIndex = caseIndex;
    conn.agent = agent;
    conn.runCase = runCase;
    conn.deflateOffers = offers;
    if (accepted) conn.pmd = new ServerDeflate(accepted);
    if (runCase?.serverAccept)
      conn.log({
        event: `permessage-deflate: client offered ${offered ? JSON.stringify(offered) : 'nothing'}; ${conn.pmd ? `accepted: ${conn.pmd.header}` : 'declined'}`,
      });
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Server: curlws-fuzzingserver (Autobahn|Testsuite compatible)\r\n' +
        'Upgrade: WebSocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n` +
        (conn.pmd ? `Sec-WebSocket-Extensions: ${conn.pmd.header}\r\n` : '') +
        '\r\n',
    );
    conn.open();
    if (head && head.length) conn.onData(head);
  }

  /** Resolves once no case is running (at most 5 s). */
  async whenIdle() {
    const deadline = Date.now() + 5000;
    while ([...this.conns].some((c) => c.runCase) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setImmediate(r));
  }

  logCase(result) {
    this.agents[result.agent] ??= {};
    this.agents[result.agent][result.id] = result;
    this.listeners = this.listeners.filter((l) => {
      if (l.agent === result.agent && l.id === result.id) {
        l.cb(result);
        return false;
      }
      return true;
    });
  }

  onResult(agent, id, cb) {
    const r = this.agents[agent]?.[id];
    if (r) cb(r);
    else this.listeners.push({ agent, id, cb });
  }

  caseFileName(agent, id) {
    const a = agent
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '');
    return `${a}_case_${id.replace(/\./g, '_')}.json`;
  }

  /** index.json in Autobahn's shape, per-case JSON reports and a small index.html. */
  createReports() {
    mkdirSync(this.outdir, { recursive: true });
    const index = {};
    for (const [agent, cases] of Object.entries(this.agents)) {
      index[agent] = {};
      const ids = Object.keys(cases).sort((a, b) => ALL_CASES.findIndex((c) => c.id === a) - ALL_CASES.findIndex((c) => c.id === b));
      for (const id of ids) {
        const r = cases[id];
        const reportfile = this.caseFileName(agent, id);
        index[agent][id] = {
          behavior: r.behavior,
          behaviorClose: r.behaviorClose,
          duration: r.duration,
          remoteCloseCode: r.remoteCloseCode,
          reportfile,
        };
        writeFileSync(join(this.outdir, reportfile), JSON.stringify(r, null, 1));
      }
    }
    writeFileSync(join(this.outdir, 'index.json'), JSON.stringify(index, null, 2));
    const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
    let html =
      '<!doctype html><meta charset="utf-8"><title>curlws fuzzing server report</title><style>body{font:13px sans-serif}td{padding:2px 8px}.OK{background:#cfc}.FAILED,.UNCLEAN,.WRONG{background:#fcc}.NON-STRICT{background:#ffc}.INFORMATIONAL{background:#cef}</style>';
    for (const [agent, cases] of Object.entries(index)) {
      html += `<h2>${esc(agent)}</h2><table><tr><th>case</th><th>behavior</th><th>close</th><th>ms</th><th>remote code</th></tr>`;
      for (const [id, r] of Object.entries(cases)) {
        html += `<tr><td><a href="${esc(r.reportfile)}">${esc(id)}</a></td><td class="${esc(r.behavior.split(' ')[0])}">${esc(r.behavior)}</td><td class="${esc(r.behaviorClose.split(' ')[0])}">${esc(r.behaviorClose)}</td><td>${r.duration}</td><td>${r.remoteCloseCode ?? ''}</td></tr>`;
      }
      html += '</table>';
    }
    writeFileSync(join(this.outdir, 'index.html'), html);
    return index;
  }
}

// ---- CLI --------------------------------------------------------------------------------------
function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.includes('=') ? a.slice(2).split(/=(.*)/s) : [a.slice(2), argv[++i]];
    out[k] = v;
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const spec = args.spec ? JSON.parse(readFileSync(args.spec, 'utf8')) : {};
  if (args.outdir) spec.outdir = args.outdir;
  if (args.cases) spec.cases = args.cases.split(',');
  if (args.exclude !== undefined) spec['exclude-cases'] = args.exclude ? args.exclude.split(',') : [];
  if (args['deflate-messages'] !== undefined) spec['deflate-messages'] = Number(args['deflate-messages']);
  const server = new FuzzingServer(spec);
  const port = await server.listen(Number(args.port ?? (spec.url ? new URL(spec.url).port : 9001)), args.host ?? '127.0.0.1');
  if (process.send) process.send({ type: 'listening', port });
  else console.log(`fuzzing server on ws://127.0.0.1:${port}, ${server.specCases.length} cases, reports in ${server.outdir}`);
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
  process.on('disconnect', () => server.close().then(() => process.exit(0)));
}

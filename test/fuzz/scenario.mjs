// What the hostile server does on connection #index of a run with `seed`: a pure function, so
// the runner can print the plan of a failing connection and `--only=<index>` replays it.
//
// A plan is { handshake, echo, replyPing, replyClose, steps }, where each step is one of
//   { kind: 'write', what, bytes }   bytes to send (chopped into random TCP writes when sent)
//   { kind: 'stall', ms }            write nothing for a while
//   { kind: 'stop-reading', ms }     stop reading the client for a while (its sends back up)
//   { kind: 'rst' }                  TCP RST (socket.resetAndDestroy), the connection ends
//   { kind: 'end' }                  half-close (FIN), keep reading the client
//   { kind: 'destroy' }              close both directions
import { constants, deflateRawSync } from 'node:zlib';
import { Rng, deriveSeed } from './prng.mjs';
import { Op, encodeFrame } from './frames.mjs';

/** Cap per connection, so a run stays light on a shared machine. */
const MAX_BYTES_PER_CONNECTION = 3 * 1024 * 1024;

const HANDSHAKES = {
  ok: 60,
  'ok-slow': 8, // 101 dribbled out with stalls
  'ok-with-frames': 6, // 101 and the first frames in one write
  deflate: 20, // permessage-deflate accepted when the client offers it
  'bad-accept': 2,
  'no-upgrade': 2,
  'unoffered-protocol': 1,
  'unoffered-extension': 1,
  status: 4, // non-101
  'redirect-self': 1,
  garbage: 3,
  'huge-header': 1,
  partial: 2, // half the 101, then FIN
  stall: 2, // never answers: the handshake timeout ends it
  rst: 3,
  close: 2,
};

const STEPS = {
  text: 12,
  binary: 12,
  empty: 2,
  fragmented: 6,
  'many-small': 3,
  big: 2,
  ping: 5,
  pong: 3,
  bitflip: 6,
  'wrong-length-short': 3,
  'wrong-length-long': 3,
  rsv: 3,
  compressed: 6, // RSV1 + deflate data: valid, truncated, bit-flipped or a bomb
  'reserved-opcode': 3,
  masked: 3,
  'bad-utf8': 3,
  'bad-utf8-fragmented': 2,
  'huge-length': 3,
  'long-control': 2,
  'fragmented-control': 2,
  'orphan-cont': 2,
  'interleaved-data': 2,
  'non-minimal-length': 2,
  close: 3,
  'close-bad': 3,
  garbage: 2,
  stall: 8,
  'stop-reading': 3, // the server stops reading for a while: the client's sends back up
  rst: 2,
  end: 2,
  destroy: 1,
};

/** Steps of a well-behaved peer: a third of the connections use only these (long valid runs). */
const VALID_STEPS = Object.fromEntries(
  ['text', 'binary', 'empty', 'fragmented', 'many-small', 'big', 'ping', 'pong', 'close', 'stall', 'stop-reading', 'end'].map((k) => [
    k,
    STEPS[k],
  ]),
);

const BAD_UTF8 = [
  [0xff],
  [0xc0, 0x80], // overlong
  [0xed, 0xa0, 0x80], // surrogate
  [0xf4, 0x90, 0x80, 0x80], // > U+10FFFF
  [0xe2, 0x82], // cut off, then ASCII
  [0x80],
];

function payloadBytes(r, n) {
  if (n <= 4096) return r.bytes(n);
  return Buffer.alloc(n, r.int(0, 255)); // large: a fill is enough and cheap
}

function closePayload(code, reason) {
  const b = Buffer.alloc(2 + reason.length);
  b.writeUInt16BE(code, 0);
  reason.copy(b, 2);
  return b;
}

function splitInto(r, buf, parts) {
  const cuts = new Set();
  while (cuts.size < Math.min(parts - 1, Math.max(0, buf.length - 1))) cuts.add(r.int(1, buf.length - 1));
  const sorted = [0, ...[...cuts].sort((a, b) => a - b), buf.length];
  const out = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push(buf.subarray(sorted[i], sorted[i + 1]));
  return out;
}

function fragmented(r, opcode, payload, withPing) {
  const parts = splitInto(r, payload, r.int(2, 5));
  const frames = [];
  parts.forEach((p, i) => {
    frames.push(encodeFrame({ opcode: i === 0 ? opcode : Op.CONT, fin: i === parts.length - 1, payload: p }));
    if (withPing && i < parts.length - 1 && r.chance(0.5)) frames.push(encodeFrame({ opcode: Op.PING, payload: r.bytes(r.int(0, 20)) }));
  });
  return Buffer.concat(frames);
}

function badUtf8Text(r) {
  const bad = Buffer.from(r.pick(BAD_UTF8));
  return Buffer.concat([Buffer.from(r.text(r.int(0, 40))), bad, Buffer.from(r.text(r.int(0, 40)))]);
}

/** Bytes of one step of kind `what` (a data or control frame, valid or not). */
function stepBytes(r, what) {
  switch (what) {
    case 'text':
      return encodeFrame({ opcode: Op.TEXT, payload: Buffer.from(r.text(r.size(70000))) });
    case 'binary':
      return encodeFrame({ opcode: Op.BINARY, payload: payloadBytes(r, r.size(200000)) });
    case 'empty':
      return encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY]) });
    case 'fragmented': {
      const text = r.chance(0.5);
      const payload = text ? Buffer.from(r.text(r.size(20000))) : payloadBytes(r, r.size(20000));
      return fragmented(r, text ? Op.TEXT : Op.BINARY, payload, true);
    }
    case 'many-small': {
      const frames = [];
      for (let i = r.int(50, 500); i > 0; i--) frames.push(encodeFrame({ opcode: Op.BINARY, payload: r.bytes(r.int(0, 32)) }));
      return Buffer.concat(frames);
    }
    case 'big':
      return encodeFrame({ opcode: Op.BINARY, payload: payloadBytes(r, r.int(256 * 1024, 1024 * 1024)) });
    case 'ping':
    case 'pong':
      return encodeFrame({ opcode: what === 'ping' ? Op.PING : Op.PONG, payload: r.bytes(r.int(0, 125)) });
    case 'bitflip': {
      const frame = stepBytes(r, r.pick(['text', 'binary', 'ping', 'fragmented', 'close']));
      const out = Buffer.from(frame);
      for (let i = r.int(1, 3); i > 0; i--) {
        // mostly the header, where a flip changes the meaning
        const at = r.chance(0.7) ? r.int(0, Math.min(out.length, 10) - 1) : r.int(0, out.length - 1);
        out[at] ^= 1 << r.int(0, 7);
      }
      return out;
    }
    case 'wrong-length-short':
    case 'wrong-length-long': {
      const payload = r.bytes(r.int(1, 300));
      const declared = what === 'wrong-length-short' ? r.int(0, payload.length - 1) : payload.length + r.int(1, 5000);
      return encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY, Op.PING]), payload, declared });
    }
    case 'compressed': {
      const plain = r.chance(0.1) ? Buffer.alloc(r.int(100_000, 4_000_000)) : Buffer.from(r.text(r.int(0, 3000)));
      let data = deflateRawSync(plain, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
      if (r.chance(0.2)) data = data.subarray(0, r.int(0, data.length));
      if (r.chance(0.2) && data.length) {
        data = Buffer.from(data);
        data[r.int(0, data.length - 1)] ^= 1 << r.int(0, 7);
      }
      return encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY]), rsv: 4, payload: data });
    }
    case 'rsv':
      return encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY, Op.PING]), rsv: r.int(1, 7), payload: Buffer.from(r.text(r.int(0, 100))) });
    case 'reserved-opcode':
      return encodeFrame({ opcode: r.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: r.bytes(r.int(0, 100)) });
    case 'masked':
      return encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY, Op.PING]), payload: Buffer.from(r.text(r.int(0, 200))), mask: r.bytes(4) });
    case 'bad-utf8':
      return encodeFrame({ opcode: Op.TEXT, payload: badUtf8Text(r) });
    case 'bad-utf8-fragmented':
      return fragmented(r, Op.TEXT, badUtf8Text(r), false);
    case 'huge-length': {
      const declared = r.pick([2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 40n, 2n ** 32n + 1n, 200n * 1024n * 1024n]);
      return Buffer.concat([encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY, Op.CONT]), declared }), r.bytes(r.int(0, 2000))]);
    }
    case 'long-control':
      return encodeFrame({ opcode: r.pick([Op.PING, Op.PONG, Op.CLOSE]), payload: r.bytes(r.int(126, 400)) });
    case 'fragmented-control':
      return encodeFrame({ opcode: r.pick([Op.PING, Op.PONG, Op.CLOSE]), fin: false, payload: r.bytes(r.int(0, 20)) });
    case 'orphan-cont':
      return encodeFrame({ opcode: Op.CONT, fin: r.chance(0.5), payload: r.bytes(r.int(0, 50)) });
    case 'interleaved-data':
      return Buffer.concat([
        encodeFrame({ opcode: Op.TEXT, fin: false, payload: Buffer.from('part') }),
        encodeFrame({ opcode: r.pick([Op.TEXT, Op.BINARY]), payload: r.bytes(r.int(0, 50)) }),
      ]);
    case 'non-minimal-length':
      return encodeFrame({
        opcode: r.pick([Op.TEXT, Op.BINARY, Op.PING]),
        payload: Buffer.from(r.text(r.int(0, 100))),
        form: r.pick(['16', '64']),
      });
    case 'close':
      return encodeFrame({
        opcode: Op.CLOSE,
        payload: r.chance(0.2)
          ? Buffer.alloc(0)
          : closePayload(r.pick([1000, 1001, 1003, 1011, 3000, 4999]), Buffer.from(r.text(r.int(0, 60)))),
      });
    case 'close-bad': {
      const kind = r.int(0, 3);
      const payload =
        kind === 0
          ? Buffer.from([r.int(0, 255)])
          : kind === 1
            ? closePayload(r.pick([0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535]), Buffer.alloc(0))
            : kind === 2
              ? closePayload(1000, Buffer.from(r.pick(BAD_UTF8)))
              : closePayload(1000, Buffer.alloc(r.int(124, 200), 0x61));
      return encodeFrame({ opcode: Op.CLOSE, payload });
    }
    case 'garbage':
      return r.bytes(r.int(1, 3000));
    default:
      throw new Error(`unknown step ${what}`);
  }
}

export function planConnection(seed, index) {
  const r = new Rng(deriveSeed(seed, index, 1));
  const plan = {
    index,
    handshake: r.weighted(HANDSHAKES),
    status: r.pick([200, 204, 301, 400, 403, 404, 426, 500, 503]),
    echo: r.chance(0.7),
    replyPing: r.chance(0.9),
    replyClose: r.chance(0.85),
    wellBehaved: r.chance(0.33),
    steps: [],
  };
  if (plan.handshake.startsWith('ok')) {
    let budget = MAX_BYTES_PER_CONNECTION;
    for (let n = r.int(0, 25); n > 0; n--) {
      const what = r.weighted(plan.wellBehaved ? VALID_STEPS : STEPS);
      if (what === 'stall') plan.steps.push({ kind: 'stall', ms: r.chance(0.8) ? r.int(1, 200) : r.int(200, 1500) });
      else if (what === 'stop-reading') plan.steps.push({ kind: 'stop-reading', ms: r.int(50, 2000) });
      else if (what === 'rst' || what === 'end' || what === 'destroy') {
        plan.steps.push({ kind: what });
        if (what !== 'end') break;
      } else {
        const bytes = stepBytes(r, what);
        if (bytes.length > budget) continue;
        budget -= bytes.length;
        plan.steps.push({ kind: 'write', what, bytes });
      }
    }
    // And at the end: close properly, drop the connection, or leave it to the client.
    const last = r.weighted({ close: 4, rst: 1, end: 1, idle: 3 });
    if (last === 'close') plan.steps.push({ kind: 'write', what: 'close', bytes: stepBytes(r, 'close') }, { kind: 'end' });
    else if (last !== 'idle') plan.steps.push({ kind: last });
  }
  return plan;
}

/** One line per plan for failure reports: handshake and the steps' names. */
export function describePlan(plan) {
  const steps = plan.steps.map((s) => (s.kind === 'write' ? s.what : s.ms !== undefined ? `${s.kind}(${s.ms})` : s.kind));
  return (
    `#${plan.index} handshake=${plan.handshake}${plan.handshake === 'status' ? `(${plan.status})` : ''} wellBehaved=${plan.wellBehaved} echo=${plan.echo} ` +
    `replyClose=${plan.replyClose} steps=[${steps.join(' ')}]`
  );
}

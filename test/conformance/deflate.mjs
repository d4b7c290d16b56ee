/**
 * permessage-deflate (RFC 7692) on the fuzzing server's side, as Autobahn's server does it
 * (autobahn/websocket/compress_deflate.py with zlib): parsing the client's offers, the case's
 * accept policy, the response, and compressing/decompressing messages with node:zlib (raw
 * deflate, the negotiated window bits, context takeover or a fresh stream per message, the
 * 0x00 0x00 0xff 0xff tail removed when sending and appended when receiving).
 *
 * Deviation from Autobahn, on purpose: when the client offered client_max_window_bits with a
 * value, a policy asking for more is clamped to it (RFC 7692 §7.1.2.2: the answer must not be
 * larger); Autobahn's parser ignores the offered value and would fail such a client.
 */
import * as zlib from 'node:zlib';

/** RFC 7692 §7.2.2: what the sender removed and the receiver appends. */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const WINDOW_BITS = /^(8|9|1[0-5])$/;

/**
 * Parses a Sec-WebSocket-Extensions value (RFC 6455 §9.1) into
 * `[{ name, params: [[name, value | true], ...] }]`. Throws on a syntax error.
 */
export function parseExtensions(header) {
  const out = [];
  for (const element of splitOutsideQuotes(header, ',')) {
    if (!element.trim()) continue;
    const [name, ...rawParams] = splitOutsideQuotes(element, ';').map((s) => s.trim());
    if (!TOKEN.test(name)) throw new Error(`invalid extension name ${JSON.stringify(name)}`);
    const params = rawParams.map((p) => {
      const eq = p.indexOf('=');
      const key = (eq < 0 ? p : p.slice(0, eq)).trim();
      if (!TOKEN.test(key)) throw new Error(`invalid parameter name ${JSON.stringify(key)}`);
      if (eq < 0) return [key, true];
      let value = p.slice(eq + 1).trim();
      if (value.startsWith('"')) {
        if (value.length < 2 || !value.endsWith('"')) throw new Error(`unterminated quoted value for ${key}`);
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (!TOKEN.test(value)) throw new Error(`invalid value for ${key}`);
      return [key, value];
    });
    out.push({ name, params });
  }
  return out;
}

function splitOutsideQuotes(s, sep) {
  const parts = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\') {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/**
 * One client offer as Autobahn's PerMessageDeflateOffer.parse reads it. Throws (the server then
 * refuses the handshake with 400, as Autobahn does) on an unknown, repeated or invalid parameter.
 */
export function parseOffer(params) {
  const offer = {
    acceptNoContextTakeover: true, // Autobahn's default: a client must accept it anyway (RFC 7692 §7.1.1.2)
    acceptMaxWindowBits: false,
    clientMaxWindowBits: 0, // the value the client put on client_max_window_bits (0: none)
    requestNoContextTakeover: false,
    requestMaxWindowBits: 0,
  };
  const seen = new Set();
  for (const [key, value] of params) {
    if (seen.has(key)) throw new Error(`multiple occurrence of extension parameter '${key}'`);
    seen.add(key);
    if (key === 'client_max_window_bits') {
      if (value !== true && !WINDOW_BITS.test(value)) throw new Error(`illegal value '${value}' for ${key}`);
      offer.acceptMaxWindowBits = true;
      if (value !== true) offer.clientMaxWindowBits = Number(value);
    } else if (key === 'client_no_context_takeover') {
      if (value !== true) throw new Error(`illegal value '${value}' for ${key}`);
      offer.acceptNoContextTakeover = true;
    } else if (key === 'server_max_window_bits') {
      if (value === true || !WINDOW_BITS.test(value)) throw new Error(`illegal value '${value}' for ${key}`);
      offer.requestMaxWindowBits = Number(value);
    } else if (key === 'server_no_context_takeover') {
      if (value !== true) throw new Error(`illegal value '${value}' for ${key}`);
      offer.requestNoContextTakeover = true;
    } else {
      throw new Error(`illegal extension parameter '${key}'`);
    }
  }
  return offer;
}

/** Autobahn's PerMessageDeflateOfferAccept(offer, requestNoContextTakeover, requestMaxWindowBits). */
function accept(offer, requestNoContextTakeover = false, requestMaxWindowBits = 0) {
  let bits = requestMaxWindowBits;
  if (bits && offer.clientMaxWindowBits) bits = Math.min(bits, offer.clientMaxWindowBits);
  return { offer, requestNoContextTakeover, requestMaxWindowBits: bits };
}

/**
 * The server accept policies of case12_x_x.py (12.x uses the first; 13.x one each), applied to
 * the client's permessage-deflate offers in order. Each returns an accept or null (declined).
 * Docstrings as Autobahn's: (requestNoContextTakeover, requestMaxWindowBits) the server asks for.
 */
const first = (offers, pred) => offers.find(pred);
export const ACCEPT_POLICIES = [
  { desc: '[(False, 0)]', accept: (offers) => (offers[0] ? accept(offers[0]) : null) },
  {
    desc: '[(True, 0)]',
    accept: (offers) => {
      const o = first(offers, (x) => x.acceptNoContextTakeover);
      return o ? accept(o, true) : null;
    },
  },
  {
    desc: '[(False, 8)]',
    accept: (offers) => {
      const o = first(offers, (x) => x.acceptMaxWindowBits);
      return o ? accept(o, false, 8) : null;
    },
  },
  {
    desc: '[(False, 15)]',
    accept: (offers) => {
      const o = first(offers, (x) => x.acceptMaxWindowBits);
      return o ? accept(o, false, 15) : null;
    },
  },
  {
    desc: '[(True, 8)]',
    accept: (offers) => {
      const o = first(offers, (x) => x.acceptNoContextTakeover && x.acceptMaxWindowBits);
      return o ? accept(o, true, 8) : null;
    },
  },
  {
    desc: '[(True, 15)]',
    accept: (offers) => {
      const o = first(offers, (x) => x.acceptNoContextTakeover && x.acceptMaxWindowBits);
      return o ? accept(o, true, 15) : null;
    },
  },
  {
    desc: '[(True, 8), (True, 0), (False, 0)]',
    accept: (offers) => ACCEPT_POLICIES[4].accept(offers) ?? ACCEPT_POLICIES[1].accept(offers) ?? ACCEPT_POLICIES[0].accept(offers),
  },
];

/** The client offers of 13.x's descriptions (what Autobahn's client sends in fuzzingclient mode). */
export const CLIENT_OFFER_DESCS = [
  '[(False, 0)]',
  '[(True, 0)]',
  '[(False, 8)]',
  '[(False, 15)]',
  '[(True, 8)]',
  '[(True, 15)]',
  '[(True, 8), (True, 0), (False, 0)]',
];

/** The Sec-WebSocket-Extensions response for an accept (Autobahn's get_extension_string). */
export function responseHeader(a) {
  let s = 'permessage-deflate';
  if (a.offer.requestNoContextTakeover) s += '; server_no_context_takeover';
  if (a.offer.requestMaxWindowBits) s += `; server_max_window_bits=${a.offer.requestMaxWindowBits}`;
  if (a.requestNoContextTakeover) s += '; client_no_context_takeover';
  if (a.requestMaxWindowBits) s += `; client_max_window_bits=${a.requestMaxWindowBits}`;
  return s;
}

/** Runs `inputs` through a zlib stream and resolves with its output after a sync flush. */
export function pass(stream, inputs) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const onData = (c) => chunks.push(c);
    const onError = (e) => {
      stream.off('data', onData);
      reject(e);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    for (const b of inputs) stream.write(b);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The server's compression state for one connection (Autobahn's PerMessageDeflate, server side). */
export class ServerDeflate {
  constructor(a) {
    this.serverNoContextTakeover = a.offer.requestNoContextTakeover;
    this.serverMaxWindowBits = a.offer.requestMaxWindowBits || 15;
    this.clientNoContextTakeover = a.requestNoContextTakeover;
    this.clientMaxWindowBits = a.requestMaxWindowBits || 15;
    this.header = responseHeader(a);
    this.deflater = null;
    this.inflater = null;
  }

  /** The payload of one compressed message (tail removed). */
  async compress(message) {
    if (!this.deflater || this.serverNoContextTakeover) {
      this.deflater?.close();
      // Node turns windowBits 8 into 9 for raw deflate (zlib refuses 8): still within an 8-bit
      // window, as zlib never refers further back than 2^9 - 262 bytes.
      this.deflater = zlib.createDeflateRaw({ windowBits: this.serverMaxWindowBits, memLevel: 8 });
    }
    const out = await pass(this.deflater, [message]);
    return out.subarray(0, out.length - 4);
  }

  /**
   * The message inside a compressed payload. Inflates with exactly the client's negotiated
   * window and, under client_no_context_takeover, a fresh stream: a client that breaks either
   * promise produces references the stream cannot resolve, and the message fails (1007).
   */
  async decompress(payload) {
    if (!this.inflater || this.clientNoContextTakeover) {
      this.inflater?.close();
      this.inflater = zlib.createInflateRaw({ windowBits: this.clientMaxWindowBits, maxOutputLength: 64 * 1024 * 1024 });
    }
    try {
      return await pass(this.inflater, [payload, TAIL]);
    } catch (e) {
      this.inflater = null;
      throw e;
    }
  }

  close() {
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = this.inflater = null;
  }
}

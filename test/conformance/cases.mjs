/**
 * The Autobahn|Testsuite case catalog, groups 1–7, 9 and 10, transcribed from
 * crossbario/autobahn-testsuite `autobahntestsuite/case/*.py`: same ids, payloads, fragmentation,
 * chop sizes, waits, kill timers and expectations; plus the permessage-deflate groups 12 and 13
 * from cases-deflate.mjs (selected only when named: see fuzzingserver.mjs).
 *
 * A case is `{ id, description, expectation, create() }`; `create()` returns a fresh case state
 * object whose `onOpen(p)` drives the connection `p` (see fuzzingserver.mjs, class FuzzConn, for the
 * protocol surface: sendFrame, sendMessage, sendClose, sendCloseFrame, sendRaw, killAfter,
 * closeAfter, continueLater) and whose expectations are graded like Autobahn's case.py.
 */

import { addDeflateCases } from './cases-deflate.mjs';

export { DEFLATE_MESSAGES } from './cases-deflate.mjs';

export const OK = 'OK';
export const NON_STRICT = 'NON-STRICT';
export const FAILED = 'FAILED';
export const WRONG_CODE = 'WRONG CODE';
export const UNCLEAN = 'UNCLEAN';
export const INFORMATIONAL = 'INFORMATIONAL';
export const UNIMPLEMENTED = 'UNIMPLEMENTED';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_PAYLOAD = 1007;

const b = (x) => (Buffer.isBuffer(x) ? x : typeof x === 'string' ? Buffer.from(x, 'utf8') : Buffer.from(x));
const hex = (h) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
/** A latin-1 string of raw octets (Python 2 `str`) as bytes. */
const raw = (s) => Buffer.from(s, 'latin1');

// ---- event helpers (the tuples of Autobahn's `received`/`expected` lists) --------------------
const msg = (payload, binary) => ['message', b(payload), binary];
const pong = (payload) => ['pong', b(payload)];
const timeout = (tag) => ['timeout', tag];

function eventsEqual(a, e) {
  if (a.length !== e.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = e[i];
    if (x.length !== y.length || x[0] !== y[0]) return false;
    for (let j = 1; j < x.length; j++) {
      if (Buffer.isBuffer(x[j]) || Buffer.isBuffer(y[j])) {
        if (!Buffer.isBuffer(x[j]) || !Buffer.isBuffer(y[j]) || !x[j].equals(y[j])) return false;
      } else if (x[j] !== y[j]) return false;
    }
  }
  return true;
}

/** Base case: Autobahn's case.py `Case`. `options`: the server's settings (deflateMessages). */
export class Case {
  constructor(def, options = {}) {
    this.def = def;
    this.options = options;
    this.received = [];
    this.expected = {};
    this.expectedClose = {};
    this.behavior = FAILED;
    this.behaviorClose = FAILED;
    this.result = 'Actual events differ from any expected.';
    this.resultClose = 'TCP connection was dropped without close handshake';
    this.reportTime = false;
    this.suppressClose = false;
    this.p = undefined;
    if (def.init) def.init.call(this);
  }

  onOpen(p) {
    this.p = p;
    this.def.onOpen.call(this, p);
  }

  onMessage(payload, binary) {
    if (this.def.onMessage) return this.def.onMessage.call(this, payload, binary);
    this.received.push(['message', payload, binary]);
    this.finishWhenDone();
  }

  onPing(payload) {
    this.received.push(['ping', payload]);
    this.finishWhenDone();
  }

  onPong(payload) {
    this.received.push(['pong', payload]);
    this.finishWhenDone();
  }

  /** case.py `onConnectionLost`, then the case's own post-processing. */
  onConnectionLost(p) {
    if (p.connectionWasOpen) {
      for (const key of Object.keys(this.expected)) {
        if (eventsEqual(this.received, this.expected[key])) {
          this.behavior = key;
          this.result = 'Actual events match at least one expected.';
          break;
        }
      }
      if (this.expectedClose.closedByMe !== p.closedByMe) {
        this.behaviorClose = FAILED;
        this.resultClose = 'The connection was failed by the wrong endpoint';
      } else if (this.expectedClose.requireClean && !p.wasClean) {
        this.behaviorClose = UNCLEAN;
        this.resultClose = 'The spec requires the connection to be failed cleanly here';
      } else if (p.remoteCloseCode != null && !this.expectedClose.closeCode.includes(p.remoteCloseCode)) {
        this.behaviorClose = WRONG_CODE;
        this.resultClose = `The close code should have been ${this.expectedClose.closeCode.join(',')} or empty`;
      } else {
        this.behaviorClose = OK;
        this.resultClose = 'Connection was properly closed';
      }
      // For UTF-8 tests, closing by the wrong endpoint means the peer did not detect the invalid
      // UTF-8 at all.
      if (this.expectedClose.closedByWrongEndpointIsFatal && this.expectedClose.closedByMe !== p.closedByMe) {
        this.behavior = FAILED;
      }
    } else {
      this.behaviorClose = FAILED;
      this.resultClose = 'The WebSocket opening handshake was never completed!';
    }
    if (this.def.onConnectionLost) this.def.onConnectionLost.call(this, p);
  }

  finishWhenDone() {
    for (const key of Object.keys(this.expected)) {
      if (!eventsEqual(this.received, this.expected[key])) return;
    }
    if (this.expectedClose.closedByMe && !this.suppressClose) this.p.sendClose(this.expectedClose.closeCode[0]);
  }
}

const echoClose = () => ({ closedByMe: true, closeCode: [CLOSE_NORMAL], requireClean: true });
const failClose = (code = CLOSE_PROTOCOL_ERROR, fatal = false) => {
  const c = { closedByMe: false, closeCode: [code], requireClean: false };
  if (fatal) c.closedByWrongEndpointIsFatal = true;
  return c;
};
/** 7.x: a WRONG CODE close turns the case into FAILED. */
function wrongCodeFails() {
  if (this.behaviorClose === WRONG_CODE) {
    this.behavior = FAILED;
    this.result = this.resultClose;
  }
}

const CASES = [];
function add(id, description, expectation, def) {
  CASES.push({ id, description, expectation, def });
}

// ---- 1.x Framing ------------------------------------------------------------------------------
for (const [group, opcode, fill, kind] of [
  ['1.1', 1, '*', 'text'],
  ['1.2', 2, '\xfe', 'binary'],
]) {
  const sizes = [0, 125, 126, 127, 128, 65535, 65536];
  sizes.forEach((n, i) => {
    add(
      `${group}.${i + 1}`,
      `Send ${kind} message with payload of length ${n}.`,
      `Receive echo'ed ${kind} message (with payload as sent). Clean close with normal code.`,
      {
        onOpen(p) {
          const payload = raw(fill.repeat(n));
          this.expected[OK] = [msg(payload, opcode === 2)];
          this.expectedClose = echoClose();
          p.sendFrame({ opcode, payload });
          p.killAfter(n > 128 ? 10 : 1);
        },
      },
    );
  });
  add(
    `${group}.8`,
    `Send ${kind} message message with payload of length 65536. Sent out data in chops of 997 octets.`,
    `Receive echo'ed ${kind} message (with payload as sent). Clean close with normal code.`,
    {
      onOpen(p) {
        const payload = raw(fill.repeat(65536));
        this.expected[OK] = [msg(payload, opcode === 2)];
        this.expectedClose = echoClose();
        p.sendFrame({ opcode, payload, chopsize: 997 });
        p.killAfter(10);
      },
    },
  );
}

// ---- 2.x Pings/Pongs --------------------------------------------------------------------------
const pingCase = (id, description, payload, extra = {}) =>
  add(id, description, "Pong with payload echo'ed is sent in reply to Ping. Clean close with normal code.", {
    onOpen(p) {
      this.expected[OK] = [pong(payload)];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 9, payload: b(payload), ...extra });
      p.closeAfter(extra.chopsize ? 2 : 1);
    },
  });
pingCase('2.1', 'Send ping without payload.', '');
pingCase('2.2', 'Send ping with small text payload.', 'Hello, world!');
pingCase('2.3', 'Send ping with small binary (non UTF-8) payload.', hex('00fffefdfcfb00ff'));
pingCase('2.4', 'Send ping with binary payload of 125 octets.', raw('\xfe'.repeat(125)));
add(
  '2.5',
  'Send ping with binary payload of 126 octets.',
  'Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets..',
  {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode: 9, payload: raw('\xfe'.repeat(126)) });
      p.killAfter(1);
    },
  },
);
pingCase('2.6', 'Send ping with binary payload of 125 octets, send in octet-wise chops.', raw('\xfe'.repeat(125)), { chopsize: 1 });
add('2.7', 'Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.', 'Nothing.', {
  onOpen(p) {
    this.expected[OK] = [];
    this.expectedClose = echoClose();
    p.sendFrame({ opcode: 10 });
    p.sendClose(CLOSE_NORMAL);
    p.closeAfter(1);
  },
});
add('2.8', 'Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.', 'Nothing.', {
  onOpen(p) {
    this.expected[OK] = [];
    this.expectedClose = echoClose();
    p.sendFrame({ opcode: 10, payload: b('unsolicited pong payload') });
    p.sendClose(CLOSE_NORMAL);
    p.closeAfter(1);
  },
});
add(
  '2.9',
  'Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.',
  "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
  {
    onOpen(p) {
      this.expected[OK] = [pong('ping payload')];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 10, payload: b('unsolicited pong payload') });
      p.sendFrame({ opcode: 9, payload: b('ping payload') });
      p.closeAfter(1);
    },
  },
);
for (const [id, chopsize, extra] of [
  ['2.10', undefined, ''],
  ['2.11', 1, ' Send out octets in octet-wise chops.'],
]) {
  add(
    id,
    `Send 10 Pings with payload.${extra}`,
    'Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.',
    {
      onOpen(p) {
        this.expected[OK] = [];
        for (let i = 0; i < 10; i++) {
          const payload = b(`payload-${i}`);
          this.expected[OK].push(pong(payload));
          p.sendFrame({ opcode: 9, payload, chopsize });
        }
        this.expectedClose = echoClose();
        p.closeAfter(3);
      },
    },
  );
}

// ---- 3.x Reserved bits ------------------------------------------------------------------------
const HELLO = b('Hello, world!');
add(
  '3.1',
  'Send small text message with <b>RSV = 1</b>.',
  'The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negoiated.',
  {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode: 1, payload: HELLO, rsv: 1 });
      p.killAfter(1);
    },
  },
);
for (const [id, rsv, mode, desc] of [
  ['3.2', 2, {}, ''],
  ['3.3', 3, { sync: true }, ' Octets are sent in frame-wise chops.'],
  ['3.4', 4, { chopsize: 1 }, ' Octets are sent in octet-wise chops.'],
]) {
  add(
    id,
    `Send small text message, then send again with <b>RSV = ${rsv}</b>, then send Ping.${desc}`,
    'Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.',
    {
      onOpen(p) {
        this.expected[OK] = [msg(HELLO, false)];
        this.expected[NON_STRICT] = [];
        this.expectedClose = failClose();
        p.sendFrame({ opcode: 1, payload: HELLO, ...mode });
        p.sendFrame({ opcode: 1, payload: HELLO, rsv, ...mode });
        p.sendFrame({ opcode: 9, ...mode });
        p.killAfter(1);
      },
    },
  );
}
add('3.5', 'Send small binary message with <b>RSV = 5</b>.', 'The connection is failed immediately, since RSV must be 0.', {
  onOpen(p) {
    this.expected[OK] = [];
    this.expectedClose = failClose();
    p.sendFrame({ opcode: 2, payload: hex('00fffefdfcfb00ff'), rsv: 5 });
    p.killAfter(1);
  },
});
add('3.6', 'Send Ping with <b>RSV = 6</b>.', 'The connection is failed immediately, since RSV must be 0.', {
  onOpen(p) {
    this.expected[OK] = [];
    this.expectedClose = failClose();
    p.sendFrame({ opcode: 9, payload: HELLO, rsv: 6 });
    p.killAfter(1);
  },
});
add('3.7', 'Send Close with <b>RSV = 7</b>.', 'The connection is failed immediately, since RSV must be 0.', {
  onOpen(p) {
    this.expected[OK] = [];
    this.expectedClose = failClose();
    p.sendFrame({ opcode: 8, rsv: 7 });
    p.killAfter(1);
  },
});

// ---- 4.x Opcodes ------------------------------------------------------------------------------
for (const [sub, kind, ops] of [
  ['4.1', 'non-control', [3, 4, 5, 6, 7]],
  ['4.2', 'control', [11, 12, 13, 14, 15]],
]) {
  const RESERVED_PAYLOAD = b('reserved opcode payload');
  add(`${sub}.1`, `Send frame with reserved ${kind} <b>Opcode = ${ops[0]}</b>.`, 'The connection is failed immediately.', {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode: ops[0] });
      p.killAfter(1);
    },
  });
  add(
    `${sub}.2`,
    `Send frame with reserved ${kind} <b>Opcode = ${ops[1]}</b> and non-empty payload.`,
    'The connection is failed immediately.',
    {
      onOpen(p) {
        this.expected[OK] = [];
        this.expectedClose = failClose();
        p.sendFrame({ opcode: ops[1], payload: RESERVED_PAYLOAD });
        p.killAfter(1);
      },
    },
  );
  const after = [
    [`${sub}.3`, ops[2], false, {}],
    [`${sub}.4`, ops[3], true, {}],
    [`${sub}.5`, ops[4], true, { chopsize: 1 }],
  ];
  for (const [id, op, withPayload, mode] of after) {
    add(
      id,
      `Send small text message, then send frame with reserved ${kind} <b>Opcode = ${op}</b>${withPayload ? ' and non-empty payload' : ''}, then send Ping.`,
      'Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.',
      {
        onOpen(p) {
          this.expected[OK] = [msg(HELLO, false)];
          this.expected[NON_STRICT] = [];
          this.expectedClose = failClose();
          p.sendFrame({ opcode: 1, payload: HELLO, ...mode });
          p.sendFrame({ opcode: op, payload: withPayload ? HELLO : undefined, ...mode });
          p.sendFrame({ opcode: 9, ...mode });
          p.killAfter(1);
        },
      },
    );
  }
}

// ---- 5.x Fragmentation ------------------------------------------------------------------------
for (const [id, opcode, name] of [
  ['5.1', 9, 'Ping'],
  ['5.2', 10, 'Pong'],
]) {
  add(id, `Send ${name} fragmented into 2 fragments.`, 'Connection is failed immediately, since control message MUST NOT be fragmented.', {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode, fin: false, payload: b('fragment1') });
      p.sendFrame({ opcode: 0, fin: true, payload: b('fragment2') });
      p.killAfter(1);
    },
  });
}
const CHOP_MODES = [
  [{}, ''],
  [{ sync: true }, ', octets are sent in frame-wise chops'],
  [{ chopsize: 1 }, ', octets are sent in octet-wise chops'],
];
CHOP_MODES.forEach(([mode, desc], i) => {
  add(`5.${3 + i}`, `Send text Message fragmented into 2 fragments${desc}.`, "Message is processed and echo'ed back to us.", {
    onOpen(p) {
      this.expected[OK] = [msg('fragment1fragment2', false)];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 1, fin: false, payload: b('fragment1'), ...mode });
      p.sendFrame({ opcode: 0, fin: true, payload: b('fragment2'), ...mode });
      p.closeAfter(1);
    },
  });
});
CHOP_MODES.forEach(([mode, desc], i) => {
  add(
    `5.${6 + i}`,
    `Send text Message fragmented into 2 fragments, one ping with payload in-between${desc}.`,
    "A pong is received, then the message is echo'ed back to us.",
    {
      onOpen(p) {
        this.expected[OK] = [pong('ping payload'), msg('fragment1fragment2', false)];
        this.expectedClose = echoClose();
        p.sendFrame({ opcode: 1, fin: false, payload: b('fragment1'), ...mode });
        p.sendFrame({ opcode: 9, fin: true, payload: b('ping payload'), ...mode });
        p.sendFrame({ opcode: 0, fin: true, payload: b('fragment2'), ...mode });
        p.closeAfter(1);
      },
    },
  );
});
for (const [base, fin] of [
  [9, true],
  [12, false],
]) {
  CHOP_MODES.forEach(([mode, desc], i) => {
    add(
      `5.${base + i}`,
      `Send unfragmented Text Message after Continuation Frame with FIN = ${fin}, where there is nothing to continue${desc || ', sent in one chop'}.`,
      'The connection is failed immediately, since there is no message to continue.',
      {
        onOpen(p) {
          this.expected[OK] = [];
          this.expectedClose = failClose();
          p.sendFrame({ opcode: 0, fin, payload: b('non-continuation payload'), ...mode });
          p.sendFrame({ opcode: 1, fin: true, payload: HELLO, ...mode });
          p.killAfter(1);
        },
      },
    );
  });
}
add(
  '5.15',
  'Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.',
  'The connection is failed immediately, since there is no message to continue.',
  {
    onOpen(p) {
      this.expected[OK] = [msg('fragment1fragment2', false)];
      this.expected[NON_STRICT] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode: 1, fin: false, payload: b('fragment1') });
      p.sendFrame({ opcode: 0, fin: true, payload: b('fragment2') });
      p.sendFrame({ opcode: 0, fin: false, payload: b('fragment3') });
      p.sendFrame({ opcode: 1, fin: true, payload: b('fragment4') });
      p.killAfter(1);
    },
  },
);
for (const [id, fin] of [
  ['5.16', false],
  ['5.17', true],
]) {
  add(
    id,
    `Repeated 2x: Continuation Frame with FIN = ${fin} (where there is nothing to continue), then text Message fragmented into 2 fragments.`,
    'The connection is failed immediately, since there is no message to continue.',
    {
      onOpen(p) {
        this.expected[OK] = [];
        this.expectedClose = failClose();
        for (let i = 0; i < 2; i++) {
          p.sendFrame({ opcode: 0, fin, payload: b('fragment1') });
          p.sendFrame({ opcode: 1, fin: false, payload: b('fragment2') });
          p.sendFrame({ opcode: 0, fin: true, payload: b('fragment3') });
        }
        p.killAfter(1);
      },
    },
  );
}
add(
  '5.18',
  'Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.',
  'The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.',
  {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose();
      p.sendFrame({ opcode: 1, fin: false, payload: b('fragment1') });
      p.sendFrame({ opcode: 1, fin: true, payload: b('fragment2') });
      p.killAfter(1);
    },
  },
);
for (const [id, sync] of [
  ['5.19', false],
  ['5.20', true],
]) {
  add(
    id,
    `A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the final text fragment. Everything is legal.${sync ? ' (frame-wise chops)' : ''}`,
    "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.",
    {
      onOpen(p) {
        const f = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'].map(b);
        const pings = ['pongme 1!', 'pongme 2!'].map(b);
        this.expected[OK] = [pong(pings[0]), pong(pings[1]), msg(Buffer.concat(f), false)];
        this.expectedClose = echoClose();
        p.sendFrame({ opcode: 1, fin: false, payload: f[0], sync });
        p.sendFrame({ opcode: 0, fin: false, payload: f[1], sync });
        p.sendFrame({ opcode: 9, fin: true, payload: pings[0], sync });
        p.continueLater(1, () => {
          p.sendFrame({ opcode: 0, fin: false, payload: f[2], sync });
          p.sendFrame({ opcode: 0, fin: false, payload: f[3], sync });
          p.sendFrame({ opcode: 9, fin: true, payload: pings[1], sync });
          p.sendFrame({ opcode: 0, fin: true, payload: f[4], sync });
          p.closeAfter(1);
        });
      },
    },
  );
}

// ---- 6.x UTF-8 handling -----------------------------------------------------------------------
add('6.1.1', 'Send text message of length 0.', "A message is echo'ed back to us (with empty payload).", {
  onOpen(p) {
    this.expected[OK] = [msg('', false)];
    this.expectedClose = echoClose();
    p.sendFrame({ opcode: 1, payload: b('') });
    p.closeAfter(1);
  },
});
add('6.1.2', 'Send fragmented text message, 3 fragments each of length 0.', "A message is echo'ed back to us (with empty payload).", {
  onOpen(p) {
    this.expected[OK] = [msg('', false)];
    this.expectedClose = echoClose();
    p.sendFrame({ opcode: 1, fin: false, payload: b('') });
    p.sendFrame({ opcode: 0, fin: false, payload: b('') });
    p.sendFrame({ opcode: 0, fin: true, payload: b('') });
    p.closeAfter(1);
  },
});
add(
  '6.1.3',
  'Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.',
  "A message is echo'ed back to us (with payload = payload of middle fragment).",
  {
    onOpen(p) {
      this.expected[OK] = [msg('middle frame payload', false)];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 1, fin: false, payload: b('') });
      p.sendFrame({ opcode: 0, fin: false, payload: b('middle frame payload') });
      p.sendFrame({ opcode: 0, fin: true, payload: b('') });
      p.closeAfter(1);
    },
  },
);
const HELLO_UTF8 = b('Hello-µ@ßöäüàá-UTF-8!!');
const KOSME = hex('cebae1bdb9cf83cebcceb5');
add('6.2.1', 'Send a valid UTF-8 text message in one fragment.', "The message is echo'ed back to us.", {
  onOpen(p) {
    this.expected[OK] = [msg(HELLO_UTF8, false)];
    this.expectedClose = echoClose();
    p.sendMessage(HELLO_UTF8, { binary: false });
    p.closeAfter(1);
  },
});
add(
  '6.2.2',
  'Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.',
  "The message is echo'ed back to us.",
  {
    onOpen(p) {
      const p1 = b('Hello-µ@ßöä');
      const p2 = b('üàá-UTF-8!!');
      this.expected[OK] = [msg(Buffer.concat([p1, p2]), false)];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 1, fin: false, payload: p1 });
      p.sendFrame({ opcode: 0, fin: true, payload: p2 });
      p.closeAfter(1);
    },
  },
);
for (const [id, payload] of [
  ['6.2.3', HELLO_UTF8],
  ['6.2.4', KOSME],
]) {
  add(
    id,
    'Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
    "The message is echo'ed back to us.",
    {
      onOpen(p) {
        this.expected[OK] = [msg(payload, false)];
        this.expectedClose = echoClose();
        p.sendMessage(payload, { binary: false, fragmentSize: 1 });
        p.closeAfter(1);
      },
    },
  );
}
const INVALID_631 = Buffer.concat([KOSME, hex('eda080'), b('edited')]);
add(
  '6.3.1',
  'Send invalid UTF-8 text message unfragmented.',
  'The connection is failed immediately, since the payload is not valid UTF-8.',
  {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose(CLOSE_INVALID_PAYLOAD, true);
      p.sendMessage(INVALID_631, { binary: false });
      p.killAfter(1);
    },
  },
);
add(
  '6.3.2',
  'Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.',
  'The connection is failed immediately, since the payload is not valid UTF-8.',
  {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = failClose(CLOSE_INVALID_PAYLOAD, true);
      p.sendMessage(INVALID_631, { binary: false, fragmentSize: 1 });
      p.killAfter(1);
    },
  },
);
// 6.4.x: fail-fast. PAYLOAD = κόσμε | F4 90 80 80 (U+110000, invalid exactly at octet 12) | "edited"
const P641 = [KOSME, hex('f4908080'), b('edited')];
const P641_ALL = Buffer.concat(P641);
const P642 = [P641_ALL.subarray(0, 12), P641_ALL.subarray(12, 13), P641_ALL.subarray(13)];
const FAIL_FAST_EXPECTATION =
  'The first frame is accepted, we expect to timeout on the first wait. The 2nd frame should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.';
for (const [id, parts, chops, desc] of [
  [
    '6.4.1',
    P641,
    false,
    'Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest. Note that PART1 and PART3 are valid UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding scheme, but the codepoint is invalid (out of range).',
  ],
  [
    '6.4.2',
    P642,
    false,
    'Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.',
  ],
  ['6.4.3', P641, true, 'Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame.'],
  ['6.4.4', P642, true, 'Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame.'],
]) {
  add(
    id,
    `${desc}<br><br>MESSAGE PARTS:<br>PART1 = ${parts[0].toString('hex')}<br>PART2 = ${parts[1].toString('hex')}<br>PART3 = ${parts[2].toString('hex')}`,
    FAIL_FAST_EXPECTATION,
    {
      onOpen(p) {
        this.expected[OK] = [timeout('A')];
        this.expected[NON_STRICT] = [timeout('A'), timeout('B')];
        this.expectedClose = failClose(CLOSE_INVALID_PAYLOAD, true);
        const send = (i) => {
          if (!chops) p.sendFrame({ opcode: i === 0 ? 1 : 0, fin: i === 2, payload: parts[i] });
          else if (i === 0) p.sendRaw(Buffer.concat([p.frameHeader({ opcode: 1, fin: true, length: P641_ALL.length }), parts[0]]));
          else p.sendRaw(parts[i]);
        };
        send(0);
        p.continueLater(
          1,
          () => {
            if (p.state !== 'OPEN') return;
            this.received.push(timeout('A'));
            send(1);
            p.continueLater(
              1,
              () => {
                if (p.state !== 'OPEN') return;
                this.received.push(timeout('B'));
                send(2);
                p.killAfter(1);
              },
              'B',
            );
          },
          'A',
        );
      },
    },
  );
}

/** Markus Kuhn's UTF-8 decoder stress test, as case6_x_x.py `createUtf8TestSequences()`. */
export function createUtf8TestSequences() {
  const seqs = [];
  const valid = (x) => [true, typeof x === 'string' ? hex(x) : x];
  const invalid = (x) => [false, typeof x === 'string' ? hex(x) : x];
  seqs.push([
    'Some valid UTF-8 sequences',
    [valid(b('hello$world')), valid(b('hello\u00a2world')), valid(b('hello\u20acworld')), valid(b('hello\u{24b62}world')), valid(KOSME)],
  ]);
  // All prefixes of κόσμε: valid iff the prefix ends on a code point boundary.
  const boundaries = new Set([2, 5, 7, 9, 11]);
  const prefixes = [];
  for (let i = 1; i <= KOSME.length; i++) prefixes.push([boundaries.has(i), KOSME.subarray(0, i)]);
  seqs.push(['All prefixes of a valid UTF-8 string that contains multi-byte code points', prefixes]);
  seqs.push(['First possible sequence of a certain length', [valid('00'), valid('c280'), valid('e0a080'), valid('f0908080')]]);
  seqs.push(['First possible sequence length 5/6 (invalid codepoints)', [invalid('f888808080'), invalid('fc8480808080')]]);
  seqs.push(['Last possible sequence of a certain length', [valid('7f'), valid('dfbf'), valid('efbfbf'), valid('f48fbfbf')]]);
  seqs.push([
    'Last possible sequence length 4/5/6 (invalid codepoints)',
    [invalid('f7bfbfbf'), invalid('fbbfbfbfbf'), invalid('fdbfbfbfbfbf')],
  ]);
  seqs.push(['Other boundary conditions', [valid('ed9fbf'), valid('ee8080'), valid('efbfbd'), valid('f48fbfbf'), invalid('f4908080')]]);
  const cont = [];
  for (let i = 128; i < 191; i++) cont.push(i);
  seqs.push([
    'Unexpected continuation bytes',
    [
      invalid('80'),
      invalid('bf'),
      invalid('80bf'),
      invalid('80bf80'),
      invalid('80bf80bf'),
      invalid('80bf80bf80'),
      invalid('80bf80bf80bf'),
      invalid(Buffer.from(cont)),
    ],
  ]);
  const lonely = [];
  for (const [lo, hi] of [
    [192, 223],
    [224, 239],
    [240, 247],
    [248, 251],
    [252, 253],
  ]) {
    const s = [];
    for (let i = lo; i < hi; i++) s.push(i, 32);
    lonely.push(invalid(Buffer.from(s)));
  }
  seqs.push(['Lonely start characters', lonely]);
  const k = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];
  seqs.push(['Sequences with last continuation byte missing', k.map(invalid)]);
  seqs.push(['Concatenation of incomplete sequences', [invalid(k.join(''))]]);
  seqs.push(['Impossible bytes', [invalid('fe'), invalid('ff'), invalid('fefeffff')]]);
  seqs.push([
    'Examples of an overlong ASCII character',
    [invalid('c0af'), invalid('e080af'), invalid('f08080af'), invalid('f8808080af'), invalid('fc80808080af')],
  ]);
  seqs.push([
    'Maximum overlong sequences',
    [invalid('c1bf'), invalid('e09fbf'), invalid('f08fbfbf'), invalid('f887bfbfbf'), invalid('fc83bfbfbfbf')],
  ]);
  seqs.push([
    'Overlong representation of the NUL character',
    [invalid('c080'), invalid('e08080'), invalid('f0808080'), invalid('f880808080'), invalid('fc8080808080')],
  ]);
  seqs.push(['Single UTF-16 surrogates', ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map(invalid)]);
  seqs.push([
    'Paired UTF-16 surrogates',
    ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map(
      invalid,
    ),
  ]);
  const nonchars = [valid('efbfbe'), valid('efbfbf')];
  for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const z2 of ['8f', '9f', 'af', 'bf']) {
      if (z1 === 'f4' && z2 !== '8f') continue;
      for (const z3 of ['be', 'bf']) {
        const zz = z1 + z2 + 'bf' + z3;
        if (zz !== 'f08fbfbe' && zz !== 'f08fbfbf') nonchars.push(valid(zz));
      }
    }
  }
  seqs.push(['Non-character code points (valid UTF-8)', nonchars]);
  seqs.push([
    'Unicode specials (i.e. replacement char)',
    ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map(valid),
  ]);
  return seqs;
}

export const UTF8_SUBCATEGORIES = {};
createUtf8TestSequences().forEach(([title, list], gi) => {
  const group = 5 + gi;
  UTF8_SUBCATEGORIES[`6.${group}`] = title;
  list.forEach(([isValid, payload], j) => {
    add(
      `6.${group}.${j + 1}`,
      `Send a text message with payload which is ${isValid ? '' : 'not '}valid UTF-8 in one fragment.<br><br>Payload: 0x${payload.toString('hex')}`,
      isValid ? "The message is echo'ed back to us." : 'The connection is failed immediately, since the payload is not valid UTF-8.',
      {
        onOpen(p) {
          if (isValid) {
            this.expected[OK] = [msg(payload, false)];
            this.expectedClose = echoClose();
          } else {
            this.expected[OK] = [];
            this.expectedClose = failClose(CLOSE_INVALID_PAYLOAD, true);
          }
          p.sendMessage(payload, { binary: false });
          p.killAfter(0.5);
        },
      },
    );
  });
});

// ---- 7.x Close handling -----------------------------------------------------------------------
add('7.1.1', 'Send a message followed by a close frame', 'Echoed message followed by clean close with normal code.', {
  onOpen(p) {
    this.expected[OK] = [msg('Hello World!', false)];
    this.expectedClose = echoClose();
    p.sendFrame({ opcode: 1, payload: b('Hello World!') });
    p.killAfter(1);
  },
  onConnectionLost: wrongCodeFails,
});
const afterClose = (id, description, expectation, sendAfter) =>
  add(id, description, expectation, {
    init() {
      this.suppressClose = true;
    },
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = echoClose();
      sendAfter(p);
      p.killAfter(1);
    },
    onConnectionLost: wrongCodeFails,
  });
afterClose('7.1.2', 'Send two close frames', 'Clean close with normal code. Second close frame ignored.', (p) => {
  p.sendClose(CLOSE_NORMAL);
  p.sendFrame({ opcode: 8 });
});
afterClose('7.1.3', 'Send a ping after close message', 'Clean close with normal code, no pong.', (p) => {
  p.sendClose(CLOSE_NORMAL);
  p.sendFrame({ opcode: 9 });
});
afterClose('7.1.4', 'Send text message after sending a close frame.', 'Clean close with normal code. Text message ignored.', (p) => {
  p.sendClose(CLOSE_NORMAL);
  p.sendFrame({ opcode: 1, payload: b('Hello World!') });
});
afterClose('7.1.5', 'Send message fragment1 followed by close then fragment', 'Clean close with normal code.', (p) => {
  p.sendFrame({ opcode: 1, fin: false, payload: b('fragment1') });
  p.sendClose(CLOSE_NORMAL);
  p.sendFrame({ opcode: 0, fin: true, payload: b('fragment2') });
});
add(
  '7.1.6',
  'Send 256K message followed by close then a ping',
  'Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.',
  {
    init() {
      this.suppressClose = true;
    },
    onOpen(p) {
      this.expected[OK] = [msg('Hello World!', false)];
      this.expected[NON_STRICT] = [];
      this.expectedClose = echoClose();
      p.sendFrame({ opcode: 1, payload: b('BAsd7&jh23'), payloadLen: 256 * 1024 });
      p.sendFrame({ opcode: 1, payload: b('Hello World!') });
      p.sendClose(CLOSE_NORMAL);
      p.sendFrame({ opcode: 9 });
      p.killAfter(1);
    },
    onConnectionLost() {
      if (this.behavior === OK) this.result = 'Text message was processed before close.';
      else if (this.behavior === NON_STRICT) this.result = 'Close was processed before text message could be returned.';
      this.behavior = INFORMATIONAL;
      this.behaviorClose = INFORMATIONAL;
    },
  },
);
const closeFrameCase = (id, description, expectation, closeCode, requireClean, send) =>
  add(id, description, expectation, {
    init() {
      this.suppressClose = true;
    },
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = { closedByMe: true, closeCode, requireClean };
      send(p);
      p.killAfter(1);
    },
    onConnectionLost: wrongCodeFails,
  });
closeFrameCase(
  '7.3.1',
  'Send a close frame with payload length 0 (no close code, no close reason)',
  'Clean close with normal code.',
  [CLOSE_NORMAL],
  true,
  (p) => p.sendCloseFrame(),
);
closeFrameCase(
  '7.3.2',
  'Send a close frame with payload length 1',
  'Clean close with protocol error or drop TCP.',
  [CLOSE_PROTOCOL_ERROR],
  false,
  (p) => p.sendCloseFrame(undefined, b('a')),
);
closeFrameCase(
  '7.3.3',
  'Send a close frame with payload length 2 (regular close with a code)',
  'Clean close with normal code.',
  [CLOSE_NORMAL],
  true,
  (p) => p.sendCloseFrame(CLOSE_NORMAL),
);
closeFrameCase('7.3.4', 'Send a close frame with close code and close reason', 'Clean close with normal code.', [CLOSE_NORMAL], true, (p) =>
  p.sendClose(CLOSE_NORMAL, b('Hello World!')),
);
closeFrameCase(
  '7.3.5',
  'Send a close frame with close code and close reason of maximum length (123)',
  'Clean close with normal code.',
  [CLOSE_NORMAL],
  true,
  (p) => p.sendCloseFrame(CLOSE_NORMAL, b('*'.repeat(123))),
);
closeFrameCase(
  '7.3.6',
  'Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets',
  'Clean close with protocol error code or dropped TCP connection.',
  [CLOSE_PROTOCOL_ERROR],
  false,
  (p) => p.sendCloseFrame(CLOSE_NORMAL, b('*'.repeat(124))),
);
closeFrameCase(
  '7.5.1',
  'Send a close frame with invalid UTF8 payload',
  'Clean close with protocol error or invalid utf8 code or dropped TCP.',
  [CLOSE_PROTOCOL_ERROR, CLOSE_INVALID_PAYLOAD],
  false,
  (p) => p.sendCloseFrame(CLOSE_NORMAL, INVALID_631),
);
[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].forEach((code, i) => {
  add(`7.7.${i + 1}`, `Send close with valid close code ${code}`, 'Clean close with normal or echoed code', {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = { closedByMe: true, closeCode: [CLOSE_NORMAL, code], requireClean: true };
      p.sendCloseFrame(code);
      p.killAfter(1);
    },
    onConnectionLost: wrongCodeFails,
  });
});
[0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].forEach((code, i) => {
  add(`7.9.${i + 1}`, `Send close with invalid close code ${code}`, 'Clean close with protocol error code or drop TCP', {
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = { closedByMe: true, closeCode: [CLOSE_PROTOCOL_ERROR], requireClean: false };
      p.sendCloseFrame(code);
      p.killAfter(1);
    },
    onConnectionLost: wrongCodeFails,
  });
});
[5000, 65535].forEach((code, i) => {
  add(`7.13.${i + 1}`, `Send close with close code ${code}`, 'Actual events are undefined by the spec.', {
    init() {
      this.suppressClose = true;
    },
    onOpen(p) {
      this.expected[OK] = [];
      this.expectedClose = { closedByMe: true, closeCode: [CLOSE_NORMAL, code, CLOSE_PROTOCOL_ERROR], requireClean: false };
      p.sendCloseFrame(code);
      p.killAfter(1);
    },
    onConnectionLost() {
      this.behavior = INFORMATIONAL;
      this.behaviorClose = INFORMATIONAL;
      this.result = 'Actual events are undefined by the spec.';
    },
  });
});

// ---- 9.x Limits/Performance -------------------------------------------------------------------
const KiB = 1024;
const MiB = 1024 * 1024;
const fmtSize = (n) => (n >= MiB ? `${n / MiB}M` : n >= KiB ? `${n / KiB}k` : `${n}`);
/** One big message echoed back within WAITSECS; content is checked as well as the length. */
function bigMessageCase(id, description, { binary, dataLen, waitSecs, send, expectedPayload }) {
  add(id, description, `Receive echo'ed ${binary ? 'binary' : 'text'} message (with payload as sent).`, {
    init() {
      this.reportTime = true;
    },
    onOpen(p) {
      p.createWirelog = false;
      this.behavior = FAILED;
      this.expectedClose = echoClose();
      this.result = `Did not receive message within ${waitSecs} seconds.`;
      send(p);
      p.closeAfter(waitSecs);
    },
    onMessage(payload, isBinary) {
      const kind = binary ? 'binary' : 'text';
      if (isBinary !== binary) {
        this.result = `Expected ${kind} message with payload, but got ${isBinary ? 'binary' : 'text'}.`;
      } else if (payload.length !== dataLen) {
        this.result = `Expected ${kind} message with payload of length ${dataLen}, but got ${payload.length}.`;
      } else if (!payload.equals(expectedPayload())) {
        // Autobahn only checks the length ("FIXME: check actual content"); we check the content too.
        this.result = `Received ${kind} message of length ${payload.length}, but its content differs from what was sent.`;
      } else {
        this.behavior = OK;
        this.result = `Received ${kind} message of length ${payload.length}.`;
      }
      this.p.createWirelog = true;
      this.p.sendClose(CLOSE_NORMAL);
    },
  });
}
const TEXT_PATTERN = b('BAsd7&jh23');
const BIN_PATTERN = hex('00fe23faf0');
const repeatTo = (pattern, n) => Buffer.alloc(n, pattern);
const memo = (f) => {
  let v;
  return () => (v ??= f());
};
for (const [sub, binary] of [
  ['9.1', false],
  ['9.2', true],
]) {
  [
    [64 * KiB, 10],
    [256 * KiB, 10],
    [1 * MiB, 20],
    [4 * MiB, 60],
    [8 * MiB, 80],
    [16 * MiB, 100],
  ].forEach(([n, wait], i) => {
    const payload = memo(() => repeatTo(binary ? BIN_PATTERN : TEXT_PATTERN, n));
    bigMessageCase(`${sub}.${i + 1}`, `Send ${binary ? 'binary' : 'text'} message message with payload of length ${fmtSize(n)}.`, {
      binary,
      dataLen: n,
      waitSecs: wait,
      expectedPayload: payload,
      send: (p) => p.sendFrame({ opcode: binary ? 2 : 1, payload: binary ? BIN_PATTERN : TEXT_PATTERN, payloadLen: n }),
    });
  });
}
for (const [sub, binary] of [
  ['9.3', false],
  ['9.4', true],
]) {
  [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB].forEach((frag, i) => {
    const payload = memo(() => Buffer.alloc(4 * MiB, binary ? 0xfe : 0x2a));
    bigMessageCase(
      `${sub}.${i + 1}`,
      `Send fragmented ${binary ? 'binary' : 'text'} message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of ${fmtSize(frag)}.`,
      {
        binary,
        dataLen: 4 * MiB,
        waitSecs: 100,
        expectedPayload: payload,
        send: (p) => p.sendMessage(payload(), { binary, fragmentSize: frag }),
      },
    );
  });
}
for (const [sub, binary] of [
  ['9.5', false],
  ['9.6', true],
]) {
  [64, 128, 256, 512, 1024, 2048].forEach((chop, i) => {
    const pattern = binary ? BIN_PATTERN : TEXT_PATTERN;
    const payload = memo(() => repeatTo(pattern, MiB));
    bigMessageCase(
      `${sub}.${i + 1}`,
      `Send ${binary ? 'binary' : 'text'} message message with payload of length 1 * 2**20 (1M). Sent out data in chops of ${chop} octets.`,
      {
        binary,
        dataLen: MiB,
        waitSecs: 1000,
        expectedPayload: payload,
        send: (p) => p.sendFrame({ opcode: binary ? 2 : 1, payload: pattern, payloadLen: MiB, chopsize: chop }),
      },
    );
  });
}
for (const [sub, binary] of [
  ['9.7', false],
  ['9.8', true],
]) {
  [
    [0, 1000, 60],
    [16, 1000, 60],
    [64, 1000, 60],
    [256, 1000, 120],
    [1024, 1000, 240],
    [4096, 1000, 480],
  ].forEach(([len, count, wait], i) => {
    const mt = binary ? 'binary' : 'text';
    add(
      `${sub}.${i + 1}`,
      `Send ${count} ${mt} messages of payload size ${len} to measure implementation/network RTT (round trip time) / latency.`,
      `Receive echo'ed ${mt} messages (with payload as sent). Timeout case after ${wait} secs.`,
      {
        init() {
          this.reportTime = true;
          this.payload = Buffer.alloc(len, binary ? 0xfe : 0x2a);
          this.sendOne = () => {
            this.p.sendFrame({ opcode: binary ? 2 : 1, payload: this.payload });
            this.count++;
          };
        },
        onOpen(p) {
          p.createWirelog = false;
          this.behavior = FAILED;
          this.expectedClose = echoClose();
          this.result = `Case did not finish within ${wait} seconds.`;
          p.closeAfter(wait);
          this.count = 0;
          this.sendOne();
        },
        onMessage(payload, isBinary) {
          if (isBinary !== binary || payload.length !== len || !payload.equals(this.payload)) {
            this.behavior = FAILED;
            this.result = `Echo'ed message type, length or content differs from what I sent (got binary = ${isBinary}, payload length = ${payload.length}).`;
            this.p.createWirelog = true;
            this.p.sendClose(CLOSE_NORMAL);
          } else if (this.count < count) {
            this.sendOne();
          } else {
            this.behavior = OK;
            this.result = "Ok, received all echo'ed messages in time.";
            this.p.createWirelog = true;
            this.p.sendClose(CLOSE_NORMAL);
          }
        },
      },
    );
  });
}

// ---- 10.x Misc --------------------------------------------------------------------------------
add(
  '10.1.1',
  'Send text message with payload of length 65536 auto-fragmented with <b>autoFragmentSize = 1300</b>.',
  "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.",
  {
    onOpen(p) {
      this.payload = Buffer.alloc(65536, 0x2a);
      this.expected[OK] = [msg(this.payload, false)];
      this.expectedClose = echoClose();
      p.sendMessage(this.payload, { binary: false, fragmentSize: 1300 });
      p.killAfter(10);
    },
    onConnectionLost(p) {
      if (!p.connectionWasOpen) {
        this.behavior = FAILED;
        this.result = 'WebSocket connection was never open';
        return;
      }
      const fragments = 65536 / 1300;
      const expected = { 0: Math.floor(fragments), 1: Number.isInteger(fragments) ? 0 : 1 };
      const got = { 0: p.txFrameStats[0] ?? 0, 1: p.txFrameStats[1] ?? 0 };
      if (expected[0] !== got[0] || expected[1] !== got[1]) {
        this.behavior = FAILED;
        this.result = `Frames transmitted ${JSON.stringify(got)} does not match what we expected ${JSON.stringify(expected)}.`;
      }
    },
  },
);

// ---- 12.x, 13.x permessage-deflate -------------------------------------------------------------
addDeflateCases(add, { OK, FAILED, UNIMPLEMENTED, CLOSE_NORMAL, echoClose });

/** Parse "1.2.3" into [1,2,3] for sorting and pattern matching. */
export const caseTuple = (id) => id.split('.').map(Number);
export function compareIds(a, b) {
  const x = caseTuple(a);
  const y = caseTuple(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/** Autobahn's pattern rule: "*" → ".*", "." literal, matched from the start ("9.*" matches 9.1.1). */
function matcher(pattern) {
  const re = new RegExp('^' + pattern.replace(/\./g, '\\.').replace(/\*/g, '.*'));
  return (id) => (pattern.includes('*') ? re.test(id) : id === pattern);
}

/** All case definitions, in catalog order. */
export const ALL_CASES = CASES.slice().sort((a, b) => compareIds(a.id, b.id));

/** The resolved case list for a spec: `cases` patterns minus `exclude-cases` patterns, sorted. */
export function resolveCases(include = ['*'], exclude = []) {
  const inc = include.map(matcher);
  const exc = exclude.map(matcher);
  return ALL_CASES.filter((c) => inc.some((m) => m(c.id)) && !exc.some((m) => m(c.id)));
}

/**
 * The cases a run selects: without `include`, every case but the permessage-deflate groups 12
 * and 13 (groups 1-7, 9, 10); with it, exactly those patterns. `exclude` is removed either way.
 */
export function selectCases(include, exclude = []) {
  return include?.length ? resolveCases(include, exclude) : resolveCases(['*'], ['12.*', '13.*', ...exclude]);
}

export function instantiate(caseDef, options) {
  return new Case(caseDef.def, options);
}

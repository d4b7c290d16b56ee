/**
 * Autobahn's permessage-deflate cases, 12.x and 13.x (autobahntestsuite/case/case12_x_x.py):
 * the fuzzer sends compressed messages (sliced from a corpus, one at a time) and the client under
 * test must echo each one; the echo is checked by type, length and SHA-1, the next message goes
 * out when it arrives, and the fuzzer closes (1000) after the last.
 *
 *   12.j.i  corpus j of corpora.mjs (5), size profile i (18), the server accepts the client's
 *           first permessage-deflate offer as it is (accept policy 1)
 *   13.j.i  the JSON corpus, server accept policy j (7: client_no_context_takeover and/or
 *           client_max_window_bits 8 or 15, see deflate.mjs), size profile i (18)
 *
 * A client that offers no permessage-deflate (or none the case's policy accepts) gets a normal
 * close at once and the case is graded UNIMPLEMENTED, as in Autobahn.
 */
import { createHash } from 'node:crypto';
import { CORPORA, corpus } from './corpora.mjs';
import { ACCEPT_POLICIES, CLIENT_OFFER_DESCS } from './deflate.mjs';

/** Autobahn's MSG_SIZES: (payload length, message count, case timeout in s, auto-fragment size). */
const MSG_SIZES = [
  [16, 1000, 60, 0],
  [64, 1000, 60, 0],
  [256, 1000, 120, 0],
  [1024, 1000, 240, 0],
  [4096, 1000, 480, 0],
  [8192, 1000, 480, 0],
  [16384, 1000, 480, 0],
  [32768, 1000, 480, 0],
  [65536, 1000, 480, 0],
  [131072, 1000, 480, 0],
  [8192, 1000, 480, 256],
  [16384, 1000, 480, 256],
  [32768, 1000, 480, 256],
  [65536, 1000, 480, 256],
  [131072, 1000, 480, 256],
  [131072, 1000, 480, 1024],
  [131072, 1000, 480, 4096],
  [131072, 1000, 480, 32768],
];

/** Messages per case unless the server is told otherwise (--deflate-messages). */
export const DEFLATE_MESSAGES = 1000;

const sha1 = (b) => createHash('sha1').update(b).digest('hex');

/**
 * Adds the 216 cases through cases.mjs's `add`, with its grading constants (`g`): OK, FAILED,
 * UNIMPLEMENTED, CLOSE_NORMAL and echoClose().
 */
export function addDeflateCases(add, g) {
  const make = ({ testdata, len, wait, policy }) => ({
    init() {
      this.reportTime = true;
      this.expectedClose = g.echoClose();
      this.serverAccept = policy.accept;
    },
    onOpen(p) {
      p.createWirelog = false;
      if (!p.pmd) {
        this.behavior = g.UNIMPLEMENTED;
        this.result = p.deflateOffers?.length
          ? `needs permessage-deflate: the client's offer does not fit this case's server accept policy ${policy.desc}`
          : 'needs permessage-deflate: the client did not offer it';
        p.sendClose(g.CLOSE_NORMAL);
        return;
      }
      this.data = corpus(testdata.key);
      this.total = this.options.deflateMessages ?? DEFLATE_MESSAGES;
      this.count = 0;
      this.ptr = 0;
      this.behavior = g.FAILED;
      this.result = `Case did not finish within ${wait} seconds.`;
      p.closeAfter(wait);
      sendOne(this);
    },
    onMessage(payload, binary) {
      let problem = null;
      if (binary !== testdata.binary)
        problem = `Echo'ed message type differs from what I sent (got binary ${binary}, expected binary ${testdata.binary}).`;
      else if (payload.length !== len)
        problem = `Echo'ed message length differs from what I sent (got length ${payload.length}, expected length ${len}).`;
      else if (sha1(payload) !== this.expectedHash)
        problem = `Echo'ed message contents differs from what I sent (got SHA1 ${sha1(payload)}, expected SHA1 ${this.expectedHash}).`;
      if (problem) {
        this.behavior = g.FAILED;
        this.result = `${problem} (message ${this.count} of ${this.total})`;
        this.p.createWirelog = true;
        this.p.sendClose(g.CLOSE_NORMAL);
      } else if (this.count < this.total) {
        sendOne(this);
      } else {
        this.behavior = g.OK;
        this.result = `Ok, received all ${this.total} echo'ed messages in time.`;
        this.p.createWirelog = true;
        this.p.sendClose(g.CLOSE_NORMAL);
      }
    },
  });

  // The next slice of the corpus (wrapping around), as case12_x_x.py's sendOne.
  function sendOne(c) {
    const { data } = c;
    const { len, testdata, frag } = c.def.params;
    const from = c.ptr;
    const to = (from + len) % data.length;
    const msg = to > from ? data.subarray(from, to) : Buffer.concat([data.subarray(from), data.subarray(0, to)]);
    c.ptr = to;
    c.expectedHash = sha1(msg);
    c.count++;
    c.p.sendCompressed(msg, { binary: testdata.binary, fragmentSize: frag || undefined }).catch((e) => {
      c.result = `compressing message ${c.count} failed: ${e.message}`;
      c.p.sendClose(g.CLOSE_NORMAL);
    });
  }

  const addOne = (id, params, what) => {
    const [len, count, wait, frag] = params.size;
    const def = make({ ...params, len, wait });
    def.params = { ...params, len, frag };
    add(
      id,
      `Send ${count} compressed messages each of payload size ${len}, auto-fragment to ${frag} octets. ${what}`,
      `Receive echo'ed messages (with payload as sent). Timeout case after ${wait} secs.`,
      def,
    );
  };
  for (const [j, testdata] of CORPORA.entries()) {
    for (const [i, size] of MSG_SIZES.entries()) {
      addOne(
        `12.${j + 1}.${i + 1}`,
        { testdata, size, policy: ACCEPT_POLICIES[0] },
        `Use default permessage-deflate offer. Data: ${testdata.desc}.`,
      );
    }
  }
  const json = CORPORA.find((c) => c.key === 'json_data1');
  for (const [j, policy] of ACCEPT_POLICIES.entries()) {
    for (const [i, size] of MSG_SIZES.entries()) {
      addOne(
        `13.${j + 1}.${i + 1}`,
        { testdata: json, size, policy },
        `Use permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): ${CLIENT_OFFER_DESCS[j]} / server accept (requestNoContextTakeover, requestMaxWindowBits): ${policy.desc}. Data: ${json.desc}.`,
      );
    }
  }
}

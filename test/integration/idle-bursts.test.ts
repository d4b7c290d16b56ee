/**
 * An idle connection holds no receive buffer: libcurl's receive chunk is given back whenever a
 * read finds nothing, and the next read makes a new one (the bundled libcurl's patch
 * scripts/curl-patches/0004-ws-recvbuf-release-when-drained.patch). These tests make that happen
 * over and over — idle, then a burst of large and small messages, then idle — and check that
 * every message arrives whole and in order. (A frame split across reads, the buffer emptied
 * between them: delivery.test.ts, /split.)
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { track } from '../helpers/conn.js';
import { patternBuffer, patternText, sha256 } from '../helpers/pattern.js';

const MiB = 1024 * 1024;
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One burst: a 1 MiB binary message between small ones of both types, and a text over 64 KiB. */
function burst(round: number): (string | Buffer)[] {
  return [
    patternBuffer(16, round),
    patternBuffer(MiB, round + 1),
    patternText(16, round + 2),
    patternBuffer(16, round + 3),
    patternText(70_000, round + 4),
    patternBuffer(MiB, round + 5),
    patternText(16, round + 6),
  ];
}

function fingerprint(data: string | Buffer): string {
  return `${typeof data === 'string' ? 'text' : 'binary'} ${data.length} ${sha256(Buffer.from(data))}`;
}

describe('receive buffer released while idle', () => {
  it('bursts of 1 MiB and 16 B messages separated by idle pauses arrive intact, in order, on every connection', async () => {
    const conns = await Promise.all([1, 2, 3].map(() => connect(inject('wsEchoUrl'), { maxPayload: 4 * MiB })));
    const trackers = conns.map(track);
    const want: string[] = [];
    for (let round = 0; round < 6; round++) {
      await idle(round % 2 === 0 ? 30 : 1);
      const messages = burst(round * 10);
      want.push(...messages.map(fingerprint));
      for (const conn of conns) for (const m of messages) void conn.send(m);
      await Promise.all(trackers.map((t) => t.messagesAfter(want.length)));
    }
    for (const t of trackers) {
      const got = t.events.flatMap((e) => (e.type === 'message' ? [fingerprint(e.data)] : []));
      expect(got).toEqual(want);
      expect(t.errors()).toEqual([]);
    }
    await Promise.all(conns.map((c) => c.close(1000)));
  });

  it('a connection idle after its first burst receives the next one after a long pause', async () => {
    const conn = await connect(inject('wsEchoUrl'), { maxPayload: 4 * MiB });
    const t = track(conn);
    await conn.send(patternBuffer(MiB, 7));
    await t.messagesAfter(1);
    await idle(200);
    const small = patternBuffer(16, 8);
    await conn.send(small);
    const [, second] = await t.messagesAfter(2);
    expect((second!.data as Buffer).equals(small)).toBe(true);
    await conn.close(1000);
    expect(t.errors()).toEqual([]);
  });
});

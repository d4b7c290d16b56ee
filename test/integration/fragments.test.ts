/**
 * Sending a message in fragments (`send(data, { fin: false })`) and answering PINGs by hand
 * (`autoPong: false`), checked on the wire with the raw server's log.
 */
import { createHash } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { Op, rawTarget, waitForRawLog } from '../helpers/raw.js';

describe('fragmented sending', () => {
  it('fin: false sends fragments; the peer sees TEXT(fin=0), CONT(fin=0), CONT(fin=1) and one message', async () => {
    const r = rawTarget('/echo');
    const conn = await connect(r.url);
    const echoed = new Promise<string | Buffer>((resolve) => conn.once('message', resolve));
    await conn.send('Hel', { fin: false });
    await conn.send('lo, ', { fin: false });
    await conn.send('world');
    expect(await echoed).toBe('Hello, world');
    const log = await waitForRawLog(r.id, (l) => l.received.filter((f) => f.opcode !== Op.CLOSE).length >= 3, 'three fragments');
    const frames = log.received.filter((f) => f.opcode !== Op.CLOSE).slice(0, 3);
    expect(frames.map((f) => [f.opcode, f.fin])).toEqual([
      [Op.TEXT, false],
      [Op.CONT, false],
      [Op.CONT, true],
    ]);
    await conn.close(1000);
  });

  it("later fragments keep the first one's type, and a fragment over 64 KiB goes out intact", async () => {
    const conn = await connect(inject('wsEchoUrl'));
    const echoed = new Promise<string | Buffer>((resolve) => conn.once('message', resolve));
    const big = Buffer.alloc(200_000, 7);
    await conn.send(big, { fin: false });
    await conn.send('tail as binary'); // a string, but the message is binary
    const got = (await echoed) as Buffer;
    expect(Buffer.isBuffer(got)).toBe(true);
    const want = Buffer.concat([big, Buffer.from('tail as binary')]);
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
    await conn.close(1000);
  });
});

describe('autoPong: false', () => {
  it('reports the PING without answering it; pong() answers by hand', async () => {
    const r = rawTarget('/ping-between-fragments', { fallback: 300 });
    const conn = await connect(r.url, { autoPong: false });
    const messages: string[] = [];
    conn.on('message', (m) => messages.push(m.toString()));
    const ping = await new Promise<Buffer>((resolve) => conn.once('ping', resolve));
    expect(ping.toString()).toBe('p1');
    // No automatic PONG: the server gives up waiting and says so.
    await new Promise<void>((resolve) => conn.on('message', (m) => m === 'nopong' && resolve()));
    expect(messages).toEqual(['Hello', 'nopong']);
    await conn.pong('by hand');
    const log = await waitForRawLog(r.id, (l) => l.received.some((f) => f.opcode === Op.PONG), 'our PONG');
    const pongs = log.received.filter((f) => f.opcode === Op.PONG);
    expect(pongs).toHaveLength(1);
    await conn.close(1000);
  });
});

/**
 * One CLOSE frame per connection (RFC 6455 §5.5.1: nothing follows our CLOSE), also when the
 * application closes while a protocol failure's CLOSE is still waiting for the events that
 * arrived before the violation to be delivered (the failure CLOSE lets replies to them go first).
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { Op, rawTarget, waitForSocketClosed } from '../helpers/raw.js';

describe('the failure CLOSE and an application close()', () => {
  it('close() from the handler of a message read together with a violation: one CLOSE on the wire, the last frame', async () => {
    const { url, id } = rawTarget('/text-then-opcode3');
    const conn = await connect(url);
    const errors: string[] = [];
    conn.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
    const closing = new Promise<unknown>((resolve) => {
      conn.on('message', (m) => {
        expect(m).toBe('hi');
        resolve(conn.close(4000, 'bye'));
      });
    });
    await closing;
    const log = await waitForSocketClosed(id);
    const closes = log.received.filter((f) => f.opcode === Op.CLOSE);
    expect(closes.length).toBe(1);
    expect(log.received.at(-1)?.opcode).toBe(Op.CLOSE);
    expect(errors).toEqual(['WS_ERR_PROTOCOL']);
    expect(conn.readyState).toBe(3);
  });
});

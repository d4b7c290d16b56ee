/**
 * A Connection written to from JS that libcurl itself is calling (a curlws/curl Easy's
 * CURLOPT_WRITEFUNCTION runs inside curl_multi_socket_action): libcurl refuses curl_easy_send
 * there for every handle of the multi (CURLE_RECURSIVE_API_CALL), so the engine must write once
 * libcurl has returned instead of failing the connection.
 */
import { describe, expect, inject, it } from 'vitest';
import { Easy } from '../../lib/curl';
import { connect, type Connection } from '../../lib/index.js';
import { manyPayload } from '../helpers/pattern.js';
import { rawTarget } from '../helpers/raw.js';

function nextMessages(conn: Connection, count: number): Promise<(string | Buffer)[]> {
  const got: (string | Buffer)[] = [];
  return new Promise((resolve) => {
    const onMessage = (data: string | Buffer): void => {
      got.push(data);
      if (got.length === count) {
        conn.off('message', onMessage);
        resolve(got);
      }
    };
    conn.on('message', onMessage);
  });
}

describe('sending from inside a curlws/curl callback', () => {
  it('send() of a large and a small message, ping() and close() all go out; the connection does not fail', async () => {
    const conn = await connect(inject('wsEchoUrl'));
    const errors: unknown[] = [];
    conn.on('error', (e) => errors.push(e));
    const big = manyPayload(1, 100_000);
    const echoed = nextMessages(conn, 2);
    const results: Promise<string>[] = [];
    const settle = (p: Promise<void>): Promise<string> =>
      p.then(
        () => 'ok',
        (e: { code?: string }) => `rejected ${e.code}`,
      );

    const easy = new Easy();
    easy.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    easy.setopt('CURLOPT_WRITEFUNCTION', (chunk: Buffer) => {
      if (results.length === 0) results.push(settle(conn.send(big)), settle(conn.ping('p')), settle(conn.send('small')));
      return chunk.length;
    });
    await easy.perform().catch(() => {}); // the peer ends with a bare EOF: how perform() ends is not the point
    easy.close();

    expect(results.length).toBe(3);
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'ok']);
    const [first, second] = await echoed;
    expect(Buffer.isBuffer(first) && first.equals(big)).toBe(true);
    expect(second).toBe('small');
    expect(errors).toEqual([]);

    // close() from inside a callback: the CLOSE goes out and the handshake completes cleanly.
    const closing: Promise<{ code: number; wasClean: boolean }>[] = [];
    const easy2 = new Easy();
    easy2.setopt('CURLOPT_URL', rawTarget('/frames-then-eof').url);
    easy2.setopt('CURLOPT_WRITEFUNCTION', (chunk: Buffer) => {
      if (closing.length === 0) closing.push(conn.close(4100, 'from a callback'));
      return chunk.length;
    });
    await easy2.perform().catch(() => {});
    easy2.close();
    expect(closing.length).toBe(1);
    expect(await closing[0]).toMatchObject({ code: 4100, wasClean: true });
    expect(errors).toEqual([]);
  });
});

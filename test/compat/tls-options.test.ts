/**
 * ws's top-level TLS options (what ws hands to tls.connect) work in curlws/ws as in ws, against
 * the self-signed test server: `rejectUnauthorized: false` accepts it, `ca` with its certificate
 * trusts it, and by default it is refused (one error, then close 1006).
 */
import { describe, expect, inject, it } from 'vitest';
import { within, wsImpls } from './impls.js';
import type { WsCtor } from './impls.js';

const selfSigned = inject('wssSelfSignedUrl');
const selfSignedPem = inject('tlsSelfSignedPem');

async function outcome(Ctor: WsCtor, options: Record<string, unknown>): Promise<unknown[]> {
  const ws = new Ctor(selfSigned, options);
  const log: unknown[] = [];
  ws.on('open', () => {
    log.push(['open']);
    ws.close(1000);
  });
  ws.on('error', () => log.push(['error']));
  await within(new Promise((resolve) => ws.on('close', (code: number) => resolve(log.push(['close', code])))), 10_000, 'close');
  return log;
}

describe.each(wsImpls)('top-level TLS options (%s)', (_name, Ctor) => {
  it('rejectUnauthorized: false accepts a self-signed server', async () => {
    expect(await outcome(Ctor, { rejectUnauthorized: false })).toEqual([['open'], ['close', 1000]]);
  });

  it('ca with the server certificate trusts it', async () => {
    expect(await outcome(Ctor, { ca: selfSignedPem })).toEqual([['open'], ['close', 1000]]);
  });

  it('by default the self-signed server is refused: error, then close 1006', async () => {
    expect(await outcome(Ctor, {})).toEqual([['error'], ['close', 1006]]);
  });
});

/**
 * `url` after a followed redirect: the final URL in ws and curlws/ws (from 'upgrade' on). The
 * WHATWG `url` stays the URL given to the constructor (the standard sets it once; docs/compat.md).
 */
import { describe, expect, it } from 'vitest';
import { curlWhatwg, within, wsImpls } from './impls.js';
import type { WsCtor } from './impls.js';
import { rawTarget } from '../helpers/raw.js';

describe('url after a followed redirect (ws vs curlws/ws)', () => {
  it('is the final URL at upgrade, open and close', async () => {
    const traces: unknown[] = [];
    for (const [, Ctor] of wsImpls as [string, WsCtor][]) {
      const r = rawTarget('/redirect', { to: '/echo?final=1', status: 302 });
      const ws = new Ctor(r.url, { followRedirects: true });
      const seen: unknown[] = [['constructed', ws.url === r.url]];
      ws.on('upgrade', () => seen.push(['upgrade', ws.url]));
      ws.on('open', () => {
        seen.push(['open', ws.url]);
        ws.close();
      });
      ws.on('error', (err: Error) => seen.push(['error', err.message]));
      await within(new Promise((resolve) => ws.on('close', resolve)), 10_000, 'close');
      seen.push(['closed', ws.url]);
      traces.push(seen);
    }
    const final = new URL('/echo?final=1', rawTarget('/x').url).href;
    expect(traces[0]).toEqual([
      ['constructed', true],
      ['upgrade', final],
      ['open', final],
      ['closed', final],
    ]);
    expect(traces[1]).toEqual(traces[0]);
  });
});

describe('url after a followed redirect (WHATWG, curlws)', () => {
  it('stays the URL given to the constructor', async () => {
    const r = rawTarget('/redirect', { to: '/echo', status: 302 });
    const ws = new (curlWhatwg as any)(r.url, undefined, { followRedirects: true });
    await within(new Promise((resolve) => ws.addEventListener('open', resolve)), 10_000, 'open');
    expect(ws.url).toBe(r.url);
    ws.close();
  });
});

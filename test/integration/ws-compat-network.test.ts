/** The ws-compatible client's network options that map onto curlws's: ws+unix: and redirects. */
import { describe, expect, inject, it } from 'vitest';
import { WsWebSocket } from '../../lib/api/ws-compat.js';
import { rawTarget } from '../helpers/raw.js';

function firstMessage(ws: WsWebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(data.toString()));
    ws.once('error', reject);
  });
}

describe('WsWebSocket network options', () => {
  it('ws+unix:///path.sock:/request/path goes through the Unix socket', async () => {
    const ws = new WsWebSocket(`ws+unix://${inject('unixSocketPath')}:/headers`);
    const headers = JSON.parse(await firstMessage(ws)) as Record<string, string>;
    expect(headers.host).toBe('localhost');
    ws.close(1000);
    await new Promise((resolve) => ws.once('close', resolve));
  });

  it('followRedirects follows a 302 to the echo', async () => {
    const target = rawTarget('/echo');
    const start = rawTarget('/redirect', { status: 302, to: new URL(target.url).pathname + new URL(target.url).search });
    const ws = new WsWebSocket(start.url, { followRedirects: true });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const echoed = firstMessage(ws);
    ws.send('via redirect');
    expect(await echoed).toBe('via redirect');
    ws.close(1000);
    await new Promise((resolve) => ws.once('close', resolve));
  });
});

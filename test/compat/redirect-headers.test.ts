/**
 * A custom Host header, and what happens to it, Authorization and Cookie when a handshake is
 * redirected, run against ws and curlws/ws with two recording servers on 127.0.0.1 (another port
 * is another host): same host keeps all three, another host drops all three, as ws does (it
 * follows curl 7.77). Plus the same through connect().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import { headerFields, type Recorder, startRecorder } from '../servers/recorder.js';
import { within, wsImpls } from './impls.js';

let a: Recorder;
let b: Recorder;
beforeAll(async () => {
  [a, b] = await Promise.all([startRecorder(), startRecorder()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const CREDENTIALS = { Host: 'front.test', Authorization: 'Bearer t0ken', Cookie: 'session=1' };

/** host, authorization and cookie of each request the recorders saw, in order. */
function sent(): { to: string; host?: string; authorization?: string; cookie?: string }[] {
  return [...a.take().map((r) => ({ r, to: 'a' })), ...b.take().map((r) => ({ r, to: 'b' }))].map(({ r, to }) => {
    const f = Object.fromEntries(headerFields(r.head).map(([n, v]) => [n.toLowerCase(), v]));
    return { to, host: f.host, authorization: f.authorization, cookie: f.cookie };
  });
}

const redirect = (from: Recorder, to: string): string => `${from.origin}/redirect?to=${encodeURIComponent(to)}`;

describe.each(wsImpls)('custom Host and redirects (%s)', (_name, Impl) => {
  async function run(url: string): Promise<ReturnType<typeof sent>> {
    a.take();
    b.take();
    const ws = new Impl(url, { followRedirects: true, headers: CREDENTIALS });
    ws.on('error', () => {});
    await within(new Promise((resolve) => ws.once('close', resolve)), 10_000, 'close');
    return sent();
  }

  it('sends the Host header given', async () => {
    expect(await run(`${a.origin}/x`)).toEqual([{ to: 'a', host: 'front.test', authorization: 'Bearer t0ken', cookie: 'session=1' }]);
  });

  it('keeps Host, Authorization and Cookie on a redirect to the same host', async () => {
    const hops = await run(redirect(a, '/final'));
    expect(hops).toEqual([
      { to: 'a', host: 'front.test', authorization: 'Bearer t0ken', cookie: 'session=1' },
      { to: 'a', host: 'front.test', authorization: 'Bearer t0ken', cookie: 'session=1' },
    ]);
  });

  it('drops Host, Authorization and Cookie on a redirect to another host (another port)', async () => {
    const hops = await run(redirect(a, `${b.origin}/final`));
    expect(hops).toEqual([
      { to: 'a', host: 'front.test', authorization: 'Bearer t0ken', cookie: 'session=1' },
      { to: 'b', host: `127.0.0.1:${b.port}`, authorization: undefined, cookie: undefined },
    ]);
  });
});

describe('custom Host and redirects (connect())', () => {
  it('the same rules, and the auth and cookies options travel like the headers', async () => {
    a.take();
    b.take();
    await expect(
      connect(redirect(a, `${b.origin}/final`), {
        followRedirects: true,
        headers: { Host: 'front.test' },
        auth: { bearer: 't0ken' },
        cookies: { session: '1' },
      }),
    ).rejects.toMatchObject({ code: 'WS_ERR_UNEXPECTED_RESPONSE', status: 403 });
    expect(sent()).toEqual([
      { to: 'a', host: 'front.test', authorization: 'Bearer t0ken', cookie: 'session=1' },
      { to: 'b', host: `127.0.0.1:${b.port}`, authorization: undefined, cookie: undefined },
    ]);
  });

  it('a dropped Host does not come back when a later hop returns to the first host (stricter than ws)', async () => {
    a.take();
    b.take();
    await expect(
      connect(redirect(a, redirect(b, `${a.origin}/final`)), { followRedirects: true, headers: { ...CREDENTIALS } }),
    ).rejects.toMatchObject({ status: 403 });
    expect(sent().map((h) => [h.to, h.host])).toEqual([
      ['a', 'front.test'],
      ['a', `127.0.0.1:${a.port}`],
      ['b', `127.0.0.1:${b.port}`],
    ]);
  });
});

/**
 * The heartbeat behind a proxy that dies without a word: a dedicated tinyproxy (HTTP CONNECT)
 * is frozen with SIGSTOP, so the client's TCP connection to it stays up (no FIN, no RST) while
 * nothing is forwarded any more. Only the heartbeat can tell; it must, and a
 * ReconnectingWebSocket must come back once the proxy resumes. Every proxy started here is
 * resumed and killed at the end, whatever the outcome.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { connect, ReconnectingWebSocket } from '../../lib/index.js';
import type { ReconnectCause } from '../../lib/index.js';
import { startTinyproxy } from '../servers/proxies.js';

const skip = inject('proxiesSkipReason');
const echoUrl = inject('wsEchoUrl');
const dir = mkdtempSync(path.join(os.tmpdir(), 'curlws-hbproxy-'));
const children: ChildProcess[] = [];
const cleanups: (() => unknown)[] = [];

async function proxy(): Promise<{ url: string; port: number; freeze(): void; thaw(): void }> {
  const { port, child } = await startTinyproxy(dir, false);
  children.push(child);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
  };
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGCONT'); // a stopped process does not act on SIGTERM until continued
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== '')('heartbeat through a proxy that stops forwarding', () => {
  it('a frozen proxy (SIGSTOP, no RST) is detected: error WS_ERR_PONG_TIMEOUT, then close 1006', async () => {
    const p = await proxy();
    const conn = await connect(echoUrl, { proxy: p.url, pingInterval: 50, pongTimeout: 300 });
    cleanups.push(() => conn.terminate());
    expect(conn.handshake.address.remotePort).toBe(p.port); // really through the proxy
    const events: string[] = [];
    conn.on('pong', () => events.push('pong'));
    const echoed = new Promise((r) => conn.once('message', r));
    await conn.send('through the proxy');
    expect(await echoed).toBe('through the proxy');
    // The heartbeat works while the proxy forwards.
    await new Promise<void>((r) => conn.once('pong', () => r()));
    p.freeze();
    const error = new Promise<Error & { code?: string }>((r) => conn.once('error', (e) => (events.push('error'), r(e))));
    const closed = new Promise<[number, boolean]>((r) =>
      conn.once('close', (code, _reason, clean) => (events.push('close'), r([code, clean]))),
    );
    expect(await error).toMatchObject({ code: 'WS_ERR_PONG_TIMEOUT', closeCode: 1006 });
    expect(await closed).toEqual([1006, false]);
    expect(events.slice(-2)).toEqual(['error', 'close']);
    p.thaw();
  });

  it('a ReconnectingWebSocket rides it out: drop detected, attempts fail while frozen, reconnects after SIGCONT', async () => {
    const p = await proxy();
    const rws = new ReconnectingWebSocket(echoUrl, {
      proxy: p.url,
      pingInterval: 50,
      pongTimeout: 300,
      handshakeTimeout: 300,
      initialDelay: 20,
      maxDelay: 100,
      jitter: 0,
    });
    cleanups.push(() => rws.close());
    const causes: ReconnectCause[] = [];
    const opens: number[] = [];
    let onChange = (): void => {};
    rws.on('open', (_c, { attempt }) => (opens.push(attempt), onChange()));
    rws.on('reconnecting', ({ cause }) => (causes.push(cause), onChange()));
    const until = (pred: () => boolean) =>
      new Promise<void>((r) => {
        onChange = () => pred() && r();
        onChange();
      });
    await until(() => opens.length === 1);
    p.freeze();
    // The dead connection, then at least one attempt that cannot get through the frozen proxy.
    await until(() => causes.length >= 2);
    p.thaw();
    await until(() => opens.length === 2);
    expect((causes[0]!.error as { code?: string }).code).toBe('WS_ERR_PONG_TIMEOUT');
    expect(causes[0]!.phase).toBe('open');
    expect(causes[1]!.phase).toBe('handshake');
    expect(['WS_ERR_HANDSHAKE_TIMEOUT', 'CURLE_OPERATION_TIMEDOUT']).toContain((causes[1]!.error as { code?: string }).code);
    // And the new connection works.
    const conn = rws.connection!;
    const echoed = new Promise((r) => conn.once('message', r));
    await rws.send('back');
    expect(await echoed).toBe('back');
  });
});

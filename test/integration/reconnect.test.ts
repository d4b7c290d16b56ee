/**
 * ReconnectingWebSocket against real servers that refuse, restart, drop and misbehave on cue
 * (test/servers/flaky-server.ts, the raw server). Backoff is asserted through the delays the
 * `reconnecting` events announce (jitter 0 or an injected random), never by measuring time.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectingWebSocket, defaultShouldReconnect } from '../../lib/index.js';
import type { DisconnectInfo, ReconnectCause, ReconnectOptions } from '../../lib/index.js';
import { startFlakyServer, type FlakyServer } from '../servers/flaky-server.js';
import { rawTarget } from '../helpers/raw.js';

type Recorded =
  | { type: 'open'; attempt: number }
  | { type: 'close'; info: DisconnectInfo }
  | { type: 'reconnecting'; attempt: number; delay: number; cause: ReconnectCause }
  | { type: 'giveup'; attempt: number; cause: ReconnectCause }
  | { type: 'end' };

function record(rws: ReconnectingWebSocket) {
  const events: Recorded[] = [];
  const waiters = new Set<() => void>();
  const push = (e: Recorded): void => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  rws.on('open', (_c, { attempt }) => push({ type: 'open', attempt }));
  rws.on('close', (info) => push({ type: 'close', info }));
  rws.on('reconnecting', ({ attempt, delay, cause }) => push({ type: 'reconnecting', attempt, delay, cause }));
  rws.on('giveup', ({ attempt, cause }) => push({ type: 'giveup', attempt, cause }));
  rws.on('end', () => push({ type: 'end' }));
  const until = (pred: (ev: Recorded[]) => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred(events)) {
          waiters.delete(check);
          resolve();
        } else if (events.some((e) => e.type === 'end')) {
          waiters.delete(check);
          reject(new Error(`ended before ${what}: ${events.map((e) => e.type).join(' ')}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    events,
    types: () => events.map((e) => e.type),
    count: (type: Recorded['type']) => events.filter((e) => e.type === type).length,
    until,
    ended: new Promise<void>((r) => rws.once('end', r)),
  };
}

const servers: FlakyServer[] = [];
const clients: ReconnectingWebSocket[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(...args: Parameters<typeof startFlakyServer>): Promise<FlakyServer> {
  const s = await startFlakyServer(...args);
  servers.push(s);
  return s;
}

function client(url: string, options?: ReconnectOptions): ReconnectingWebSocket {
  const c = new ReconnectingWebSocket(url, { jitter: 0, initialDelay: 10, ...options });
  clients.push(c);
  return c;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('ReconnectingWebSocket: what is retried', () => {
  it('retries 503 answers with exponential backoff, then re-subscribes (onOpen) before the queued sends', async () => {
    const srv = await server([{ refuse: 503 }, { refuse: 503 }, { refuse: 503 }]);
    const rws = client(srv.url, {
      initialDelay: 20,
      factor: 3,
      maxQueuedMessages: 10,
      onOpen: async (conn, { attempt }) => {
        await conn.send(`subscribe#${attempt}`);
      },
    });
    const rec = record(rws);
    const connecting: number[] = [];
    rws.on('connecting', ({ attempt }) => connecting.push(attempt));
    const sent = [rws.send('q1'), rws.send('q2')]; // queued: not connected yet
    expect(rws.queuedMessages).toBe(2);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    await Promise.all(sent);
    const reconnecting = rec.events.filter((e) => e.type === 'reconnecting');
    expect(reconnecting.map((e) => [e.attempt, e.delay])).toEqual([
      [1, 20],
      [2, 60],
      [3, 180],
    ]);
    expect(reconnecting.map((e) => (e.cause.error as { status?: number }).status)).toEqual([503, 503, 503]);
    expect(reconnecting.every((e) => e.cause.phase === 'handshake')).toBe(true);
    expect(rec.events.find((e) => e.type === 'open')).toEqual({ type: 'open', attempt: 3 });
    expect(connecting).toEqual([0, 1, 2, 3]);
    // The message is echoed back: wait for it so the server has recorded all three.
    const echoed: string[] = [];
    await new Promise<void>((resolve) => rws.on('message', (d) => echoed.push(String(d)) === 3 && resolve()));
    expect(echoed).toEqual(['subscribe#3', 'q1', 'q2']);
    expect(srv.connections.map((c) => c.received)).toEqual([[], [], [], ['subscribe#3', 'q1', 'q2']]);
    expect(rws.state).toBe('open');
    expect(rws.connection?.readyState).toBe(1);
  });

  it('a server that is down at first (connection refused) is reached once it listens', async () => {
    const port = await freePort();
    const rws = client(`ws://127.0.0.1:${port}/`, { initialDelay: 20, maxDelay: 40 });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'reconnecting'), 'a retry');
    const first = rec.events.find((e) => e.type === 'reconnecting') as Extract<Recorded, { type: 'reconnecting' }>;
    expect((first.cause.error as { code?: string }).code).toBe('CURLE_COULDNT_CONNECT');
    await server([], port);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    expect(rec.events.filter((e) => e.type === 'reconnecting').every((e) => (e as { delay: number }).delay <= 40)).toBe(true);
  });

  it('a server restart (1012) reconnects; the iterator continues across connections; onOpen runs each time', async () => {
    const srv = await server([{ close: 1012, after: 2, reason: 'restart' }]);
    const subscribed: number[] = [];
    const rws = client(srv.url, {
      onOpen: (conn, { attempt }) => {
        subscribed.push(attempt);
        return conn.send('sub');
      },
    });
    const rec = record(rws);
    const got: string[] = [];
    const reader = (async () => {
      for await (const m of rws) {
        got.push(String(m.data));
        if (got.length === 3) break;
      }
    })();
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'first open');
    await rws.send('a'); // echoed 'sub', then 'a' closes with 1012 ('a' is the 2nd message)
    await rec.until((ev) => ev.filter((e) => e.type === 'open').length === 2, 'second open');
    await rws.send('b');
    await reader;
    expect(got).toEqual(['sub', 'sub', 'b']);
    expect(subscribed).toEqual([0, 1]);
    const close = rec.events.find((e) => e.type === 'close') as Extract<Recorded, { type: 'close' }>;
    expect(close.info).toMatchObject({ code: 1012, reason: 'restart', wasClean: true, willReconnect: true });
    expect(rec.types().slice(0, 4)).toEqual(['open', 'close', 'reconnecting', 'open']);
  });

  it("a slow iterator pauses reading (receiveHighWaterMark): every message before a restart arrives, then the next connection's", async () => {
    const srv = await server([
      { close: 1012, after: 0, push: 5000 },
      { close: 1000, after: 0, push: 3 },
    ]);
    const rws = client(srv.url, { receiveHighWaterMark: 4 });
    const rec = record(rws);
    const got: string[] = [];
    let ended: unknown;
    try {
      for await (const m of rws) {
        got.push(String(m.data));
        if (got.length === 1) await new Promise((r) => setTimeout(r, 100)); // fall behind
        if (got.length === 1) expect(rws.connection?.stats().messagesReceived).toBeLessThan(5000);
      }
    } catch (err) {
      ended = err; // the second connection's 1000 is not retried: giving up ends the loop with an error
    }
    expect(ended).toMatchObject({ code: 'ERR_WS_RECONNECT_GAVE_UP' });
    expect(got).toEqual([...Array.from({ length: 5000 }, (_, i) => `m${i}`), 'm0', 'm1', 'm2']);
    expect(rec.types()).toEqual(['open', 'close', 'reconnecting', 'open', 'close', 'giveup', 'end']);
  });

  it('a dropped TCP connection (1006) is retried; a send in flight is rejected, never replayed', async () => {
    const srv = await server([{ drop: true, after: 1 }]);
    const rws = client(srv.url);
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    const lost = rws.send('dies with the connection');
    await rec.until((ev) => ev.filter((e) => e.type === 'open').length === 2, 'reconnected');
    // Resolved or rejected depending on whether the kernel took it before the drop — but never resent:
    await lost.catch((e: { code?: string }) => expect(e.code).toBe('ERR_WS_CLOSED'));
    expect(srv.connections[1]!.received).toEqual([]);
    const close = rec.events.find((e) => e.type === 'close') as Extract<Recorded, { type: 'close' }>;
    expect(close.info).toMatchObject({ code: 1006, wasClean: false, willReconnect: true });
  });

  it('a peer that stops answering is detected by the heartbeat and reconnected (cause WS_ERR_PONG_TIMEOUT)', async () => {
    const r = rawTarget('/no-close-reply');
    const rws = client(r.url, { pingInterval: 30, pongTimeout: 60, closeTimeout: 100 });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'reconnecting' && e.cause.phase === 'open'), 'a retry after the drop');
    const retry = rec.events.find((e) => e.type === 'reconnecting') as Extract<Recorded, { type: 'reconnecting' }>;
    expect(retry.cause).toMatchObject({ code: 1006, wasClean: false });
    expect((retry.cause.error as { code?: string }).code).toBe('WS_ERR_PONG_TIMEOUT');
  });
});

describe('ReconnectingWebSocket: what is not retried', () => {
  for (const status of [401, 403, 404]) {
    it(`a ${status} answer gives up at once and rejects queued sends with the cause`, async () => {
      const srv = await server([{ refuse: status }]);
      const rws = client(srv.url, { maxQueuedMessages: 5 });
      const rec = record(rws);
      const queued = rws.send('never');
      const err = await queued.then(
        () => null,
        (e: Error & { code?: string; cause?: { status?: number } }) => e,
      );
      expect(err).toMatchObject({ name: 'ReconnectError', code: 'ERR_WS_RECONNECT_GAVE_UP' });
      expect(err?.cause?.status).toBe(status);
      await rec.ended;
      expect(rec.types()).toEqual(['giveup', 'end']);
      expect(rws.state).toBe('closed');
      expect(srv.connections).toHaveLength(1);
    });
  }

  it('an invalid Sec-WebSocket-Accept is not retried', async () => {
    const rws = client(rawTarget('/bad-accept').url);
    const rec = record(rws);
    await rec.ended;
    const giveup = rec.events[0] as Extract<Recorded, { type: 'giveup' }>;
    expect((giveup.cause.error as { code?: string }).code).toBe('WS_ERR_INVALID_ACCEPT');
  });

  for (const code of [1000, 1008, 4001]) {
    it(`a deliberate close by the server (${code}) ends without retrying`, async () => {
      const srv = await server([{ close: code, after: 0 }]);
      const rws = client(srv.url);
      const rec = record(rws);
      await rec.ended;
      expect(rec.types()).toEqual(['open', 'close', 'giveup', 'end']);
      expect((rec.events[1] as Extract<Recorded, { type: 'close' }>).info).toMatchObject({ code, willReconnect: false });
    });
  }

  it('giving up says why: the close code and that the default policy does not retry it', async () => {
    const srv = await server([{ close: 4002, after: 0 }]);
    const rws = client(srv.url);
    const ended = (async () => {
      for await (const _ of rws);
    })().then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    const err = await ended;
    expect(err?.code).toBe('ERR_WS_RECONNECT_GAVE_UP');
    expect(err?.message).toMatch(
      /^Gave up reconnecting to ws:\/\/127\.0\.0\.1:\d+\/: the connection closed with code 4002(?: "[^"]*")?, and the default shouldReconnect policy does not retry it \(see docs\/reliability\.md; pass shouldReconnect to decide yourself\) \(after 0 reconnection attempts\)$/,
    );
    expect(err?.message).not.toContain('attempt(s)');
  });

  it('giving up says so when shouldReconnect refused, or when maxAttempts ran out', async () => {
    const refused = await server([{ close: 4002, after: 0, reason: 'moved' }]);
    const rws = client(refused.url, { shouldReconnect: () => false });
    const policyError = await (async () => {
      for await (const _ of rws);
    })().then(
      () => null,
      (e: Error) => e,
    );
    expect(policyError?.message).toMatch(
      /: the connection closed with code 4002 "moved", and shouldReconnect returned false \(after 0 reconnection attempts\)$/,
    );

    const srv = await server(Array.from({ length: 5 }, () => ({ refuse: 503 })));
    const limited = client(srv.url, { maxAttempts: 2, initialDelay: 5 });
    const messages: string[] = [];
    const done = (async () => {
      for await (const _ of limited);
    })().catch((e: Error) => messages.push(e.message));
    await done;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^Gave up reconnecting to .*: the connection attempt failed \(Unexpected server response: 503\), and maxAttempts \(2\) reconnection attempts were made$/,
    );
  });

  it('shouldReconnect overrides the default, and sees attempt, phase and code', async () => {
    const srv = await server([
      { close: 4001, after: 0 },
      { close: 4001, after: 0 },
    ]);
    const asked: unknown[] = [];
    const rws = client(srv.url, {
      shouldReconnect: (info) => {
        asked.push({ attempt: info.attempt, phase: info.phase, code: info.code });
        return info.code === 4001 || defaultShouldReconnect(info);
      },
    });
    const rec = record(rws);
    await rec.until((ev) => ev.filter((e) => e.type === 'open').length === 3, 'third connection');
    expect(asked).toEqual([
      { attempt: 1, phase: 'open', code: 4001 },
      { attempt: 2, phase: 'open', code: 4001 },
    ]);
  });

  it('maxAttempts: gives up after that many consecutive attempts', async () => {
    const srv = await server(Array.from({ length: 10 }, () => ({ refuse: 503 })));
    const rws = client(srv.url, { maxAttempts: 3, initialDelay: 5 });
    const rec = record(rws);
    await rec.ended;
    expect(rec.types()).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'giveup', 'end']);
    expect(rec.events.filter((e) => e.type === 'reconnecting').map((e) => (e as { delay: number }).delay)).toEqual([5, 10, 20]);
    expect(srv.connections).toHaveLength(4); // the first try + 3 retries
  });

  it('beforeConnect supplies fresh options per attempt (a rotating token); its failures are retried, invalid options are not', async () => {
    const srv = await server([{ refuse: 401 }]);
    let tokenServiceUp = false;
    const rws = client(srv.url, {
      shouldReconnect: (info) => (info.error as { status?: number } | undefined)?.status === 401 || defaultShouldReconnect(info),
      beforeConnect: async ({ attempt }) => {
        if (attempt === 1 && !tokenServiceUp) {
          tokenServiceUp = true;
          throw new Error('token service unavailable');
        }
        return { headers: { Authorization: `Bearer token-${attempt}` } };
      },
    });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    expect(srv.connections.map((c) => c.headers.authorization)).toEqual(['Bearer token-0', 'Bearer token-2']);
    const causes = rec.events.flatMap((e) => (e.type === 'reconnecting' ? [e.cause.error?.message] : []));
    expect(causes).toEqual([expect.stringContaining('401'), 'token service unavailable']);

    const bad = client(srv.url, { beforeConnect: () => ({ maxPayload: -1 }) });
    const badRec = record(bad);
    await badRec.ended;
    const giveup = badRec.events[0] as Extract<Recorded, { type: 'giveup' }>;
    expect(giveup.cause.error).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  });

  it('an onOpen hook that rejects closes that connection with 1011 and counts as a (retryable) failure', async () => {
    const srv = await server([]);
    let calls = 0;
    const rws = client(srv.url, {
      onOpen: async () => {
        if (++calls === 1) throw new Error('subscribe refused');
      },
    });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    const retry = rec.events[0] as Extract<Recorded, { type: 'reconnecting' }>;
    expect(retry.type).toBe('reconnecting');
    expect(retry.cause).toMatchObject({ phase: 'open', code: 1011 });
    expect(retry.cause.error?.message).toBe('subscribe refused');
    expect(rec.events[1]).toEqual({ type: 'open', attempt: 1 });
  });
});

describe('ReconnectingWebSocket: backoff', () => {
  it('grows while connections do not last, and starts over after one stayed open resetAfter ms', async () => {
    const flapping = () => Array.from({ length: 3 }, () => ({ close: 1001, after: 0 }));
    const growing = client((await server(flapping())).url, { initialDelay: 10, resetAfter: 60_000 });
    const resetting = client((await server(flapping())).url, { initialDelay: 10, resetAfter: 0 });
    const g = record(growing);
    const r = record(resetting);
    const threeRetries = (ev: Recorded[]) => ev.filter((e) => e.type === 'reconnecting').length === 3;
    await Promise.all([g.until(threeRetries, '3 retries'), r.until(threeRetries, '3 retries')]);
    const delays = (rec: typeof g) => rec.events.flatMap((e) => (e.type === 'reconnecting' ? [[e.attempt, e.delay]] : []));
    expect(delays(g)).toEqual([
      [1, 10],
      [2, 20],
      [3, 40],
    ]);
    expect(delays(r)).toEqual([
      [1, 10],
      [1, 10],
      [1, 10],
    ]);
  });

  it('jitter takes the given fraction off with an injected random; maxDelay caps the base', async () => {
    const srv = await server(Array.from({ length: 4 }, () => ({ refuse: 503 })));
    const randoms = [0, 0.5, 1, 0.5];
    const rws = client(srv.url, { initialDelay: 40, factor: 2, maxDelay: 100, jitter: 0.5, random: () => randoms.shift() ?? 0 });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    // bases 40, 80, 100 (capped), 100; minus 0.5 × random of each
    expect(rec.events.flatMap((e) => (e.type === 'reconnecting' ? [e.delay] : []))).toEqual([40, 60, 50, 75]);
  });
});

describe('ReconnectingWebSocket: stopping, queue', () => {
  it('close() while open closes with the given code, never reconnects, ends once', async () => {
    const srv = await server([]);
    const rws = client(srv.url);
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    const result = await rws.close(4000, 'bye');
    expect(result).toEqual({ code: 4000, reason: 'bye', wasClean: true });
    expect(rec.types()).toEqual(['open', 'close', 'end']);
    expect((rec.events[1] as Extract<Recorded, { type: 'close' }>).info.willReconnect).toBe(false);
    await expect(rws.send('late')).rejects.toMatchObject({ code: 'ERR_WS_CLOSED' });
    expect(await rws.close()).toEqual(result); // idempotent
  });

  it('close() during a backoff delay cancels the attempt and rejects queued sends with ERR_WS_CLOSED', async () => {
    const srv = await server([{ refuse: 503 }]);
    const rws = client(srv.url, { initialDelay: 60_000, maxQueuedMessages: 2 });
    const rec = record(rws);
    const queued = rws.send('q');
    await rec.until((ev) => ev.some((e) => e.type === 'reconnecting'), 'waiting');
    expect(rws.state).toBe('reconnecting');
    expect(await rws.close()).toBeUndefined();
    await expect(queued).rejects.toMatchObject({ code: 'ERR_WS_CLOSED' });
    expect(rec.types()).toEqual(['reconnecting', 'end']);
    expect(srv.connections).toHaveLength(1);
  });

  it('close() right after the constructor: no attempt is made, end comes once', async () => {
    const srv = await server([]);
    const rws = client(srv.url);
    const rec = record(rws);
    let connecting = 0;
    rws.on('connecting', () => connecting++);
    expect(await rws.close()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.types()).toEqual(['end']);
    expect(connecting).toBe(0);
    expect(srv.connections).toHaveLength(0);
  });

  it('an AbortSignal stops it like close()', async () => {
    const srv = await server([]);
    const ac = new AbortController();
    const rws = client(srv.url, { signal: ac.signal });
    const rec = record(rws);
    await rec.until((ev) => ev.some((e) => e.type === 'open'), 'open');
    ac.abort();
    await rec.ended;
    expect(rec.types()).toEqual(['open', 'close', 'end']);
    const pre = new ReconnectingWebSocket(srv.url, { signal: AbortSignal.abort() });
    await once(pre, 'end');
    expect(pre.state).toBe('closed');
  });

  it('a full queue rejects the overflowing send with ERR_WS_QUEUE_FULL; the others are delivered in order', async () => {
    const srv = await server([{ refuse: 503 }]);
    const rws = client(srv.url, { maxQueuedMessages: 2 });
    const a = rws.send('1');
    const b = rws.send(Buffer.from('2'));
    await expect(rws.send('3')).rejects.toMatchObject({ name: 'ReconnectError', code: 'ERR_WS_QUEUE_FULL' });
    await Promise.all([a, b]);
    await new Promise<void>((resolve) => rws.on('message', () => srv.connections[1]!.received.length === 2 && resolve()));
    expect(srv.connections[1]!.received).toEqual(['1', '2']);
  });

  it('without a queue, send() while disconnected rejects at once with ERR_WS_NOT_OPEN', async () => {
    const srv = await server([]);
    const rws = client(srv.url);
    await expect(rws.send('too early')).rejects.toMatchObject({ code: 'ERR_WS_NOT_OPEN' });
  });
});

describe('ReconnectingWebSocket: options', () => {
  const url = 'ws://127.0.0.1:1/';
  it('rejects unknown keys with a suggestion, also for connect() options', () => {
    expect(() => new ReconnectingWebSocket(url, { maxAttempt: 3 } as never)).toThrow(
      'Unknown option "maxAttempt"; did you mean "maxAttempts"?',
    );
    expect(() => new ReconnectingWebSocket(url, { pingIntervall: 3 } as never)).toThrow('did you mean "pingInterval"?');
    expect(() => new ReconnectingWebSocket(url, { rejectUnauthorized: false } as never)).toThrow(
      'Unknown option "rejectUnauthorized"; did you mean "tls.rejectUnauthorized"?',
    );
  });

  it('RangeError ERR_OUT_OF_RANGE for bad numbers, TypeError for bad types', () => {
    const bad: [ReconnectOptions, string][] = [
      [{ factor: 0.5 }, 'ERR_OUT_OF_RANGE'],
      [{ jitter: 1.5 }, 'ERR_OUT_OF_RANGE'],
      [{ initialDelay: -1 }, 'ERR_OUT_OF_RANGE'],
      [{ initialDelay: 500, maxDelay: 100 }, 'ERR_OUT_OF_RANGE'],
      [{ maxAttempts: 1.5 }, 'ERR_OUT_OF_RANGE'],
      [{ maxQueuedMessages: -1 }, 'ERR_OUT_OF_RANGE'],
      [{ highWaterMark: 0 }, 'ERR_OUT_OF_RANGE'],
      [{ factor: '2' as never }, 'ERR_INVALID_ARG_TYPE'],
      [{ onOpen: 'x' as never }, 'ERR_INVALID_ARG_TYPE'],
      [{ shouldReconnect: true as never }, 'ERR_INVALID_ARG_TYPE'],
      [{ beforeConnect: {} as never }, 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [options, code] of bad) {
      expect(() => new ReconnectingWebSocket(url, options), JSON.stringify(options)).toThrow(expect.objectContaining({ code }));
    }
    expect(() => new ReconnectingWebSocket(url, { maxAttempts: Infinity, signal: AbortSignal.abort() })).not.toThrow();
  });

  it('send() refuses fragments (they cannot span connections) and bad data', async () => {
    const rws = new ReconnectingWebSocket(url, { signal: AbortSignal.abort() });
    expect(() => rws.send('x', { fin: false } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => rws.send(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    await once(rws, 'end');
  });

  it('defaultShouldReconnect: the documented table', () => {
    const base = { attempt: 1, error: undefined, reason: '', wasClean: true } as const;
    const open = (code: number) => defaultShouldReconnect({ ...base, phase: 'open', code });
    expect([1001, 1006, 1011, 1012, 1013, 1014].map(open)).toEqual(Array(6).fill(true));
    expect([1000, 1002, 1003, 1005, 1007, 1008, 1009, 1010, 3000, 4000].map(open)).toEqual(Array(10).fill(false));
  });
});

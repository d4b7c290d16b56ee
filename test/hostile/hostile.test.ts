/**
 * Hostile peers against a client with little memory: the numbers a peer puts in frame headers
 * (lengths it never sends, sizes near every encoding threshold, many connections doing it at
 * once, a slow trickle of a huge frame, a message of very many fragments, real floods) must
 * bound what is read, never what is reserved. Each scenario runs its clients in a child process
 * under `ulimit -v`, so an allocation sized by the peer's claim fails there. The limit is the
 * address space this Node needs to start the client (bisected once per run: about 0.78 GB for
 * Node 20 and 22, 1.2-1.4 GB for Node 24 and 26) plus the scenario's budget, so every Node line is held to
 * the same margin; the assertions: the process survives, each hostile
 * connection ends with the right error code and close code (or stays open when it has done
 * nothing wrong), and an echo connection in the same process keeps working throughout.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostilePeer, type PeerConn, startHostilePeer } from './peer.js';

const dist = path.resolve(__dirname, '../../dist/index.js');
// Under AddressSanitizer (npm run test:asan) a process maps terabytes of shadow memory: no
// address-space limit can be set, and virtual sizes mean nothing. The scenarios then run
// without the limit (ASan checks every access instead); the ones that need memory to run out
// are skipped.
const sanitized = /libasan/.test(process.env.LD_PRELOAD ?? '');
const clientScript = path.resolve(__dirname, 'client.mjs');
// Node 22 reserves about 10 GB of address space for WebAssembly's guard regions (its bundled
// undici instantiates llhttp), which no useful limit leaves room for; without the trap handler
// it bounds-checks instead.
const nodeFlags = process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler') ? ['--disable-wasm-trap-handler'] : [];

interface Status {
  VmSize: number;
  VmRSS: number;
  VmPeak: number;
}
interface CaseResult {
  opened: boolean;
  openError?: string;
  readyState: number;
  send?: string;
  events: { type: string; code: number | string; closeCode?: number; message?: string }[];
  messages: { binary: boolean; length: number; sha256: string }[];
}
interface RunResult {
  ready: { baseline: Status; status: Status };
  result: { baseline: Status; status: Status; echoesAtFinish: number; echoes: number; cases: Record<string, CaseResult> };
  /** what the peer did and received on a case's connection */
  peerOf(name: string): PeerConn;
}
interface Case {
  /** path and query on the peer */
  target: string;
  options?: Record<string, unknown>;
  send?: number;
}

let peer: HostilePeer;
beforeAll(async () => {
  peer = await startHostilePeer();
  if (!sanitized) startupKb = await bisectStartup();
  console.log(`${process.version}: the client starts under ulimit -v ${startupKb}`);
}, 120_000);
afterAll(async () => {
  await peer?.close();
});

const quoted = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts the client under `ulimit -v kb` (0: no limit) with `input` (JSON) as its argument. */
function spawnClient(kb: number, input: string, env: Record<string, string> = {}) {
  const limit = kb > 0 && !sanitized ? `ulimit -v ${kb}; ` : '';
  const argv = [process.execPath, ...nodeFlags, clientScript, input].map(quoted).join(' ');
  return spawn('bash', ['-c', `${limit}exec ${argv}`], {
    env: { ...process.env, ...env, CURLWS_DIST: dist },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Whether the client starts, opens its echo connection and finishes cleanly under `ulimit -v kb`. */
async function startsUnder(kb: number): Promise<boolean> {
  const child = spawnClient(kb, JSON.stringify({ echoUrl: `${peer.url}/echo?id=probe-${kb}`, cases: [] }));
  child.stdout.on('data', (d: Buffer) => {
    if (d.includes('READY ')) child.stdin.write('finish\n');
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return code === 0;
}

/**
 * The address space (kB) this Node needs to run the client with nothing but its echo
 * connection, to 25 MB. Node 20 needs about 780,000; the budgets below were set on it, and
 * `limitFor` moves them by what this Node needs more or less.
 */
const NODE20_STARTUP_KB = 780_000;
let startupKb = NODE20_STARTUP_KB;
async function bisectStartup(): Promise<number> {
  let lo = 400_000; // fails
  let hi = 4_000_000; // must work
  expect(await startsUnder(hi), `the client does not start under ulimit -v ${hi}`).toBe(true);
  while (hi - lo > 25_000) {
    const mid = Math.round((lo + hi) / 2);
    if (await startsUnder(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
/** The limit for a scenario written for Node 20's `node20Kb`, on this Node. */
const limitFor = (node20Kb: number): number => (node20Kb === 0 ? 0 : node20Kb + (startupKb - NODE20_STARTUP_KB));

/**
 * Runs the cases in one child process under `ulimit -v` (`node20Kb` moved to this Node by
 * `limitFor`; 0: no limit), waits until the peer has written everything for every case, and
 * returns what the child saw.
 */
async function run(node20Kb: number, cases: Record<string, Case>, env: Record<string, string> = {}): Promise<RunResult> {
  const tag = randomBytes(4).toString('hex');
  const list = Object.entries(cases).map(([name, c]) => {
    const id = `${name}-${tag}`;
    const sep = c.target.includes('?') ? '&' : '?';
    return { name, id, url: `${peer.url}${c.target}${sep}id=${id}`, options: c.options, send: c.send };
  });
  const input = JSON.stringify({
    echoUrl: `${peer.url}/echo?id=echo-${tag}`,
    cases: list.map(({ name, url, options, send }) => ({ id: name, url, options, send })),
  });
  const child = spawnClient(limitFor(node20Kb), input, env);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout });
  const line = (prefix: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const onLine = (l: string): void => {
        if (!l.startsWith(`${prefix} `)) return;
        lines.off('line', onLine);
        resolve(JSON.parse(l.slice(prefix.length + 1)));
      };
      lines.on('line', onLine);
      void exited.then((e) => reject(new Error(`client exited (${e.code ?? e.signal}) before ${prefix}:\n${stderr}`)));
    });
  const ready = (await line('READY')) as RunResult['ready'];
  await Promise.all(list.map((c) => peer.done(c.id)));
  child.stdin.write('finish\n');
  const result = (await line('RESULT')) as RunResult['result'];
  const { code, signal } = await exited;
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  // The echo connection kept working after every hostile byte had been sent.
  expect(result.echoes).toBeGreaterThanOrEqual(result.echoesAtFinish + 20);
  const ids = new Map(list.map((c) => [c.name, c.id]));
  return { ready, result, peerOf: (name) => peer.conn(ids.get(name)!)! };
}

const MiB = 1024 * 1024;
const TOO_BIG = { type: 'error', code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 };

/** The connection failed with `error` and then closed 1006, and the peer got our CLOSE code. */
function expectFailed(run: RunResult, name: string, error: { code: string; closeCode: number }): void {
  const r = run.result.cases[name]!;
  expect(r.opened, `${name}: opened`).toBe(true);
  expect(
    r.events.map(({ type, code, closeCode }) => ({ type, code, closeCode })),
    name,
  ).toEqual([
    { type: 'error', ...error },
    { type: 'close', code: 1006, closeCode: undefined },
  ]);
  expect(run.peerOf(name).closeCodes, `${name}: CLOSE code the peer received`).toEqual([error.closeCode]);
}

/** The connection did nothing wrong by the protocol: still open, no event. */
function expectOpen(run: RunResult, name: string): void {
  const r = run.result.cases[name]!;
  expect(r.opened, `${name}: opened`).toBe(true);
  expect(r.events, name).toEqual([]);
  expect(r.readyState, `${name}: readyState`).toBe(1);
}

describe('hostile peers: declared sizes never size an allocation', () => {
  it('2^31 bytes declared, 64 KiB sent, maxPayload 0, with 2.2 GB of address space to spare: survives, stays open', {
    timeout: 60_000,
  }, async () => {
    const r = await run(3_000_000, {
      huge: { target: `/declare?len=${2 ** 31}&send=${64 * 1024}`, options: { maxPayload: 0 } },
    });
    expectOpen(r, 'huge');
  });

  it('100 MiB declared at the default maxPayload, with 320 MB of address space to spare: survives, stays open', {
    timeout: 60_000,
  }, async () => {
    const r = await run(1_100_000, { d100: { target: `/declare?len=${100 * MiB}&send=${64 * 1024}` } });
    expectOpen(r, 'd100');
  });

  it('30 peers each declaring 100 MiB and sending 64 KiB, with 1.2 GB of address space to spare: all survive', {
    timeout: 60_000,
  }, async () => {
    const cases: Record<string, Case> = {};
    for (let i = 0; i < 30; i++) cases[`p${i}`] = { target: `/declare?len=${100 * MiB}&send=${64 * 1024}` };
    const r = await run(2_000_000, cases);
    for (const name of Object.keys(cases)) expectOpen(r, name);
    // Room is faulted in ahead only for bytes waiting on the socket, never for the 256 KiB
    // read-ahead (which would be 30 × ~0.5 MiB, +12 MiB measured) nor the claim (30 × 100 MiB).
    // Measured: +4.3 MiB.
    const { baseline, status } = r.result;
    console.log(`30 × 64 KiB of 100 MiB: VmRSS ${baseline.VmRSS} → ${status.VmRSS} kB`);
    if (!sanitized) expect((status.VmRSS - baseline.VmRSS) / 1024).toBeLessThan(9);
  });

  it('100 peers each declaring 100 MiB and sending 1 byte: the address space stays where it was', { timeout: 60_000 }, async () => {
    const cases: Record<string, Case> = {};
    for (let i = 0; i < 100; i++) cases[`p${i}`] = { target: `/declare?len=${100 * MiB}&send=1` };
    const r = await run(2_000_000, cases);
    for (const name of Object.keys(cases)) expectOpen(r, name);
    // Before: every connection reserved its 100 MiB (+10 GB of virtual memory).
    const { baseline, status } = r.result;
    const grownMiB = (status.VmSize - baseline.VmSize) / 1024;
    console.log(`100 × 100 MiB declared: VmSize ${baseline.VmSize} → ${status.VmSize} kB, VmRSS ${baseline.VmRSS} → ${status.VmRSS} kB`);
    if (!sanitized) expect(grownMiB).toBeLessThan(256);
    // A byte is not enough to have the read-ahead faulted in: 100 × 272 KiB would be 27 MiB.
    // Measured: +5.5 MiB.
    if (!sanitized) expect((status.VmRSS - baseline.VmRSS) / 1024).toBeLessThan(20);
  });

  it('large messages grown over many reads into memory faulted in ahead arrive intact; maxPayload holds at the byte', {
    timeout: 60_000,
  }, async () => {
    const r = await run(1_400_000, {
      // Exactly maxPayload: delivered. One byte more: refused at the header.
      at: { target: `/declare?len=${MiB}&send=${MiB}`, options: { maxPayload: MiB } },
      over: { target: `/declare?len=${MiB + 1}&send=${MiB + 1}`, options: { maxPayload: MiB } },
      // Past the 2 MiB huge-page size, and odd so the last page is partly used.
      big: { target: `/declare?len=${5 * MiB + 3}&send=${5 * MiB + 3}` },
      // 4 KiB per write: hundreds of reads, each growing or filling the block a little.
      trickle: { target: `/trickle?len=${MiB}&chunk=4096&every=1&total=${MiB}` },
    });
    const aBytes = (n: number) => createHash('sha256').update(Buffer.alloc(n, 0x61)).digest('hex');
    for (const [name, length] of [
      ['at', MiB],
      ['big', 5 * MiB + 3],
      ['trickle', MiB],
    ] as const) {
      expectOpen(r, name);
      expect(r.result.cases[name]!.messages, name).toEqual([{ binary: true, length, sha256: aBytes(length) }]);
    }
    expectFailed(r, 'over', TOO_BIG);
  });

  it('declared lengths at every encoding threshold, default maxPayload, with 320 MB of address space to spare', {
    timeout: 60_000,
  }, async () => {
    const r = await run(1_100_000, {
      // 7-bit, 16-bit and 64-bit length forms, one byte short of each frame: nothing is wrong yet.
      l125: { target: '/declare?len=125&send=124' },
      l126: { target: '/declare?len=126&send=125' },
      l65535: { target: '/declare?len=65535&send=65534' },
      l65536: { target: '/declare?len=65536&send=65535' },
      // Over maxPayload (100 MiB) as soon as the header is read.
      l2p32: { target: `/declare?len=${2 ** 32}&send=16` },
      l2p53: { target: `/declare?len=${2n ** 53n}&send=16` },
      l2p63m1: { target: `/declare?len=${2n ** 63n - 1n}&send=16` },
      // The top bit set: not a valid length at all (libcurl: "over 63 bits").
      l2p64m1: { target: `/declare?len=${2n ** 64n - 1n}&send=16` },
      // maxPayload 1000: a whole message of exactly 1000 bytes is fine, 1001 is not.
      at: { target: '/declare?len=1000&send=1000', options: { maxPayload: 1000 } },
      over: { target: '/declare?len=1001&send=16', options: { maxPayload: 1000 } },
    });
    for (const name of ['l125', 'l126', 'l65535', 'l65536']) expectOpen(r, name);
    for (const name of ['l2p32', 'l2p53', 'l2p63m1', 'l2p64m1', 'over']) expectFailed(r, name, TOO_BIG);
    expectOpen(r, 'at');
    expect(r.result.cases.at!.messages).toEqual([{ binary: true, length: 1000, sha256: expect.any(String) }]);
  });

  it('maxPayload 0: sizes beyond what JS can hold fail at the header, not when the bytes are in', { timeout: 60_000 }, async () => {
    const r = await run(1_100_000, {
      // A Buffer holds at most buffer.constants.MAX_LENGTH bytes (2^32 on Node 20).
      bin2p53: { target: `/declare?len=${2n ** 53n}&send=16`, options: { maxPayload: 0 } },
      bin2p63m1: { target: `/declare?len=${2n ** 63n - 1n}&send=16`, options: { maxPayload: 0 } },
      // More UTF-8 than the longest string could come from (3 bytes per UTF-16 unit at most).
      text2p32: { target: `/declare?len=${2 ** 32}&send=16&op=1`, options: { maxPayload: 0 } },
      // Within every limit: waits for its bytes.
      bin2p31: { target: `/declare?len=${2 ** 31}&send=16`, options: { maxPayload: 0 } },
    });
    for (const name of ['bin2p53', 'bin2p63m1', 'text2p32']) expectFailed(r, name, TOO_BIG);
    expect(r.result.cases.bin2p53!.events[0]!.message).toMatch(/largest Buffer/);
    expect(r.result.cases.text2p32!.events[0]!.message).toMatch(/longest string/);
    expectOpen(r, 'bin2p31');
  });

  it('a slow trickle into a 1 GiB frame reserves what arrived, not what was announced', { timeout: 60_000 }, async () => {
    const r = await run(1_400_000, {
      trickle: { target: `/trickle?len=${2 ** 30}&chunk=4096&every=2&total=${2 * MiB}`, options: { maxPayload: 0 } },
    });
    expectOpen(r, 'trickle');
    expect(r.peerOf('trickle').sent).toBeGreaterThanOrEqual(2 * MiB);
    // 2 MiB arrived after READY: the buffer holds about that (doubling), nowhere near the 1 GiB
    // the header claims. The bound leaves room for malloc arenas (64 MiB of address space each),
    // which glibc maps for the resolver's threads from READY on, and more of under contention
    // (a loaded machine showed 69 MiB against a bound of 64); a reservation of the claim is 1 GiB.
    if (!sanitized) expect((r.result.status.VmSize - r.ready.status.VmSize) / 1024).toBeLessThan(256);
  });

  it('a message of 200,000 small fragments: assembled when complete, refused at maxPayload', { timeout: 60_000 }, async () => {
    const r = await run(1_100_000, {
      complete: { target: '/fragments?n=100000&size=8' },
      tooMany: { target: '/fragments?n=200000&size=8&fin=0', options: { maxPayload: MiB } },
    });
    expectOpen(r, 'complete');
    expect(r.result.cases.complete!.messages.map((m) => m.length)).toEqual([800_000]);
    expectFailed(r, 'tooMany', TOO_BIG);
  });
});

describe.skipIf(sanitized)('hostile peers: memory that really runs out fails one connection', () => {
  // The peer sends 1.5 GB of a 2 GB frame; the client has about 700 MB to spare. Receiving
  // fails when the memory is gone: WS_ERR_OUT_OF_MEMORY with close 1011, and the echo goes on.
  it('a flood beyond the address space left: WS_ERR_OUT_OF_MEMORY, CLOSE 1011, the process lives on', { timeout: 60_000 }, async () => {
    const r = await run(1_800_000, {
      flood: { target: `/flood?len=${2 ** 31}&total=${1536 * MiB}`, options: { maxPayload: 0 } },
      bystander: { target: `/declare?len=${MiB}&send=1024` },
    });
    expectFailed(r, 'flood', { code: 'WS_ERR_OUT_OF_MEMORY', closeCode: 1011 });
    expect(r.result.cases.flood!.events[0]!.message).toMatch(/Out of memory while receiving a message/);
    expectOpen(r, 'bystander');
  });

  it('a send larger than the memory left: the send rejects, the connection fails with 1011', { timeout: 60_000 }, async () => {
    // The 600 MB Buffer fits; its framed copy in the send queue does not.
    const r = await run(1_800_000, {
      big: { target: '/idle', send: 600 * MiB },
      bystander: { target: `/declare?len=${MiB}&send=1024` },
    });
    expect(r.result.cases.big!.send).toBe('WS_ERR_OUT_OF_MEMORY');
    expectFailed(r, 'big', { code: 'WS_ERR_OUT_OF_MEMORY', closeCode: 1011 });
    expectOpen(r, 'bystander');
  });
});

describe('text longer than a JS string can be (limit lowered with CURLWS_TEST_MAX_STRING_LENGTH)', () => {
  it('fails the connection with WS_ERR_MESSAGE_TOO_BIG / 1009; the messages before it in the batch are delivered', {
    timeout: 60_000,
  }, async () => {
    const r = await run(
      0,
      {
        small: { target: '/texts?big=1500' }, // below 64 KiB: the batch's shared text
        large: { target: '/texts?big=100000' }, // a block of its own
        emoji: { target: '/texts?big=1200&kind=emoji' }, // 2,400 bytes, 1,200 UTF-16 units
        fits: { target: '/texts?big=1000' }, // exactly the limit: delivered
      },
      { CURLWS_TEST_MAX_STRING_LENGTH: '1000' },
    );
    for (const name of ['small', 'large', 'emoji']) {
      const c = r.result.cases[name]!;
      expect(
        c.messages.map((m) => [m.binary, m.length]),
        name,
      ).toEqual([
        [false, 3],
        [false, 3],
        [true, 3],
      ]);
      expectFailed(r, name, TOO_BIG);
      expect(c.events[0]!.message, name).toMatch(/exceeds the longest string JavaScript can hold \(1000 characters\)/);
    }
    expectOpen(r, 'fits');
    expect(r.result.cases.fits!.messages.map((m) => m.length)).toEqual([3, 3, 3, 1000, 5]);
  });
});

/**
 * The workloads, grouped in suites. `n` is the full run's count, `quick` the --quick count.
 * kind: recv (server floods, client counts) | send (client sends, server counts bytes) |
 *       echo (one message in flight) | hs (sequential open+close) | rss (idle connections) |
 *       many (10,000 idle connections: opening, memory, closing)
 * `idle` ([full, quick]): connections opened first and left idle in the client's process.
 */
const KiB = 1024;
const MiB = 1024 * KiB;

const sizes = [
  { tag: '16B', size: 16, recv: [1_000_000, 100_000], send: [1_000_000, 50_000] },
  { tag: '1KiB', size: KiB, recv: [200_000, 20_000], send: [200_000, 20_000] },
  { tag: '1MiB', size: MiB, recv: [2_000, 100], send: [2_000, 50] },
  { tag: '64MiB', size: 64 * MiB, recv: [20, 2], send: [20, 2] },
];

function transfer(kind, tls) {
  return sizes.map((s) => ({
    id: `${tls ? 'wss-' : ''}${kind}-${s.tag}`,
    suite: tls ? 'tls' : kind === 'recv' ? 'receive' : 'send',
    kind,
    tls,
    size: s.size,
    n: s[kind][0],
    quick: s[kind][1],
    label: `${tls ? 'wss ' : ''}${kind === 'recv' ? 'receive' : 'send'} N × ${s.tag} (full N = ${s[kind][0].toLocaleString('en')})`,
  }));
}

/** Echo latency, 64 B and 16 KiB, over ws: or wss: (the same peer, one message in flight). */
function echo(tls) {
  return [
    { tag: '64B', text: '64 B', size: 64, n: 20_000, quick: 2_000 },
    { tag: '16KiB', text: '16 KiB', size: 16 * KiB, n: 10_000, quick: 1_000 },
  ].map((e) => ({
    id: `${tls ? 'wss-' : ''}echo-${e.tag}`,
    suite: 'echo',
    kind: 'echo',
    tls,
    size: e.size,
    n: e.n,
    quick: e.quick,
    label: `${tls ? 'wss ' : ''}echo round trip ${e.text} (p50 / p99)`,
  }));
}

/** Text received, for the wrappers that take text as a string or as bytes; only on request
 * (--only=text or an id), with --clients naming the clients to compare (e.g. curlws-compat,ws). */
const textReceive = [
  { tag: '16B', size: 16, n: 1_000_000, quick: 100_000 },
  { tag: '1KiB', size: KiB, n: 200_000, quick: 20_000 },
  { tag: '64KiB', size: 64 * KiB, n: 10_000, quick: 2_000 },
].map((s) => ({
  id: `recv-text-${s.tag}`,
  suite: 'text',
  onRequest: true,
  kind: 'recv',
  text: true,
  tls: false,
  size: s.size,
  n: s.n,
  quick: s.quick,
  label: `receive N × ${s.tag} text (full N = ${s.n.toLocaleString('en')})`,
}));

export const WORKLOADS = [
  ...transfer('recv', false),
  ...transfer('send', false),
  ...echo(false),
  {
    // What one connection's latency costs when the process holds many others: a per-call cost
    // that grows with the number of open connections (such as libcurl's connection lookup)
    // shows here and nowhere else.
    id: 'echo-64B-idle3k',
    suite: 'echo',
    kind: 'echo',
    tls: false,
    size: 64,
    n: 5_000,
    quick: 1_000,
    idle: [3_000, 500],
    label: 'echo round trip 64 B with 3,000 idle connections open (quick: 500) (p50 / p99)',
  },
  {
    id: 'handshake',
    suite: 'handshake',
    kind: 'hs',
    tls: false,
    size: 0,
    n: 1_000,
    quick: 100,
    label: 'sequential handshakes (open + close)',
  },
  {
    id: 'rss',
    suite: 'rss',
    kind: 'rss',
    tls: false,
    size: 0,
    n: 3_000,
    quick: 200,
    label: 'RSS per idle connection (N open at once, after GC)',
  },
  {
    id: 'conn-10k',
    suite: 'many',
    kind: 'many',
    tls: false,
    size: 0,
    n: 10_000,
    quick: 500,
    label: 'N idle connections in one process: handshakes/s (200 in flight), RSS, closing them all',
  },
  ...echo(true),
  ...transfer('recv', true),
  ...transfer('send', true),
  ...textReceive,
];

export const SUITES = ['receive', 'send', 'echo', 'handshake', 'rss', 'many', 'tls', 'text'];

/**
 * The figures each kind reports. `primary` is the one ratios and targets use; `better` says
 * which direction wins.
 */
export const METRICS = {
  recv: { primary: 'msgsPerSec', better: 'higher', unit: 'msg/s' },
  send: { primary: 'msgsPerSec', better: 'higher', unit: 'msg/s' },
  echo: { primary: 'p50', better: 'lower', unit: 'µs' },
  hs: { primary: 'perSec', better: 'higher', unit: 'handshakes/s' },
  rss: { primary: 'rssPerConnKiB', better: 'lower', unit: 'KiB/conn' },
  many: { primary: 'perSec', better: 'higher', unit: 'handshakes/s' },
};

/** Derived figures of one client run. */
export function derive(kind, r) {
  const s = r.elapsedMs / 1000;
  const out = {};
  if (kind === 'recv' || kind === 'send') {
    out.msgsPerSec = r.msgs / s;
    out.MBps = r.bytes / s / 1e6;
    out.cpuMs = r.cpuMs;
    out.msgsPerCpuSec = r.msgs / (r.cpuMs / 1000);
  } else if (kind === 'echo') {
    out.p50 = r.p50;
    out.p99 = r.p99;
    out.cpuMs = r.cpuMs;
  } else if (kind === 'hs') {
    out.perSec = r.msgs / s;
    out.cpuMs = r.cpuMs;
  } else if (kind === 'rss') {
    out.rssPerConnKiB = r.rssPerConnKiB;
    // The slope between N/3 and N connections: one-off growth (a larger young generation, code,
    // malloc arenas) cancels out. Far from the average = something else than the connections grew.
    if (r.marginalKiB !== undefined) out.marginalKiB = r.marginalKiB;
    if (r.heapKiB !== undefined) out.heapKiB = r.heapKiB;
    if (r.externalKiB !== undefined) out.externalKiB = r.externalKiB;
  } else if (kind === 'many') {
    out.perSec = r.msgs / (r.openMs / 1000);
    out.openMs = r.openMs;
    out.rssPerConnKiB = r.rssPerConnKiB;
    out.closeMs = r.closeMs;
    out.cpuMs = r.cpuMs;
  }
  if (r.peerCpuMs !== undefined) out.peerCpuMs = r.peerCpuMs;
  if (r.maxRssMiB !== undefined) out.maxRssMiB = r.maxRssMiB;
  return out;
}

/** The targets for curlws, per kind: [metric, against, min ratio (higher) / max (lower)]. */
export const TARGETS = {
  recv: [
    ['msgsPerSec', 'ws', 1.5],
    ['msgsPerSec', 'undici', 1.5],
  ],
  send: [
    ['msgsPerSec', 'ws', 1.2],
    ['msgsPerSec', 'undici', 1.2],
  ],
  echo: [
    ['p50', 'ws', 1],
    ['p99', 'ws', 1],
    ['p50', 'undici', 1],
    ['p99', 'undici', 1],
  ],
  hs: [['perSec', 'ws', 1]],
  rss: [['rssPerConnKiB', 'ws', 1]],
  many: [
    ['perSec', 'ws', 1.2],
    ['rssPerConnKiB', 'ws', 1],
    ['closeMs', 'ws', 1],
  ],
};

export const LOWER_IS_BETTER = new Set([
  'p50',
  'p99',
  'rssPerConnKiB',
  'marginalKiB',
  'heapKiB',
  'externalKiB',
  'cpuMs',
  'maxRssMiB',
  'closeMs',
  'peerCpuMs',
  'openMs',
]);

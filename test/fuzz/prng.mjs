// Seeded PRNG for the fuzz test: every random choice (server and client side) comes from a
// generator derived from the run's seed and the connection's index, so a seed replays the same
// scenario per connection. (Socket timing still varies between runs; the choices do not.)

/** A 32-bit hash of the inputs (murmur3 finalizer over a running mix). */
export function deriveSeed(...parts) {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for test choices. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** float in [0, 1) */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [lo, hi] */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p) {
    return this.next() < p;
  }

  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }

  /** picks a key of `{ name: weight }` with probability proportional to its weight */
  weighted(table) {
    const entries = Object.entries(table);
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1][0];
  }

  bytes(n) {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (this.next() * 256) | 0;
    return b;
  }

  /** a size skewed towards small values, occasionally up to `max` */
  size(max) {
    const r = this.next();
    if (r < 0.6) return this.int(0, 125);
    if (r < 0.85) return this.int(126, 4096);
    if (r < 0.97) return this.int(4097, 70000);
    return this.int(70001, max);
  }

  /** valid UTF-8 text of about `n` bytes, mixing 1- to 4-byte code points */
  text(n) {
    const parts = [];
    let bytes = 0;
    while (bytes < n) {
      const k = this.next();
      if (k < 0.7) {
        parts.push(String.fromCharCode(this.int(0x20, 0x7e)));
        bytes += 1;
      } else if (k < 0.85) {
        parts.push(String.fromCharCode(this.int(0xa0, 0x7ff)));
        bytes += 2;
      } else if (k < 0.95) {
        parts.push(String.fromCharCode(this.int(0x800, 0xd7ff)));
        bytes += 3;
      } else {
        parts.push(String.fromCodePoint(this.int(0x10000, 0x10ffff)));
        bytes += 4;
      }
      // long texts: repeat a random 1 KB stretch, which is plenty random and cheap
      if (n > 4096 && bytes >= 1024) {
        const chunk = parts.join('');
        return chunk.repeat(Math.ceil(n / bytes));
      }
    }
    return parts.join('');
  }
}

/** A fresh random seed (printed by the runner so the run can be replayed). */
export function randomSeed() {
  return (Math.random() * 4294967296) >>> 0;
}

/**
 * Shared checks for option objects: unknown keys with a did-you-mean, integers in range, and the
 * object test. One message template for all of them (see errors.ts).
 */
import { codedError, invalidArgType, outOfRange } from './errors';

/**
 * Reject unknown keys, suggesting the closest known one (typos are the usual cause).
 * @param moved - keys that exist one level down, by their full path (`rejectUnauthorized` →
 *   `tls.rejectUnauthorized`): the hint for a key put at the wrong level (an exact match wins
 *   over a typo of a known key)
 */
export function checkKeys(where: string, obj: object, known: readonly string[], moved: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    // Report paths without the "options." prefix: `Unknown option "tls.cA"; did you mean "tls.ca"?`
    const prefix = where === 'options' ? '' : `${where.slice('options.'.length)}.`;
    if (Object.hasOwn(moved, key)) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `Unknown option "${prefix}${key}"; did you mean "${prefix}${moved[key]}"?`);
    }
    const hint = suggest(key, known);
    const message = `Unknown option "${prefix}${key}"` + (hint ? `; did you mean "${prefix}${hint}"?` : '');
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', message);
  }
}

/** The known key equal ignoring case, else the nearest within edit distance 2. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = levenshtein(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, substitution);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A non-null, non-array object (class instances allowed, as `ws` allows them). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An integer in 0…max, or `fallback` when undefined. */
export function integer(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw invalidArgType(name, 'an integer', value);
  }
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw outOfRange(name, `an integer from 0 to ${max}`, value);
  }
  return value;
}

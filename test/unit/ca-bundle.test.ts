import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caBundleFile, defaultCaBundle } from '../../lib/ca-bundle.js';

describe('caBundleFile', () => {
  it('writes the bundle once to a private file and returns the same path for the same buffer', () => {
    const bundle = defaultCaBundle();
    const file = caBundleFile(bundle);
    expect(file).toBeTypeOf('string');
    expect(readFileSync(file!).equals(bundle)).toBe(true);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file!)).mode & 0o777).toBe(0o700);
    expect(caBundleFile(bundle)).toBe(file);
  });

  it('gives equal contents the same file (libcurl caches the store by path) and different contents another', () => {
    const a = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nA\n'));
    const a2 = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nA\n'));
    const b = caBundleFile(Buffer.from('-----BEGIN CERTIFICATE-----\nB\n'));
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
  });
});

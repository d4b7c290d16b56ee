/**
 * The libcurl the addon runs on is the one scripts/libcurl.pin names: a bump of the pin that
 * was not rebuilt (or a stale build/ or prebuild) is caught here, not by a behaviour change.
 * With CURLWS_LIBCURL=system the system libcurl is used on purpose; it only has to be new enough.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { version as curlVersion, versionInfo as curlVersionInfo } from '../../lib/curl.js';
import { binding } from '../../lib/core/native.js';

const pin = /^CURL_VERSION=(\S+)$/m.exec(readFileSync(path.join(__dirname, '../../scripts/libcurl.pin'), 'utf8'))?.[1];
const system = process.env.CURLWS_LIBCURL === 'system';

describe('the loaded libcurl', () => {
  it('the pin names a version', () => {
    expect(pin).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.skipIf(system)('is the pinned version (versions, curl_version(), version_num)', () => {
    const [major, minor, patch] = (pin as string).split('.').map(Number) as [number, number, number];
    expect(binding.versions.libcurl).toBe(pin);
    expect(binding.versions.versionNum).toBe((major << 16) | (minor << 8) | patch);
    expect(curlVersion()).toMatch(new RegExp(`^libcurl/${(pin as string).replace(/\./g, '\\.')} `));
    expect(curlVersionInfo().version).toBe(pin);
  });

  it.runIf(system)('(system libcurl) is at least 8.14.1 with ws and wss', () => {
    expect(binding.versions.versionNum).toBeGreaterThanOrEqual(0x080e01);
    expect(binding.versions.protocols).toEqual(expect.arrayContaining(['ws', 'wss']));
  });
});

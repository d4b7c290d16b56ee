import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import the package by name, as users do; in-process tests use the source (the
  // config is loaded from the repository root, vitest's root)
  resolve: { alias: { 'curlws/curl': path.resolve('lib/curl.ts') } },
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/native/**/*.test.ts',
      'test/compat/**/*.test.ts',
      'test/cli/**/*.test.ts',
      'test/curl/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/hostile/**/*.test.ts',
      // The fuzzing server's own permessage-deflate grading (the curlws conformance run itself is
      // `npm run test:conformance`).
      'test/conformance/deflate-cases.test.ts',
    ],
    globalSetup: ['test/setup/global-setup.ts'],
    // scripts/asan.sh: LeakSanitizer after each file (vitest's workers never exit normally)
    setupFiles: process.env.CURLWS_LSAN_CHECK ? ['test/setup/lsan-check.ts'] : [],
    // Native addon + real sockets: forks isolate crashes to one worker and make teardown observable.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

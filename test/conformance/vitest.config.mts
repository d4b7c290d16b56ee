import { defineConfig } from 'vitest/config';

// The conformance run is slow-ish (~15 s) and prints a long table, so it is not part of the default
// `vitest run` (the root config only includes unit/integration/native). Run it with:
//   npx vitest run --config test/conformance/vitest.config.mts
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
  },
});

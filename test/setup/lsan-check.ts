/**
 * vitest setupFile used by scripts/asan.sh (CURLWS_LSAN_CHECK=1): after each test file, asks the
 * ASan build of the addon to run LeakSanitizer. vitest ends its worker processes without a normal
 * exit, so LSan's own at-exit check never runs there; leaks go to ASan's log, which
 * scripts/asan-report.mjs reads. A no-op with a normal build (leakCheck() returns null).
 */
import { afterAll } from 'vitest';
import { binding } from '../../lib/core/native.js';

afterAll(() => {
  binding.leakCheck();
});

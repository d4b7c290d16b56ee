// Internal hooks for leak checks (test/fuzz, scripts/soak.mjs, scripts/asan.sh). Not public API.
//
//   diagnostics() → { uvHandles, sessions }: the uv handles the environment's Engine has open
//     and the Sessions registered. Idle baseline: 2 handles (the engine's "soon" timer and the
//     multi's timer), 0 sessions. Node's process.getActiveResourcesInfo() cannot see these
//     handles (the addon creates them with libuv directly), so without this a leaked
//     uv_poll/uv_timer would only show up as a process that never exits.
//   leakCheck() → number | null: in an AddressSanitizer build, runs LeakSanitizer now
//     (__lsan_do_recoverable_leak_check; 1 = leaks found, reported to ASan's log); null in a
//     normal build. For processes that never reach a normal exit, where LSan would run by itself
//     (vitest's worker processes are ended without one).
//
// Threading: JS thread of the environment; reads the Engine's counters, holds nothing.
#ifndef CURLWS_NATIVE_DIAGNOSTICS_H_
#define CURLWS_NATIVE_DIAGNOSTICS_H_

#include <napi.h>

namespace curlws {

// Adds diagnostics() and leakCheck() to the addon's exports.
void DefineDiagnostics(Napi::Env env, Napi::Object exports);

}  // namespace curlws

#endif  // CURLWS_NATIVE_DIAGNOSTICS_H_

// Internal counters for leak checks (test/fuzz, scripts/soak.mjs): how many uv handles the
// environment's Engine has open and how many Sessions are registered. Node's
// process.getActiveResourcesInfo() cannot see these handles (the addon creates them with libuv
// directly), so without this a leaked uv_poll/uv_timer would only show up as a process that
// never exits.
//
// Threading: JS thread of the environment; reads the Engine's counters, holds nothing.
#ifndef CURLWS_NATIVE_DIAGNOSTICS_H_
#define CURLWS_NATIVE_DIAGNOSTICS_H_

#include <napi.h>

namespace curlws {

// JS: diagnostics() → { uvHandles, sessions }. Idle baseline: 2 handles (the engine's "soon"
// timer and the multi's timer), 0 sessions. Not public API.
Napi::Value Diagnostics(const Napi::CallbackInfo& info);

}  // namespace curlws

#endif  // CURLWS_NATIVE_DIAGNOSTICS_H_

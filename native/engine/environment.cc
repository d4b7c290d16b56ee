#include "engine/environment.h"

#include <uv.h>

namespace curlws {

Environment::Environment(Napi::Env env) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop)
    throw Napi::Error::New(env, "curlws: no libuv loop for this environment");
  engine_ = new Engine(env, loop);
  if (!engine_->multi().ok() || !engine_->InstallCleanupHook()) {
    delete engine_;
    engine_ = nullptr;
    throw Napi::Error::New(env, "curlws: could not set up the libcurl multi handle");
  }
}

}  // namespace curlws

// Per-environment addon state (Napi::Addon): the JS dispatcher, the Session constructor and
// the Engine. Created once per environment (main thread, each worker); nothing is static
// except the process-wide curl_global_init guard.
#ifndef CURLWS_NATIVE_ADDON_H_
#define CURLWS_NATIVE_ADDON_H_

#include <napi.h>

#include <cstdint>

#include "engine/ca_file.h"
#include "engine/engine.h"

namespace curlws {

class Addon : public Napi::Addon<Addon> {
 public:
  // The largest values this JS engine can hold, set by JS at load (setLimits): messages beyond
  // them are refused when their size is known, instead of failing (or aborting) when their JS
  // value is made. Until set, nothing is refused.
  struct Limits {
    uint64_t max_string_length = UINT64_MAX;  // UTF-16 code units (buffer.constants)
    uint64_t max_buffer_length = UINT64_MAX;  // bytes
  };

  Addon(Napi::Env env, Napi::Object exports);

  // nullptr once the environment is being torn down (the engine frees itself then).
  Engine* engine() const { return engine_ && !engine_->shutting_down() ? engine_ : nullptr; }
  const Napi::FunctionReference& dispatcher() const { return dispatcher_; }
  const Limits& limits() const { return limits_; }

 private:
  Napi::Value SetDispatcher(const Napi::CallbackInfo& info);
  Napi::Value CaFile(const Napi::CallbackInfo& info);
  Napi::Value SetLimits(const Napi::CallbackInfo& info);
  static Napi::Object Versions(Napi::Env env);

  Engine* engine_ = nullptr;  // owned by itself: freed by its async cleanup hook
  Napi::FunctionReference dispatcher_;
  CaFiles ca_files_;  // in-memory CA files of this environment (ca_file.h)
  Limits limits_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_ADDON_H_

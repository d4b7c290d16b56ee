// Per-environment state: the Engine, the JS dispatcher, the in-memory CA files and the JS
// engine's size limits. One Environment per Node environment (main thread, each worker), made
// by the module's registration (addon.cc) and held as the environment's instance data, which
// deletes it when the environment goes away. Everything that needs this environment's state
// (Session, Easy, diagnostics) finds it with Environment::Of(env): nothing here is static.
//
// Threading: loop thread of its environment only.
#ifndef CURLWS_NATIVE_ENGINE_ENVIRONMENT_H_
#define CURLWS_NATIVE_ENGINE_ENVIRONMENT_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/ca_file.h"
#include "engine/engine.h"

namespace curlws {

class Environment {
 public:
  // The largest values this JS engine can hold, set by JS at load (setLimits): messages beyond
  // them are refused when their size is known, instead of failing (or aborting) when their JS
  // value is made. Until set, nothing is refused.
  struct Limits {
    uint64_t max_string_length = UINT64_MAX;  // UTF-16 code units (buffer.constants)
    uint64_t max_buffer_length = UINT64_MAX;  // bytes
  };

  // Starts this environment's Engine on its libuv loop; throws Napi::Error if it cannot.
  explicit Environment(Napi::Env env);
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // The state of `env`; nullptr before the module registered it.
  static Environment* Of(Napi::Env env) { return env.GetInstanceData<Environment>(); }

  // nullptr once the environment is being torn down (the engine frees itself then).
  Engine* engine() const { return engine_ && !engine_->shutting_down() ? engine_ : nullptr; }

  const Napi::FunctionReference& dispatcher() const { return dispatcher_; }
  void set_dispatcher(Napi::Function fn) { dispatcher_ = Napi::Persistent(fn); }

  const Limits& limits() const { return limits_; }
  Limits& mutable_limits() { return limits_; }

  // The name of a new in-memory file holding `bundle`, or '' (ca_file.h).
  std::string CreateCaFile(const char* bundle, size_t len) { return ca_files_.Create(bundle, len); }

 private:
  Engine* engine_ = nullptr;  // owned by itself: freed by its async cleanup hook
  Napi::FunctionReference dispatcher_;
  CaFiles ca_files_;  // in-memory CA files of this environment
  Limits limits_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_ENGINE_ENVIRONMENT_H_

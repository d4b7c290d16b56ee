// Per-environment addon state (Napi::Addon): the JS dispatcher, the Session constructor and
// the Engine. Created once per environment (main thread, each worker); nothing is static
// except the process-wide curl_global_init guard.
#ifndef CURLWS_NATIVE_ADDON_H_
#define CURLWS_NATIVE_ADDON_H_

#include <napi.h>

#include "ca_file.h"
#include "engine.h"

namespace curlws {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);

  // nullptr once the environment is being torn down (the engine frees itself then).
  Engine* engine() const { return engine_ && !engine_->shutting_down() ? engine_ : nullptr; }
  const Napi::FunctionReference& dispatcher() const { return dispatcher_; }

 private:
  Napi::Value SetDispatcher(const Napi::CallbackInfo& info);
  Napi::Value CaFile(const Napi::CallbackInfo& info);
  static Napi::Object Versions(Napi::Env env);

  Engine* engine_ = nullptr;  // owned by itself: freed by its async cleanup hook
  Napi::FunctionReference dispatcher_;
  CaFiles ca_files_;  // in-memory CA files of this environment (ca_file.h)
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_ADDON_H_

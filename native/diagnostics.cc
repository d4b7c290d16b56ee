#include "diagnostics.h"

#include "addon.h"

namespace curlws {

Napi::Value Diagnostics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = env.GetInstanceData<Addon>();
  Engine* engine = addon ? addon->engine() : nullptr;
  Napi::Object o = Napi::Object::New(env);
  o.Set("uvHandles", Napi::Number::New(env, engine ? static_cast<double>(engine->open_handles()) : 0));
  o.Set("sessions", Napi::Number::New(env, engine ? static_cast<double>(engine->live_sessions()) : 0));
  return o;
}

}  // namespace curlws

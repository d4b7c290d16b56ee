#include "engine/diagnostics.h"

#include "engine/engine.h"
#include "engine/environment.h"
#include "memory/curl_memory.h"
#include "protocol/zlib_heap.h"
#include "session/session.h"

#if defined(__SANITIZE_ADDRESS__)
#define CURLWS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CURLWS_LSAN 1
#endif
#endif

#ifdef CURLWS_LSAN
extern "C" int __lsan_do_recoverable_leak_check();
#endif

namespace curlws {
namespace {

Napi::Value Diagnostics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Environment* environment = Environment::Of(env);
  Engine* engine = environment ? environment->engine() : nullptr;
  Napi::Object o = Napi::Object::New(env);
  o.Set("uvHandles",
        Napi::Number::New(env, engine ? static_cast<double>(engine->open_handles()) : 0));
  o.Set("sessions",
        Napi::Number::New(env, engine ? static_cast<double>(engine->live_sessions()) : 0));
  // permessage-deflate: bytes held by every zlib stream of the process (all environments).
  o.Set("zlibBytes", Napi::Number::New(env, static_cast<double>(ZlibHeap::ProcessLive())));
  return o;
}

Napi::Value LeakCheck(const Napi::CallbackInfo& info) {
#ifdef CURLWS_LSAN
  return Napi::Number::New(info.Env(), __lsan_do_recoverable_leak_check());
#else
  return info.Env().Null();
#endif
}

// Tests only: refuse (true) or allow again (false) libcurl's 64 KiB buffer chunks.
Napi::Value RefuseChunks(const Napi::CallbackInfo& info) {
  curlws::RefuseChunksForTest(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// Tests only: make a session's next timer fail (true) as if memory had run out, or not (false).
Napi::Value RefuseTimers(const Napi::CallbackInfo& info) {
  Engine::RefuseTimersForTest(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// Tests only: make the allocation of a session's error and close record fail (true) as if memory
// had run out, or not (false).
Napi::Value RefuseEndings(const Napi::CallbackInfo& info) {
  Session::RefuseEndingsForTest(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

}  // namespace

void DefineDiagnostics(Napi::Env env, Napi::Object exports) {
  exports.Set("diagnostics", Napi::Function::New(env, Diagnostics, "diagnostics"));
  exports.Set("leakCheck", Napi::Function::New(env, LeakCheck, "leakCheck"));
  exports.Set("refuseChunksForTest", Napi::Function::New(env, RefuseChunks, "refuseChunksForTest"));
  exports.Set("refuseTimersForTest", Napi::Function::New(env, RefuseTimers, "refuseTimersForTest"));
  exports.Set("refuseEndingsForTest",
              Napi::Function::New(env, RefuseEndings, "refuseEndingsForTest"));
}

}  // namespace curlws

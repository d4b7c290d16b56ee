// The module: registers curlws with Node and fills its exports. The per-environment state lives
// in engine/environment.h.
#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <string>

#include "easy/easy.h"
#include "engine/curl_api.h"
#include "engine/curl_options.h"
#include "engine/diagnostics.h"
#include "engine/environment.h"
#include "memory/curl_memory.h"
#include "session/session.h"

namespace curlws {
namespace {

// libcurl's global init is process-wide and only reference-counted: run it once, never clean
// it up from a worker (curl_global_cleanup is not safe while other threads use libcurl). It
// installs libcurl's memory functions (curl_memory.h), so nothing may call libcurl before it.
CURLcode GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = CurlGlobalInitWithCache(CURL_GLOBAL_DEFAULT); });
  return result;
}

bool HasProtocol(const curl_version_info_data* info, const char* name) {
  for (const char* const* p = info->protocols; p && *p; ++p)
    if (std::strcmp(*p, name) == 0) return true;
  return false;
}

// setDispatcher(fn): the function every session's events are delivered to.
Napi::Value SetDispatcher(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction())
    throw Napi::TypeError::New(info.Env(), "setDispatcher(fn): fn must be a function");
  Environment::Of(info.Env())->set_dispatcher(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// caFile(bundle: Buffer): the name of a new in-memory file holding the bundle, or '' (ca_file.h).
Napi::Value CaFile(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBuffer())
    throw Napi::TypeError::New(info.Env(), "caFile(bundle): bundle must be a Buffer");
  auto bundle = info[0].As<Napi::Buffer<char>>();
  return Napi::String::New(
      info.Env(), Environment::Of(info.Env())->CreateCaFile(bundle.Data(), bundle.Length()));
}

// setLimits({ maxStringLength, maxBufferLength }): positive integers; others keep the default.
Napi::Value SetLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "setLimits(limits): limits must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  Environment::Limits& limits = Environment::Of(env)->mutable_limits();
  auto read = [&](const char* key, uint64_t* out) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) return;
    double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 1 && d < 9007199254740992.0) *out = static_cast<uint64_t>(d);
  };
  read("maxStringLength", &limits.max_string_length);
  read("maxBufferLength", &limits.max_buffer_length);
  return env.Undefined();
}

Napi::Object Versions(Napi::Env env) {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  Napi::Object o = Napi::Object::New(env);
  o.Set("libcurl", info->version ? info->version : "");
  o.Set("versionNum", Napi::Number::New(env, info->version_num));
  o.Set("ssl", info->ssl_version ? info->ssl_version : "");
  o.Set("libz", info->libz_version ? info->libz_version : "");
  Napi::Array protocols = Napi::Array::New(env);
  uint32_t i = 0;
  for (const char* const* p = info->protocols; p && *p; ++p) protocols.Set(i++, *p);
  o.Set("protocols", protocols);
  Napi::Array features = Napi::Array::New(env);
  i = 0;
  if (info->age >= CURLVERSION_ELEVENTH && info->feature_names)
    for (const char* const* f = info->feature_names; *f; ++f) features.Set(i++, *f);
  o.Set("features", features);
  o.Set("napi", Napi::Number::New(env, NAPI_VERSION));
  return o;
}

// Called once per environment (main thread, each worker): checks the linked libcurl, makes
// this environment's state (deleted with the environment) and fills `exports`.
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (GlobalInit() != CURLE_OK) throw Napi::Error::New(env, "curlws: curl_global_init failed");
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (!HasProtocol(info, "ws") || !HasProtocol(info, "wss"))
    throw Napi::Error::New(env, std::string("curlws: the linked libcurl ") + info->version +
                                    " was built without WebSocket support (ws/wss); rebuild "
                                    "curlws with the bundled libcurl (npm run build)");
  if (info->version_num < 0x080E01)
    throw Napi::Error::New(env, std::string("curlws: libcurl ") + info->version +
                                    " is too old; 8.14.1 or newer is required");
  env.SetInstanceData(new Environment(env));

  exports.Set("setDispatcher", Napi::Function::New(env, SetDispatcher, "setDispatcher"));
  exports.Set("caFile", Napi::Function::New(env, CaFile, "caFile"));
  exports.Set("setLimits", Napi::Function::New(env, SetLimits, "setLimits"));
  exports.Set("Session", Session::Define(env));
  exports.Set("curlOption", Napi::Function::New(env, CurlOptionInfo, "curlOption"));
  exports.Set("Easy", Easy::Define(env));  // curlws/curl
  DefineCurlApi(env, exports);
  exports.Set("versions", Versions(env));
  DefineDiagnostics(env, exports);
  return exports;
}

}  // namespace

}  // namespace curlws

// The registration macro pastes the function's name into an identifier: it must be unqualified.
using curlws::Init;
NODE_API_MODULE(curlws, Init)

#include "addon.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <string>

#include "easy/easy.h"
#include "engine/curl_api.h"
#include "engine/curl_options.h"
#include "engine/diagnostics.h"
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

}  // namespace

Addon::Addon(Napi::Env env, Napi::Object exports) {
  if (GlobalInit() != CURLE_OK) throw Napi::Error::New(env, "curlws: curl_global_init failed");
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (!HasProtocol(info, "ws") || !HasProtocol(info, "wss"))
    throw Napi::Error::New(env, std::string("curlws: the linked libcurl ") + info->version +
                                    " was built without WebSocket support (ws/wss); rebuild "
                                    "curlws with the bundled libcurl (npm run build)");
  if (info->version_num < 0x080E01)
    throw Napi::Error::New(env, std::string("curlws: libcurl ") + info->version +
                                    " is too old; 8.14.1 or newer is required");

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop)
    throw Napi::Error::New(env, "curlws: no libuv loop for this environment");
  engine_ = new Engine(env, loop);
  if (!engine_->multi().ok() || !engine_->InstallCleanupHook()) {
    delete engine_;
    engine_ = nullptr;
    throw Napi::Error::New(env, "curlws: could not set up the libcurl multi handle");
  }

  DefineAddon(exports, {InstanceMethod("setDispatcher", &Addon::SetDispatcher),
                        InstanceMethod("caFile", &Addon::CaFile),
                        InstanceMethod("setLimits", &Addon::SetLimits)});
  exports.Set("Session", Session::Define(env));
  exports.Set("curlOption", Napi::Function::New(env, CurlOptionInfo, "curlOption"));
  exports.Set("Easy", Easy::Define(env));  // curlws/curl
  DefineCurlApi(env, exports);
  exports.Set("versions", Versions(env));
  DefineDiagnostics(env, exports);
}

Napi::Value Addon::SetDispatcher(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction())
    throw Napi::TypeError::New(info.Env(), "setDispatcher(fn): fn must be a function");
  dispatcher_ = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// caFile(bundle: Buffer): the name of a new in-memory file holding the bundle, or '' (ca_file.h).
Napi::Value Addon::CaFile(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBuffer())
    throw Napi::TypeError::New(info.Env(), "caFile(bundle): bundle must be a Buffer");
  auto bundle = info[0].As<Napi::Buffer<char>>();
  return Napi::String::New(info.Env(), ca_files_.Create(bundle.Data(), bundle.Length()));
}

// setLimits({ maxStringLength, maxBufferLength }): positive integers; others keep the default.
Napi::Value Addon::SetLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "setLimits(limits): limits must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  auto read = [&](const char* key, uint64_t* out) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) return;
    double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 1 && d < 9007199254740992.0) *out = static_cast<uint64_t>(d);
  };
  read("maxStringLength", &limits_.max_string_length);
  read("maxBufferLength", &limits_.max_buffer_length);
  return env.Undefined();
}

Napi::Object Addon::Versions(Napi::Env env) {
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

}  // namespace curlws

// The registration macros paste the class name into an identifier, so it must be unqualified.
using CurlwsAddon = curlws::Addon;
NODE_API_NAMED_ADDON(curlws, CurlwsAddon)

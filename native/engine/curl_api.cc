#include "engine/curl_api.h"

#include <curl/curl.h>

namespace curlws {
namespace {

Napi::Value StringOrNull(const Napi::Env& env, const char* s) {
  return s ? Napi::String::New(env, s) : env.Null();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), curl_version());
}

Napi::Array StringList(const Napi::Env& env, const char* const* list) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const char* const* p = list; p && *p; ++p) out.Set(i++, *p);
  return out;
}

// Every field of curl_version_info_data the linked libcurl's `age` says is present, under its
// C name.
Napi::Value VersionInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const curl_version_info_data* d = curl_version_info(CURLVERSION_NOW);
  Napi::Object o = Napi::Object::New(env);
  auto num = [&](const char* key, double v) { o.Set(key, Napi::Number::New(env, v)); };
  num("age", d->age);
  o.Set("version", StringOrNull(env, d->version));
  num("version_num", d->version_num);
  o.Set("host", StringOrNull(env, d->host));
  num("features", d->features);
  o.Set("ssl_version", StringOrNull(env, d->ssl_version));
  num("ssl_version_num", static_cast<double>(d->ssl_version_num));
  o.Set("libz_version", StringOrNull(env, d->libz_version));
  o.Set("protocols", StringList(env, d->protocols));
  if (d->age >= CURLVERSION_SECOND) {
    o.Set("ares", StringOrNull(env, d->ares));
    num("ares_num", d->ares_num);
  }
  if (d->age >= CURLVERSION_THIRD) o.Set("libidn", StringOrNull(env, d->libidn));
  if (d->age >= CURLVERSION_FOURTH) {
    num("iconv_ver_num", d->iconv_ver_num);
    o.Set("libssh_version", StringOrNull(env, d->libssh_version));
  }
  if (d->age >= CURLVERSION_FIFTH) {
    num("brotli_ver_num", d->brotli_ver_num);
    o.Set("brotli_version", StringOrNull(env, d->brotli_version));
  }
  if (d->age >= CURLVERSION_SIXTH) {
    num("nghttp2_ver_num", d->nghttp2_ver_num);
    o.Set("nghttp2_version", StringOrNull(env, d->nghttp2_version));
    o.Set("quic_version", StringOrNull(env, d->quic_version));
  }
  if (d->age >= CURLVERSION_SEVENTH) {
    o.Set("cainfo", StringOrNull(env, d->cainfo));
    o.Set("capath", StringOrNull(env, d->capath));
  }
  if (d->age >= CURLVERSION_EIGHTH) {
    num("zstd_ver_num", d->zstd_ver_num);
    o.Set("zstd_version", StringOrNull(env, d->zstd_version));
  }
  if (d->age >= CURLVERSION_NINTH) o.Set("hyper_version", StringOrNull(env, d->hyper_version));
  if (d->age >= CURLVERSION_TENTH) o.Set("gsasl_version", StringOrNull(env, d->gsasl_version));
  if (d->age >= CURLVERSION_ELEVENTH) o.Set("feature_names", StringList(env, d->feature_names));
#if LIBCURL_VERSION_NUM >= 0x080800
  if (d->age >= CURLVERSION_TWELFTH) o.Set("rtmp_version", StringOrNull(env, d->rtmp_version));
#endif
  return o;
}

Napi::Value Strerror(const Napi::CallbackInfo& info) {
  return Napi::String::New(
      info.Env(), curl_easy_strerror(static_cast<CURLcode>(info[0].ToNumber().Int32Value())));
}

}  // namespace

void DefineCurlApi(Napi::Env env, Napi::Object exports) {
  exports.Set("curlVersion", Napi::Function::New(env, Version, "curlVersion"));
  exports.Set("curlVersionInfo", Napi::Function::New(env, VersionInfo, "curlVersionInfo"));
  exports.Set("curlStrerror", Napi::Function::New(env, Strerror, "curlStrerror"));
}

}  // namespace curlws

#include "event_batch.h"

namespace curlws {

Napi::Value HeadersToJs(Napi::Env env, const HeaderList& headers) {
  Napi::Array out = Napi::Array::New(env, headers.size());
  uint32_t i = 0;
  for (const auto& h : headers) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, h.first));
    pair.Set(1u, Napi::String::New(env, h.second));
    out.Set(i++, pair);
  }
  return out;
}

Napi::Object ErrorToJs(Napi::Env env, const ErrorInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", info.code);
  o.Set("message", info.message);
  if (info.curl_code >= 0) o.Set("curlCode", Napi::Number::New(env, info.curl_code));
  if (info.status) {
    o.Set("status", Napi::Number::New(env, static_cast<double>(info.status)));
    o.Set("headers", HeadersToJs(env, info.headers));
  }
  if (info.close_code) o.Set("closeCode", Napi::Number::New(env, info.close_code));
  if (info.proxy_status)
    o.Set("proxyStatus", Napi::Number::New(env, static_cast<double>(info.proxy_status)));
  return o;
}

}  // namespace curlws

#include "easy/easy_info.h"

#include "engine/handles.h"

namespace curlws {
namespace {

Napi::Array Pair(const Napi::Env& env, CURLcode rc, Napi::Value value) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, rc));
  out.Set(1u, value);
  return out;
}

Napi::Array SlistToJs(const Napi::Env& env, const curl_slist* list) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const curl_slist* it = list; it; it = it->next) out.Set(i++, it->data ? it->data : "");
  return out;
}

}  // namespace

Napi::Value GetInfoToJs(const Napi::Env& env, CURL* easy, CURLINFO info) {
  // CURLINFO_PTR + 43 is the deprecated CURLINFO_TLS_SESSION (named, it warns).
  if (info == CURLINFO_TLS_SSL_PTR || info == static_cast<CURLINFO>(CURLINFO_PTR + 43) ||
      info == CURLINFO_PRIVATE)
    throw Napi::TypeError::New(env, "this CURLINFO is a native pointer and has no JS value");
  CURLcode rc = CURLE_OK;
  if (info == CURLINFO_CERTINFO) {
    curl_certinfo* certs = nullptr;
    rc = curl_easy_getinfo(easy, info, &certs);
    Napi::Array out = Napi::Array::New(env);
    if (rc == CURLE_OK && certs)
      for (int i = 0; i < certs->num_of_certs; i++) out.Set(i, SlistToJs(env, certs->certinfo[i]));
    return Pair(env, rc, out);
  }
  switch (info & CURLINFO_TYPEMASK) {
    case CURLINFO_STRING: {
      char* s = nullptr;
      rc = curl_easy_getinfo(easy, info, &s);
      return Pair(env, rc, s ? Napi::String::New(env, s) : env.Null());
    }
    case CURLINFO_LONG: {
      long v = 0;
      rc = curl_easy_getinfo(easy, info, &v);
      return Pair(env, rc, Napi::Number::New(env, static_cast<double>(v)));
    }
    case CURLINFO_DOUBLE: {
      double v = 0;
      rc = curl_easy_getinfo(easy, info, &v);
      return Pair(env, rc, Napi::Number::New(env, v));
    }
    case CURLINFO_SLIST: {
      curl_slist* list = nullptr;
      rc = curl_easy_getinfo(easy, info, &list);
      SlistPtr owned(list);  // CURLINFO_SSL_ENGINES and CURLINFO_COOKIELIST: the caller frees
      return Pair(env, rc, SlistToJs(env, list));
    }
    case CURLINFO_SOCKET: {
      curl_socket_t s = CURL_SOCKET_BAD;
      rc = curl_easy_getinfo(easy, info, &s);
      return Pair(env, rc,
                  Napi::Number::New(env, s == CURL_SOCKET_BAD ? -1 : static_cast<double>(s)));
    }
    case CURLINFO_OFF_T: {
      curl_off_t v = 0;
      rc = curl_easy_getinfo(easy, info, &v);
      return Pair(env, rc, Napi::Number::New(env, static_cast<double>(v)));
    }
    default: return Pair(env, CURLE_UNKNOWN_OPTION, env.Undefined());
  }
}

Napi::Value HeaderToJs(const Napi::Env& env, CURL* easy, const std::string& name, size_t index,
                       unsigned int origin, int request) {
  curl_header* h = nullptr;
  CURLHcode code = curl_easy_header(easy, name.c_str(), index, origin, request, &h);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, code));
  if (code != CURLHE_OK || !h) {
    out.Set(1u, env.Null());
    return out;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", h->name ? h->name : "");
  o.Set("value", h->value ? h->value : "");
  o.Set("amount", Napi::Number::New(env, static_cast<double>(h->amount)));
  o.Set("index", Napi::Number::New(env, static_cast<double>(h->index)));
  o.Set("origin", Napi::Number::New(env, h->origin));
  out.Set(1u, o);
  return out;
}

}  // namespace curlws

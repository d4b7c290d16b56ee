#include "session/handshake_info.h"

#include <openssl/ssl.h>

#include <utility>

#include "session/event_batch.h"

namespace curlws {

Napi::Object HandshakeInfoToJs(Napi::Env env, CURL* e, long status, const HeaderList& headers,
                               const std::string& protocol) {
  Napi::Object open = Napi::Object::New(env);
  open.Set("status", Napi::Number::New(env, static_cast<double>(status)));
  open.Set("headers", HeadersToJs(env, headers));
  open.Set("protocol", protocol);
  open.Set("extensions", "");
  char* text = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &text);
  open.Set("effectiveUrl", text ? text : "");

  Napi::Object addr = Napi::Object::New(env);
  long port = 0;
  text = nullptr;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &text);
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
  addr.Set("remoteAddress", text ? text : "");
  addr.Set("remotePort", Napi::Number::New(env, static_cast<double>(port)));
  text = nullptr;
  port = 0;
  curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &text);
  curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &port);
  addr.Set("localAddress", text ? text : "");
  addr.Set("localPort", Napi::Number::New(env, static_cast<double>(port)));
  open.Set("address", addr);

  Napi::Object timings = Napi::Object::New(env);
  const std::pair<const char*, CURLINFO> kTimings[] = {{"dns", CURLINFO_NAMELOOKUP_TIME_T},
                                                       {"connect", CURLINFO_CONNECT_TIME_T},
                                                       {"tls", CURLINFO_APPCONNECT_TIME_T},
                                                       {"firstByte", CURLINFO_STARTTRANSFER_TIME_T},
                                                       {"total", CURLINFO_TOTAL_TIME_T}};
  for (const auto& t : kTimings) {
    curl_off_t us = 0;
    curl_easy_getinfo(e, t.second, &us);
    timings.Set(t.first, Napi::Number::New(env, static_cast<double>(us)));
  }
  open.Set("timings", timings);
  return open;
}

void AddTlsInfo(Napi::Env env, CURL* easy, Napi::Object open) {
  // TLS version and cipher straight from OpenSSL's session: libcurl has no getinfo for them.
  if (!easy) return;
  curl_tlssessioninfo* tls = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &tls) != CURLE_OK || !tls ||
      tls->backend != CURLSSLBACKEND_OPENSSL || !tls->internals)
    return;
  SSL* ssl = static_cast<SSL*>(tls->internals);
  Napi::Object t = Napi::Object::New(env);
  t.Set("version", SSL_get_version(ssl));
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  t.Set("cipher", cipher ? SSL_CIPHER_get_name(cipher) : "");
  open.Set("tls", t);
}

}  // namespace curlws

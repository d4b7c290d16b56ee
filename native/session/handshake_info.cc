#include "session/handshake_info.h"

#include <openssl/ssl.h>

#include <utility>

namespace curlws {

Napi::Array HandshakeInfoToJs(Napi::Env env, CURL* e, long status, const HeaderList& headers,
                              const std::string& protocol, const std::string& extensions) {
  Napi::Array open = Napi::Array::New(env, kHsTotalUs + 1);
  auto number = [&](uint32_t field, double value) {
    open.Set(field, Napi::Number::New(env, value));
  };
  auto text = [&](uint32_t field, const char* value) { open.Set(field, value ? value : ""); };

  number(kHsStatus, static_cast<double>(status));
  std::string block;
  for (const auto& h : headers) {
    if (!block.empty()) block += '\0';
    block += h.first;
    block += '\0';
    block += h.second;
  }
  open.Set(kHsHeaders, Napi::String::New(env, block));
  open.Set(kHsProtocol, protocol);
  open.Set(kHsExtensions, extensions);

  char* value = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &value);
  text(kHsEffectiveUrl, value);
  long port = 0;
  value = nullptr;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &value);
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
  text(kHsRemoteAddress, value);
  number(kHsRemotePort, static_cast<double>(port));
  value = nullptr;
  port = 0;
  curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &value);
  curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &port);
  text(kHsLocalAddress, value);
  number(kHsLocalPort, static_cast<double>(port));

  const std::pair<HandshakeField, CURLINFO> kTimings[] = {
      {kHsDnsUs, CURLINFO_NAMELOOKUP_TIME_T},
      {kHsConnectUs, CURLINFO_CONNECT_TIME_T},
      {kHsTlsUs, CURLINFO_APPCONNECT_TIME_T},
      {kHsFirstByteUs, CURLINFO_STARTTRANSFER_TIME_T},
      {kHsTotalUs, CURLINFO_TOTAL_TIME_T}};
  for (const auto& t : kTimings) {
    curl_off_t us = 0;
    curl_easy_getinfo(e, t.second, &us);
    number(t.first, static_cast<double>(us));
  }
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
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  open.Set(static_cast<uint32_t>(kHsTlsVersion), Napi::String::New(env, SSL_get_version(ssl)));
  open.Set(static_cast<uint32_t>(kHsTlsCipher),
           Napi::String::New(env, cipher ? SSL_CIPHER_get_name(cipher) : ""));
}

}  // namespace curlws

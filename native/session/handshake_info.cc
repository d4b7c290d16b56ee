#include "session/handshake_info.h"

#include <openssl/ssl.h>

namespace curlws {

namespace {

constexpr CURLINFO kTimings[] = {CURLINFO_NAMELOOKUP_TIME_T, CURLINFO_CONNECT_TIME_T,
                                 CURLINFO_APPCONNECT_TIME_T, CURLINFO_STARTTRANSFER_TIME_T,
                                 CURLINFO_TOTAL_TIME_T};
static_assert(sizeof kTimings / sizeof kTimings[0] == kHsTotalUs - kHsDnsUs + 1,
              "one CURLINFO per timing field");

std::string Info(CURL* e, CURLINFO what) {
  char* value = nullptr;
  curl_easy_getinfo(e, what, &value);
  return value ? value : "";
}

long Long(CURL* e, CURLINFO what) {
  long value = 0;
  curl_easy_getinfo(e, what, &value);
  return value;
}

}  // namespace

HandshakeTls TlsInfoOf(CURL* easy) {
  // Straight from OpenSSL's session: libcurl has no getinfo for them.
  HandshakeTls out;
  curl_tlssessioninfo* tls = nullptr;
  if (!easy || curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &tls) != CURLE_OK || !tls ||
      tls->backend != CURLSSLBACKEND_OPENSSL || !tls->internals)
    return out;
  SSL* ssl = static_cast<SSL*>(tls->internals);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  out.version = SSL_get_version(ssl);
  out.cipher = cipher ? SSL_CIPHER_get_name(cipher) : "";
  return out;
}

HandshakeSnapshot SnapshotHandshake(CURL* e) {
  HandshakeSnapshot s;
  s.status = Long(e, CURLINFO_RESPONSE_CODE);
  s.headers = CollectHeaders(e, CURLH_1XX);
  s.url = Info(e, CURLINFO_EFFECTIVE_URL);
  s.remote_address = Info(e, CURLINFO_PRIMARY_IP);
  s.remote_port = Long(e, CURLINFO_PRIMARY_PORT);
  s.local_address = Info(e, CURLINFO_LOCAL_IP);
  s.local_port = Long(e, CURLINFO_LOCAL_PORT);
  for (size_t i = 0; i < sizeof kTimings / sizeof kTimings[0]; i++)
    curl_easy_getinfo(e, kTimings[i], &s.timings_us[i]);
  return s;
}

Napi::Array HandshakeToJs(Napi::Env env, const HandshakeSnapshot& s, HandshakeTls tls) {
  Napi::Array out = Napi::Array::New(env, tls.version ? kHsTlsCipher + 1 : kHsTotalUs + 1);
  auto number = [&](uint32_t field, double value) {
    out.Set(field, Napi::Number::New(env, value));
  };
  auto text = [&](uint32_t field, const std::string& value) {
    out.Set(field, Napi::String::New(env, value));
  };
  number(kHsStatus, static_cast<double>(s.status));
  std::string block;
  for (const auto& h : s.headers) {
    if (!block.empty()) block += '\0';
    block += h.first;
    block += '\0';
    block += h.second;
  }
  text(kHsHeaders, block);
  text(kHsEffectiveUrl, s.url);
  text(kHsRemoteAddress, s.remote_address);
  number(kHsRemotePort, static_cast<double>(s.remote_port));
  text(kHsLocalAddress, s.local_address);
  number(kHsLocalPort, static_cast<double>(s.local_port));
  for (uint32_t i = 0; i <= kHsTotalUs - kHsDnsUs; i++)
    number(kHsDnsUs + i, static_cast<double>(s.timings_us[i]));
  if (tls.version) {
    out.Set(static_cast<uint32_t>(kHsTlsVersion), Napi::String::New(env, tls.version));
    out.Set(static_cast<uint32_t>(kHsTlsCipher), Napi::String::New(env, tls.cipher));
  }
  return out;
}

}  // namespace curlws

// What the 'open' event tells JS about the handshake: status, headers, subprotocol, addresses,
// timings (CURLINFO_*), and for wss the TLS version and cipher (from OpenSSL's SSL*).
//
// Threading: loop thread, inside a HandleScope.
#ifndef CURLWS_NATIVE_HANDSHAKE_INFO_H_
#define CURLWS_NATIVE_HANDSHAKE_INFO_H_

#include <curl/curl.h>
#include <napi.h>

#include <string>

#include "protocol/handshake.h"

namespace curlws {

Napi::Object HandshakeInfoToJs(Napi::Env env, CURL* easy, long status, const HeaderList& headers,
                               const std::string& protocol);

// Adds `tls: { version, cipher }`. Needs the connection attached to the handle again, which
// libcurl does on the first curl_ws_recv after CURLMSG_DONE.
void AddTlsInfo(Napi::Env env, CURL* easy, Napi::Object open);

}  // namespace curlws

#endif  // CURLWS_NATIVE_HANDSHAKE_INFO_H_

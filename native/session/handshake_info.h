// What the 'open' event tells JS about the handshake: status, headers, subprotocol, addresses,
// timings (CURLINFO_*), and for wss the TLS version and cipher (from OpenSSL's SSL*).
//
// One flat array (indices: HandshakeField, mirrored by lib/core/contract.ts and compared with it
// by test/unit/event-enum.test.ts) with the headers as
// one string: an open connection keeps this record until its `handshake` is read, which most
// never do, so it is a handful of values rather than a tree of objects and strings per header.
//
// Threading: loop thread, inside a HandleScope.
#ifndef CURLWS_NATIVE_HANDSHAKE_INFO_H_
#define CURLWS_NATIVE_HANDSHAKE_INFO_H_

#include <curl/curl.h>
#include <napi.h>

#include <string>

#include "protocol/handshake.h"

namespace curlws {

enum HandshakeField : uint32_t {
  kHsStatus = 0,
  // name NUL value NUL name NUL value …: libcurl's header names and values are C strings, so
  // neither can hold a NUL.
  kHsHeaders = 1,
  kHsProtocol = 2,
  kHsExtensions = 3,
  kHsEffectiveUrl = 4,
  kHsRemoteAddress = 5,
  kHsRemotePort = 6,
  kHsLocalAddress = 7,
  kHsLocalPort = 8,
  kHsDnsUs = 9,  // CURLINFO_*_TIME_T, microseconds
  kHsConnectUs = 10,
  kHsTlsUs = 11,
  kHsFirstByteUs = 12,
  kHsTotalUs = 13,
  kHsTlsVersion = 14,  // wss with OpenSSL only (AddTlsInfo)
  kHsTlsCipher = 15,
};

Napi::Array HandshakeInfoToJs(Napi::Env env, CURL* easy, long status, const HeaderList& headers,
                              const std::string& protocol, const std::string& extensions);

// Adds the TLS version and cipher. Needs the connection attached to the handle again, which
// libcurl does on the first curl_ws_recv after CURLMSG_DONE.
void AddTlsInfo(Napi::Env env, CURL* easy, Napi::Object open);

}  // namespace curlws

#endif  // CURLWS_NATIVE_HANDSHAKE_INFO_H_

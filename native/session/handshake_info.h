// The record behind `connection.handshake`: status, headers, addresses, timings (CURLINFO_*),
// and for wss the TLS version and cipher (from OpenSSL's SSL*).
//
// Made on demand: most connections never read `handshake`, so 'open' carries only what it needs
// itself (the subprotocol and extension) and the record is read from libcurl when JS first asks
// (curl_easy_getinfo and curl_easy_header answer while the easy handle lives). If the handle is
// about to be freed (close, failure, teardown) and JS never asked, a native snapshot is taken
// then, so `handshake` answers after close with the same values.
//
// To JS it is one flat array (indices: HandshakeField, mirrored by lib/core/contract.ts and
// compared with it by test/unit/event-enum.test.ts) with the headers as one string. Protocol and
// Extensions are left unset: JS has them from 'open'.
//
// Threading: loop thread; HandshakeToJs inside a HandleScope.
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
  kHsTlsVersion = 14,  // wss with OpenSSL only (TlsInfoOf)
  kHsTlsCipher = 15,
};

// TLS version and cipher names. OpenSSL returns static strings for both (its version names and
// its cipher tables), so the pointers stay valid after the SSL* is gone.
struct HandshakeTls {
  const char* version = nullptr;  // null: not TLS, or not OpenSSL
  const char* cipher = nullptr;
};

// Needs the connection attached to the handle, which libcurl does again on the first
// curl_ws_recv after CURLMSG_DONE; later a failed connection may be detached, so the session
// takes these once, at open.
HandshakeTls TlsInfoOf(CURL* easy);

// The record's values as libcurl has them, copied out of the handle.
struct HandshakeSnapshot {
  long status = 0;
  HeaderList headers;  // the 101's, in order
  std::string url, remote_address, local_address;
  long remote_port = 0, local_port = 0;
  curl_off_t timings_us[5] = {0, 0, 0, 0, 0};  // kHsDnsUs … kHsTotalUs
};

// May throw std::bad_alloc.
HandshakeSnapshot SnapshotHandshake(CURL* easy);

Napi::Array HandshakeToJs(Napi::Env env, const HandshakeSnapshot& record, HandshakeTls tls);

}  // namespace curlws

#endif  // CURLWS_NATIVE_HANDSHAKE_INFO_H_

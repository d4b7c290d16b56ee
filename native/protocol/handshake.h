// The opening handshake checks libcurl leaves to the application (RFC 6455 §4.1): the key we
// send, and the validation of the 101 response (Upgrade, Connection, Sec-WebSocket-Accept, the
// chosen subprotocol and extensions).
//
// Ownership/threading: pure functions and value types; loop thread only because of the CURL*.
#ifndef CURLWS_NATIVE_HANDSHAKE_H_
#define CURLWS_NATIVE_HANDSHAKE_H_

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace curlws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A fresh Sec-WebSocket-Key: 16 random bytes from OpenSSL's CSPRNG (through the pooled draws
// of random_pool.h: one RAND_bytes call per 256 handshakes), base64-encoded.
// Returns an empty string if the RNG fails.
std::string MakeWebSocketKey();

// base64(SHA-1(key + RFC 6455 GUID)).
std::string ExpectedAccept(const std::string& key);

// The headers of the last response of the last request with the given origin
// (CURLH_1XX for the 101, CURLH_HEADER for a final response), in order.
HeaderList CollectHeaders(CURL* easy, unsigned int origin);

struct HandshakeFailure {
  std::string code;  // WS_ERR_* (empty = the response is acceptable)
  std::string message;
};

// Checks a 101 response. On success fills `protocol` and returns a failure with an empty code.
// `extensions_offered`: Sec-WebSocket-Extensions in the answer is judged by the caller (see
// protocol/deflate_negotiation.h); otherwise any non-empty value fails the handshake.
HandshakeFailure ValidateUpgradeResponse(const HeaderList& headers, const std::string& key,
                                         const std::vector<std::string>& offered,
                                         bool extensions_offered, std::string* protocol);

// Every value of the named header, in order (case-insensitive name).
std::vector<std::string> HeaderValues(const HeaderList& headers, const char* name);

}  // namespace curlws

#endif  // CURLWS_NATIVE_HANDSHAKE_H_

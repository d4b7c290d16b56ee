// The Session constructor's first argument: one flat array indexed by SessionInitField
// (mirrored by lib/core/contract.ts and compared with it by test/unit/event-enum.test.ts).
// Positions instead of ~20 named properties: each named read made V8 look a string key up, a
// measurable share of every handshake's CPU.
//
// lib/core/options.ts has validated every value already. InitReader checks each value's type
// again, so a wrong one (a direct call of the internal API, or a TS/C++ mismatch) is a TypeError
// naming the field, never a crash, an undefined-behaviour cast or a silent default.
//
// Threading: loop thread, inside the constructor's HandleScope.
#ifndef CURLWS_NATIVE_SESSION_INIT_H_
#define CURLWS_NATIVE_SESSION_INIT_H_

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace curlws {

enum SessionInitField : uint32_t {
  kInitUrl = 0,               // string: the serialized ws:/wss: URL
  kInitProtocols = 1,         // string[]: subprotocols offered
  kInitHeaders = 2,           // string[]: "Name: value" lines for CURLOPT_HTTPHEADER
  kInitHandshakeTimeout = 3,  // count, ms (0: none)
  kInitMaxPayload = 4,        // count, bytes (0: no limit)
  kInitCloseTimeout = 5,      // count, ms
  kInitCaFile = 6,            // string | undefined: PEM file for CURLOPT_(PROXY_)CAINFO
  kInitCaBundle = 7,          // Buffer | undefined: else PEM for CURLOPT_(PROXY_)CAINFO_BLOB
  kInitKeylog = 8,            // string | undefined: tls.keylog
  kInitCurlOptions = 9,       // [name, value][]: every other CURLOPT_*
  kInitVerbose = 10,          // count: 0, 1 or 2
  kInitPrivateDns = 11,       // boolean: a DNS cache of its own (CURLOPT_RESOLVE)
  kInitAutoPong = 12,         // boolean
  kInitTextAsBytes = 13,      // boolean: text messages reach JS as Buffers
  kInitDeflate = 14,          // boolean: offer permessage-deflate with the settings below
  kInitDeflateServerNoContextTakeover = 15,  // boolean
  kInitDeflateClientNoContextTakeover = 16,  // boolean | undefined (accept the server's choice)
  kInitDeflateServerMaxWindowBits = 17,      // integer: 0 not offered, else 8..15
  kInitDeflateClientMaxWindowBits = 18,      // integer: -1 not offered, 0 without a value
  kInitDeflateThreshold = 19,                // count, bytes
  kInitDeflateLevel = 20,                    // integer
  kInitDeflateMemLevel = 21,                 // integer
  kInitFieldCount = 22,
};

class InitReader {
 public:
  // Throws a TypeError unless `init` is an array of exactly kInitFieldCount entries.
  explicit InitReader(const Napi::Value& init);

  // Each throws a TypeError (code ERR_INVALID_ARG_TYPE) naming the field when the value is not
  // of the kind its name says.
  std::string String(SessionInitField field) const;
  // false (and `out` untouched) for undefined.
  bool OptionalString(SessionInitField field, std::string* out) const;
  // A number from 0 to 2^53; fractions are cut.
  uint64_t Count(SessionInitField field) const;
  int Int(SessionInitField field, int min, int max) const;  // an integer from min to max
  // A permessage-deflate *_max_window_bits: 8 to 15, or one of the integers from `lowest` to 0
  // that say how it is offered without a value (DeflateOffer).
  int WindowBits(SessionInitField field, int lowest) const;
  bool Bool(SessionInitField field) const;
  // -1 for undefined, else 0 or 1.
  int OptionalBool(SessionInitField field) const;
  Napi::Array Array(SessionInitField field) const;
  std::vector<std::string> Strings(SessionInitField field) const;  // a string[]
  // A Buffer, or an empty value for undefined.
  Napi::Value OptionalBuffer(SessionInitField field) const;

 private:
  Napi::Value Get(SessionInitField field) const { return init_.Get(static_cast<uint32_t>(field)); }
  [[noreturn]] void Wrong(SessionInitField field, const char* expected) const;

  Napi::Env env_;
  Napi::Array init_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_SESSION_INIT_H_

// Events for JS, collected during one uv callback and delivered in one call (design.md: one
// call into JS per readable event, not per message). The layout is a flat array of
// [type, a, b, c] quadruples; types must match lib/native.ts (NativeEvent).
//
// Ownership/threading: lives on the stack of a DispatchScope (session.cc), inside a
// Napi::HandleScope; loop thread only.
#ifndef CURLWS_NATIVE_EVENT_BATCH_H_
#define CURLWS_NATIVE_EVENT_BATCH_H_

#include <napi.h>

#include <cstdint>
#include <string>

#include "handshake.h"

namespace curlws {

enum class EventType : uint32_t {
  kOpen = 1,
  kMessage = 2,
  kPing = 3,
  kPong = 4,
  kSent = 5,
  kDrain = 6,
  kError = 7,
  kPeerClose = 8,
  kClosed = 9,
  kTrace = 10,
  kBinarySlice = 11,  // a: offset, b: length of a small binary message in the batch's arena
};

// What went wrong, as the TS layer turns it into an error class (lib/errors.ts).
struct ErrorInfo {
  std::string code;     // WS_ERR_*; empty when curl_code names the error
  std::string message;
  int curl_code = -1;   // CURLcode, -1 = none
  long status = 0;      // HTTP status of a refused handshake
  HeaderList headers;   // and its headers
  uint16_t close_code = 0;
  long proxy_status = 0;  // HTTP status of a refused proxy CONNECT
};

class EventBatch {
 public:
  explicit EventBatch(Napi::Env env) : env_(env), array_(Napi::Array::New(env)) {}

  void Add(EventType type, napi_value a = nullptr, napi_value b = nullptr,
           napi_value c = nullptr) {
    napi_value undefined = env_.Undefined();
    array_.Set(n_++, Napi::Number::New(env_, static_cast<double>(type)));
    array_.Set(n_++, a ? a : undefined);
    array_.Set(n_++, b ? b : undefined);
    array_.Set(n_++, c ? c : undefined);
  }
  // A small binary message: its bytes go to the batch's arena, delivered as ONE Buffer that JS
  // slices. One Buffer per message would cost an ArrayBuffer backing store each, which is what
  // dominated receiving small messages.
  void AddBinarySlice(const uint8_t* data, size_t len) {
    size_t offset = arena_.size();
    arena_.append(reinterpret_cast<const char*>(data), len);
    has_slices_ = true;
    Add(EventType::kBinarySlice, Napi::Number::New(env_, static_cast<double>(offset)),
        Napi::Number::New(env_, static_cast<double>(len)));
  }
  size_t arena_size() const { return arena_.size(); }

  size_t events() const { return n_ / 4; }
  bool empty() const { return n_ == 0; }
  // Hands out the array and the arena (undefined when empty), and starts anew.
  Napi::Array Take(Napi::Value* arena) {
    Napi::Array out = array_;
    array_ = Napi::Array::New(env_);
    n_ = 0;
    // Also for empty messages only: JS slices the arena for every BinarySlice event.
    *arena = has_slices_ ? Napi::Buffer<char>::Copy(env_, arena_.data(), arena_.size())
                         : env_.Undefined();
    arena_.clear();
    has_slices_ = false;
    return out;
  }
  Napi::Env env() const { return env_; }

 private:
  Napi::Env env_;
  Napi::Array array_;
  uint32_t n_ = 0;
  std::string arena_;
  bool has_slices_ = false;
};

Napi::Value HeadersToJs(Napi::Env env, const HeaderList& headers);
Napi::Object ErrorToJs(Napi::Env env, const ErrorInfo& info);

}  // namespace curlws

#endif  // CURLWS_NATIVE_EVENT_BATCH_H_

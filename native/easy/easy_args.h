// Helpers shared by the Easy (curlws/curl) source files: coded errors and byte arguments.
#ifndef CURLWS_NATIVE_EASY_ARGS_H_
#define CURLWS_NATIVE_EASY_ARGS_H_

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace curlws {
namespace easy_args {

// An Error with a stable `code` (ERR_CURL_*), which lib/curl/easy.ts turns into a CurlWsError.
inline Napi::Error CodedError(const Napi::Env& env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", code);
  return err;
}

// The bytes of a Buffer / Uint8Array / any ArrayBufferView argument.
inline void BytesOf(const Napi::Value& v, uint8_t** data, size_t* len) {
  if (!v.IsTypedArray() && !v.IsDataView())
    throw Napi::TypeError::New(v.Env(), "expected a Buffer or Uint8Array");
  napi_env env = v.Env();
  void* p = nullptr;
  size_t n = 0;
  if (v.IsTypedArray()) {
    napi_typedarray_type type;
    size_t length = 0;
    napi_value ab;
    size_t offset = 0;
    napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset);
    n = length * v.As<Napi::TypedArray>().ElementSize();
  } else {
    napi_value ab;
    size_t offset = 0;
    napi_get_dataview_info(env, v, &n, &p, &ab, &offset);
  }
  *data = static_cast<uint8_t*>(p);
  *len = n;
}

// The bytes of a JS buffer for one libcurl call (send, recv, wsSend, wsRecv). JS can run during
// such a call when a DEBUGFUNCTION is set (libcurl traces TLS records as it reads and writes), and
// JS can free an ArrayBuffer's memory then (`buffer.transfer()`, a postMessage transfer): libcurl
// would write into, or read from, freed memory. So while JS may run, the call works on a native
// copy, and what was received is copied back into what the buffer is after the call.
class IoBytes {
 public:
  enum class Direction { kSend, kReceive };
  IoBytes(const Napi::Value& v, Direction dir, bool js_may_run) : value_(v) {
    BytesOf(v, &data_, &len_);
    if (!js_may_run || len_ == 0) return;
    if (dir == Direction::kSend)
      copy_.assign(data_, data_ + len_);
    else
      copy_.resize(len_);
    data_ = copy_.data();
  }
  uint8_t* data() const { return data_; }
  size_t size() const { return len_; }
  // After a receive: the first `n` bytes into the JS buffer, as much of it as is left.
  void CopyBack(size_t n) const {
    if (copy_.empty() || n == 0) return;
    uint8_t* dest = nullptr;
    size_t room = 0;
    BytesOf(value_, &dest, &room);
    if (dest && room) std::memcpy(dest, copy_.data(), std::min({n, room, copy_.size()}));
  }

 private:
  Napi::Value value_;
  uint8_t* data_ = nullptr;
  size_t len_ = 0;
  std::vector<uint8_t> copy_;
};

}  // namespace easy_args
}  // namespace curlws

#endif  // CURLWS_NATIVE_EASY_ARGS_H_

// Helpers shared by the Easy (curlws/curl) source files: coded errors and byte arguments.
#ifndef CURLWS_NATIVE_EASY_ARGS_H_
#define CURLWS_NATIVE_EASY_ARGS_H_

#include <napi.h>

#include <cstdint>
#include <string>

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

}  // namespace easy_args
}  // namespace curlws

#endif  // CURLWS_NATIVE_EASY_ARGS_H_

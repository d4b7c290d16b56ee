// The libcurl callbacks of an Easy (curlws/curl) that call JS: CURLOPT_WRITEFUNCTION,
// CURLOPT_READFUNCTION, CURLOPT_HEADERFUNCTION and CURLOPT_DEBUGFUNCTION. They run synchronously
// inside libcurl (mostly from curl_multi_socket_action, also from curl_ws_send/recv called by JS),
// on purpose: curl_ws_meta() is only valid there and the return value steers the transfer.
//
// Rules they keep: a HandleScope per call; no C++ exception crosses libcurl's C frames; JS runs
// with a plain napi_call_function (no callback scope), so microtasks queued by the callback run
// later from Easy::RunSoon, never inside libcurl; a thrown exception is kept as the cause of
// the transfer's failure and the callback returns an error to libcurl.
#ifndef CURLWS_NATIVE_EASY_CALLBACKS_H_
#define CURLWS_NATIVE_EASY_CALLBACKS_H_

#include <curl/curl.h>
#include <napi.h>

#include <initializer_list>

#include "easy/easy.h"

namespace curlws {

class EasyCallbacks {
 public:
  static size_t Write(char* ptr, size_t size, size_t nmemb, void* userp);
  static size_t Header(char* ptr, size_t size, size_t nmemb, void* userp);
  // Installed on every handle; without a JS READFUNCTION it ends the upload (returns 0).
  static size_t Read(char* buffer, size_t size, size_t nitems, void* userp);
  static int Debug(CURL* handle, curl_infotype type, char* data, size_t size, void* userp);

 private:
  // Calls callback `which` of `self`; false if it threw, or JS cannot run (closed, teardown).
  static bool Invoke(Easy* self, Easy::Callback which, size_t argc, const napi_value* argv,
                     napi_value* result);
  static size_t Data(Easy* self, Easy::Callback which, char* ptr, size_t n);
  // A JS number returned by a callback as a count of at most `max`, or one of the codes in
  // `special` (CURL_WRITEFUNC_PAUSE, CURL_READFUNC_ABORT…); anything else is `invalid`.
  static size_t Count(const Napi::Value& v, size_t max, std::initializer_list<size_t> special,
                      size_t invalid);
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_EASY_CALLBACKS_H_

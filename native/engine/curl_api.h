// Process-wide libcurl functions for curlws/curl: curl_version(), curl_version_info() and
// curl_easy_strerror(). Stateless; loop thread of any environment.
#ifndef CURLWS_NATIVE_CURL_API_H_
#define CURLWS_NATIVE_CURL_API_H_

#include <napi.h>

namespace curlws {

// Adds curlVersion(), curlVersionInfo() and curlStrerror(code) to `exports`.
void DefineCurlApi(Napi::Env env, Napi::Object exports);

}  // namespace curlws

#endif  // CURLWS_NATIVE_CURL_API_H_

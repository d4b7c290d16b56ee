// curl_easy_getinfo and curl_easy_header results as JS values, for the low-level Easy.
// Both return [code, value]: the TS wrapper turns a non-zero CURLcode/CURLHcode into its error.
#ifndef CURLWS_NATIVE_EASY_INFO_H_
#define CURLWS_NATIVE_EASY_INFO_H_

#include <curl/curl.h>
#include <napi.h>

#include <string>

namespace curlws {

// Typed by CURLINFO_TYPEMASK: STRING → string|null, LONG/SOCKET/OFF_T/DOUBLE → number,
// SLIST → string[], CURLINFO_CERTINFO → string[][] (one array of "name:value" per certificate).
// Native pointers (TLS_SSL_PTR, TLS_SESSION, PRIVATE) are refused with a TypeError.
Napi::Value GetInfoToJs(const Napi::Env& env, CURL* easy, CURLINFO info);

// curl_easy_header(easy, name, index, origin, request) → [CURLHcode, { name, value, amount,
// index, origin } | null].
Napi::Value HeaderToJs(const Napi::Env& env, CURL* easy, const std::string& name, size_t index,
                       unsigned int origin, int request);

}  // namespace curlws

#endif  // CURLWS_NATIVE_EASY_INFO_H_

// Setting libcurl options by their CURLOPT_* names, typed by libcurl's own option table
// (curl_easy_option_by_name), so the TS layer can hand over any option it has validated —
// the high-level ones (tls, proxy, resolve, …) and the `curl: { CURLOPT_X: v }` escape hatch
// go through the same path.
//
// Ownership/threading: loop thread. Lists passed to libcurl by pointer (CURLOT_SLIST) must
// outlive the handle, so they are kept in the caller's `lists`.
#ifndef CURLWS_NATIVE_CURL_OPTIONS_H_
#define CURLWS_NATIVE_CURL_OPTIONS_H_

#include <curl/curl.h>
#include <napi.h>

#include <string>
#include <vector>

#include "engine/handles.h"

namespace curlws {

// JS: curlOption(name) → { id, type: 'long'|'values'|'off_t'|'string'|'slist'|'blob'|
// 'object'|'cbptr'|'function', alias: boolean } or null.
Napi::Value CurlOptionInfo(const Napi::CallbackInfo& info);

// Applies [[name, value], …] in order. On failure returns false with `error` naming the option.
// Values: number/boolean for long/values/off_t, string for string, string[] for slist, Buffer
// for blob; null clears a string, slist or blob. Callback and object options are refused, and so
// is a string holding CR, LF or NUL (IsWireSafe).
bool ApplyCurlOptions(CURL* easy, const Napi::Array& options, std::vector<SlistPtr>* lists,
                      std::string* error);

// False if `s` holds CR, LF or NUL. The TS layer refuses such strings with an error naming the
// option (lib/core/request-values.ts); this is the last line of defence before a string reaches
// libcurl, where CR/LF would start a new header and NUL would cut the C string short.
bool IsWireSafe(const std::string& s);

// The linked libcurl's entry for a CURLOPT_* name (with or without the prefix), or nullptr.
const curl_easyoption* LookupCurlOption(const std::string& name);

// Sets one option of a plain type (long, values, off_t, string, slist, blob) from a JS value,
// as ApplyCurlOptions does for each entry; `why` explains a type mismatch.
CURLcode SetCurlOption(CURL* easy, const curl_easyoption* opt, const Napi::Value& value,
                       std::vector<SlistPtr>* lists, std::string* why);

}  // namespace curlws

#endif  // CURLWS_NATIVE_CURL_OPTIONS_H_

// RAII owners for libcurl objects, and the rule for uv handles.
//
// Ownership/threading: everything here lives on the loop thread of one Node environment.
// uv handles are never owned by a smart pointer: they are heap-allocated, closed with uv_close
// and freed only in the close callback (see engine.h, Engine::CloseHandle), because libuv still
// touches a handle until its close callback has run.
#ifndef CURLWS_NATIVE_HANDLES_H_
#define CURLWS_NATIVE_HANDLES_H_

#include <curl/curl.h>

#include <memory>

namespace curlws {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct ShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};
// A share must outlive every easy handle that uses it: reset the EasyPtr first.
using SharePtr = std::unique_ptr<CURLSH, ShareDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends a line to a curl_slist held by an SlistPtr; returns false on allocation failure.
inline bool SlistAppend(SlistPtr& list, const char* line) {
  curl_slist* next = curl_slist_append(list.get(), line);
  if (!next) return false;
  list.release();
  list.reset(next);
  return true;
}

}  // namespace curlws

#endif  // CURLWS_NATIVE_HANDLES_H_

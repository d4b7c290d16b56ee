// What the Engine and the Multi need from anything that owns a CURL* in the environment's multi:
// the high-level Session and the low-level Easy (curlws/curl) both derive from it, so one engine
// (one multi, one "soon" timer, one teardown) serves both APIs.
//
// CURLOPT_PRIVATE of every handle added to the Multi is a Transfer* (cast explicitly: with
// multiple inheritance a Session* or Easy* is not the same address as its Transfer base).
//
// Threading: loop thread of the environment only.
#ifndef CURLWS_NATIVE_TRANSFER_H_
#define CURLWS_NATIVE_TRANSFER_H_

#include <curl/curl.h>

namespace curlws {

class Transfer {
 public:
  // CURLMSG_DONE for this handle, from Multi::ProcessDone (never inside a libcurl callback).
  virtual void OnTransferDone(CURLcode result) = 0;
  // Deferred work asked for with Engine::Soon (a uv timer callback: JS may be called).
  virtual void RunSoon() = 0;
  // Environment teardown: release native resources now, call no JS.
  virtual void Detach() = 0;

 protected:
  Transfer() = default;
  ~Transfer() = default;  // owned as a JS object wrap, never deleted through this base
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_TRANSFER_H_

// The low-level libcurl surface (curlws/curl): one CURL* driven from JS the way C drives it,
// with curl_easy_perform replaced by an asynchronous perform() through the environment's Multi.
//
// Files: easy.cc (lifecycle, setopt/getinfo/header/reset/close/perform), easy_ws.cc
// (curl_ws_recv/send/meta/start_frame and the readiness poll), easy_io.cc (curl_easy_pause,
// curl_easy_send/recv, curl_easy_duphandle), easy_callbacks.cc (the libcurl callbacks that
// call JS). The TypeScript wrapper (lib/curl/easy.ts) validates every argument
// and maps CURLcodes to CurlError; this class only guards its own invariants.
//
// Ownership/threading: a Napi::ObjectWrap on its environment's loop thread. It Ref()s its JS
// object while a perform() or a wsReadable()/wsWritable() promise is pending, so it cannot be
// collected with work in flight; otherwise an Easy nobody holds is collected and its finalizer
// removes the handle from the multi before curl_easy_cleanup (the order libcurl requires).
//
// Re-entrancy: WRITEFUNCTION/READFUNCTION/HEADERFUNCTION/DEBUGFUNCTION call JS synchronously from
// inside libcurl (usually from curl_multi_socket_action). JS may then call back into this object:
// close() is deferred until libcurl is out of its callback (the transfer is aborted by the
// callback's return value), perform()/reset() throw, ws calls go to libcurl (which answers them
// by its own rules, e.g. CURLE_RECURSIVE_API_CALL for curl_ws_recv; curl_easy_pause is allowed
// and may deliver paused data by calling the write callback before it returns). An exception thrown
// by a callback aborts the transfer and becomes the `cause` of perform()'s CurlError.
#ifndef CURLWS_NATIVE_EASY_H_
#define CURLWS_NATIVE_EASY_H_

#include <curl/curl.h>
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/handles.h"
#include "engine/transfer.h"

namespace curlws {

class Easy : public Napi::ObjectWrap<Easy>, public Transfer {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Easy(const Napi::CallbackInfo& info);
  ~Easy() override;

  void OnTransferDone(CURLcode result) override;
  void RunSoon() override;
  void Detach() override;

 private:
  enum class Callback { kWrite = 0, kHeader = 1, kDebug = 2, kRead = 3 };
  static const napi_type_tag kTypeTag;
  static constexpr int kCallbackCount = 4;
  friend class EasyCallbacks;

  // easy.cc
  Napi::Value SetOpt(const Napi::CallbackInfo& info);
  Napi::Value SetCallback(const Napi::CallbackInfo& info);
  Napi::Value GetInfo(const Napi::CallbackInfo& info);
  Napi::Value Header(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Perform(const Napi::CallbackInfo& info);
  Napi::Value ErrorBuffer(const Napi::CallbackInfo& info);
  // easy_ws.cc
  Napi::Value WsRecv(const Napi::CallbackInfo& info);
  Napi::Value WsSend(const Napi::CallbackInfo& info);
  Napi::Value WsMeta(const Napi::CallbackInfo& info);
  Napi::Value WsStartFrame(const Napi::CallbackInfo& info);
  Napi::Value WsWait(const Napi::CallbackInfo& info);
  // easy_io.cc
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Recv(const Napi::CallbackInfo& info);
  Napi::Value DupFrom(const Napi::CallbackInfo& info);

  void ApplyDefaults();
  void StartPerform();
  void SettlePerform(CURLcode result);
  void AbortPerform(CURLcode result);
  // Leaves the multi (closing the connection of a CONNECT_ONLY handle); stops the poll first.
  void LeaveMulti();
  // Releases every native resource. `js`: JS may run (close()); false from GC and teardown.
  void Release(bool js);
  void UpdateKeepAlive();
  void DropLists();
  void DrainMicrotasks();
  // Throws ERR_CURL_EASY_CLOSED (closed) or ERR_CURL_IN_CALLBACK when `what` may not run now.
  void Check(const Napi::Env& env, const char* what, bool forbid_in_callback);
  // Rethrows an exception a JS callback raised during a libcurl call made from JS.
  void RethrowCallbackError(const Napi::Env& env);
  // True when JS can run inside curl_easy_send/recv and curl_ws_send/recv (a DEBUGFUNCTION).
  bool JsMayRunDuringIo() const { return has_callback_[static_cast<int>(Callback::kDebug)]; }
  // easy_ws.cc: readiness
  static void OnPoll(uv_poll_t* poll, int status, int events) noexcept;
  void UpdatePoll();
  void StopPoll();
  void SettleWaiters(bool readable, bool writable, const char* error_code);

  Engine* engine_ = nullptr;
  EasyPtr easy_;
  // slists handed to libcurl by setopt. Shared: curl_easy_duphandle copies the pointers, not
  // the lists, so a duplicate keeps its source's lists alive (reset/close drop the reference).
  using Lists = std::shared_ptr<std::vector<SlistPtr>>;
  Lists lists_ = std::make_shared<std::vector<SlistPtr>>();
  std::vector<Lists> inherited_lists_;  // the lists of the handle this one was duplicated from
  char errbuf_[CURL_ERROR_SIZE] = {0};
  Napi::AsyncContext async_context_;

  // The JS callbacks live as properties of this object's own JS wrapper (see CallbackKey), not
  // in persistent references: a strong reference would root a cycle (callback closure → TS
  // Easy → this wrapper) and an Easy with callbacks would never be collected.
  bool has_callback_[kCallbackCount] = {false, false, false, false};  // indexed by Callback
  static const char* CallbackKey(Callback which);
  int callback_depth_ = 0;                // > 0 while a JS callback runs
  Napi::ObjectReference callback_error_;  // { value } thrown by the last failing callback
  bool js_allowed_ = true;                // false from GC finalizer and teardown on

  long connect_only_ = 0;  // 1: a plain connection (curl_easy_send/recv), 2: a WebSocket
  bool in_multi_ = false;
  bool performing_ = false;
  bool start_deferred_ = false;  // perform() asked for inside a libcurl callback
  // Not CURLE_OK: the transfer failed where the handle cannot leave the multi (inside libcurl),
  // and is aborted with this code from RunSoon: a DEBUGFUNCTION threw inside
  // curl_multi_socket_action, or a write callback failed while pause() redelivered data.
  CURLcode deferred_abort_ = CURLE_OK;
  bool close_deferred_ = false;  // close() asked for inside a libcurl callback
  bool closed_ = false;
  bool released_ = false;
  bool referenced_ = false;
  std::unique_ptr<Napi::Promise::Deferred> perform_;

  UvHandle<uv_poll_t>* poll_ = nullptr;  // its `events`: what it watches
  std::vector<Napi::Promise::Deferred> readable_waiters_;
  std::vector<Napi::Promise::Deferred> writable_waiters_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_EASY_H_

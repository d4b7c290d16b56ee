// Easy (curlws/curl): the WebSocket calls and the readiness poll. See easy.h.
#include <cstring>
#include <string>

#include "easy/easy.h"
#include "easy/easy_args.h"

namespace curlws {
namespace {

using easy_args::CodedError;
using easy_args::IoBytes;

Napi::Value MetaToJs(const Napi::Env& env, const curl_ws_frame* meta) {
  if (!meta) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("age", Napi::Number::New(env, meta->age));
  o.Set("flags", Napi::Number::New(env, meta->flags));
  o.Set("offset", Napi::Number::New(env, static_cast<double>(meta->offset)));
  o.Set("bytesleft", Napi::Number::New(env, static_cast<double>(meta->bytesleft)));
  o.Set("len", Napi::Number::New(env, static_cast<double>(meta->len)));
  return o;
}

}  // namespace

Napi::Value Easy::WsRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "wsRecv()", false);
  IoBytes bytes(info[0], IoBytes::Direction::kReceive, JsMayRunDuringIo());
  size_t nread = 0;
  const curl_ws_frame* meta = nullptr;
  errbuf_[0] = '\0';  // so the error buffer only ever explains this call's failure
  CURLcode rc = curl_ws_recv(easy_.get(), bytes.data(), bytes.size(), &nread, &meta);
  bytes.CopyBack(nread);
  RethrowCallbackError(env);  // a DEBUGFUNCTION that threw while libcurl traced this call
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", Napi::Number::New(env, rc));
  o.Set("nread", Napi::Number::New(env, static_cast<double>(nread)));
  o.Set("meta", rc == CURLE_OK ? MetaToJs(env, meta) : env.Null());
  return o;
}

Napi::Value Easy::WsSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "wsSend()", false);
  IoBytes bytes(info[0], IoBytes::Direction::kSend, JsMayRunDuringIo());
  unsigned int flags = info[1].ToNumber().Uint32Value();
  curl_off_t fragsize =
      static_cast<curl_off_t>(info[2].IsNumber() ? info[2].ToNumber().Int64Value() : 0);
  size_t sent = 0;
  errbuf_[0] = '\0';
  CURLcode rc = curl_ws_send(easy_.get(), bytes.data(), bytes.size(), &sent, fragsize, flags);
  RethrowCallbackError(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", Napi::Number::New(env, rc));
  o.Set("sent", Napi::Number::New(env, static_cast<double>(sent)));
  return o;
}

Napi::Value Easy::WsMeta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "wsMeta()", false);
  return MetaToJs(env, curl_ws_meta(easy_.get()));
}

Napi::Value Easy::WsStartFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "wsStartFrame()", false);
#if LIBCURL_VERSION_NUM >= 0x081000
  unsigned int flags = info[0].ToNumber().Uint32Value();
  curl_off_t len = static_cast<curl_off_t>(info[1].ToNumber().Int64Value());
  errbuf_[0] = '\0';
  CURLcode rc = curl_ws_start_frame(easy_.get(), flags, len);
  RethrowCallbackError(env);
  return Napi::Number::New(env, rc);
#else
  throw CodedError(env, "ERR_CURL_NOT_AVAILABLE",
                   std::string("curl_ws_start_frame() needs libcurl 8.16.0 or newer; curlws was "
                               "built against ") +
                       LIBCURL_VERSION);
#endif
}

// wsWait(events): a promise settled when the connection's socket is readable (1) / writable
// (2). Only for an established CONNECT_ONLY connection (1 or 2): libcurl has stopped watching
// the socket then (CURL_POLL_REMOVE at CURLMSG_DONE), so one uv_poll of our own is allowed.
Napi::Value Easy::WsWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "wsReadable()/wsWritable()", false);
  int events = static_cast<int>(info[0].ToNumber().Int32Value());
  if (!in_multi_ || performing_ || connect_only_ == 0)
    throw CodedError(env, "ERR_CURL_NOT_CONNECTED",
                     "wsReadable()/wsWritable() need a CONNECT_ONLY connection (1 or 2): call them "
                     "after perform() has resolved");
  Napi::Promise::Deferred d(env);
  Napi::Promise promise = d.Promise();
  curl_socket_t fd = CURL_SOCKET_BAD;
  curl_easy_getinfo(easy_.get(), CURLINFO_ACTIVESOCKET, &fd);
  if (fd == CURL_SOCKET_BAD) {
    // No connection any more: "ready" now, so the next wsRecv/wsSend reports why.
    d.Resolve(env.Undefined());
    return promise;
  }
  if (!poll_) {
    int err = 0;
    poll_ = engine_->NewPoll(fd, easy_.get(), this, &Easy::OnPoll, &err);
    if (!poll_)
      throw CodedError(env, "ERR_CURLWS_INTERNAL",
                       std::string("cannot watch the connection's socket: ") + uv_strerror(err));
  }
  (events & UV_WRITABLE ? writable_waiters_ : readable_waiters_).push_back(std::move(d));
  UpdateKeepAlive();
  UpdatePoll();
  return promise;
}

void Easy::OnPoll(uv_poll_t* poll, int status, int events) noexcept {
  auto* self = static_cast<Easy*>(poll->data);
  if (!self) return;
  try {
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    Napi::CallbackScope callback_scope(env, self->async_context_);
    // An error or hang-up counts as ready: the next curl_ws_* call reports it with its CURLcode.
    bool failed = status < 0 || (events & UV_DISCONNECT);
    self->SettleWaiters(failed || (events & UV_READABLE), failed || (events & UV_WRITABLE),
                        nullptr);
  } catch (...) {
  }
}

void Easy::SettleWaiters(bool readable, bool writable, const char* error_code) {
  std::vector<Napi::Promise::Deferred> done;
  if (readable) done.swap(readable_waiters_);
  if (writable) {
    for (auto& d : writable_waiters_) done.push_back(std::move(d));
    writable_waiters_.clear();
  }
  if (!done.empty()) {
    Napi::Env env = Env();
    for (auto& d : done) {
      if (error_code) {
        d.Reject(CodedError(env, error_code, "the Easy handle was closed while waiting").Value());
      } else {
        d.Resolve(env.Undefined());
      }
    }
  }
  UpdatePoll();
  UpdateKeepAlive();
}

void Easy::UpdatePoll() {
  if (!poll_) return;
  int events =
      (readable_waiters_.empty() ? 0 : UV_READABLE) | (writable_waiters_.empty() ? 0 : UV_WRITABLE);
  Engine::SetPollEvents(poll_, events, &Easy::OnPoll);
}

void Easy::StopPoll() {
  if (!poll_) return;
  if (engine_) engine_->Close(poll_);  // before libcurl closes the socket
  poll_ = nullptr;
}

}  // namespace curlws

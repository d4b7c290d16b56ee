#include "easy/easy.h"

#include <cstdio>
#include <cstring>
#include <utility>

#include "easy/easy_args.h"
#include "easy/easy_callbacks.h"
#include "easy/easy_info.h"
#include "engine/curl_options.h"
#include "engine/environment.h"
#include "engine/tls_context.h"

namespace curlws {
namespace {

using easy_args::CodedError;

// Options whose value the binding owns: changing them would break perform() or the engine.
bool EngineOwned(CURLoption id) {
  switch (id) {
    case CURLOPT_NOSIGNAL:              // Node owns the process's signals
    case CURLOPT_PROTOCOLS_STR:         // ws and wss only
    case static_cast<CURLoption>(181):  // CURLOPT_PROTOCOLS (deprecated: named, it warns)
    case CURLOPT_PRIVATE:               // the Transfer* the Multi finds us by
    case CURLOPT_ERRORBUFFER:           // errbuf_, read as easy.errorBuffer
    case CURLOPT_SHARE: return true;
    default: return false;
  }
}

}  // namespace

Napi::Function Easy::Define(Napi::Env env) {
  return DefineClass(env, "Easy",
                     {
                         InstanceMethod<&Easy::SetOpt>("setopt"),
                         InstanceMethod<&Easy::SetCallback>("setCallback"),
                         InstanceMethod<&Easy::GetInfo>("getinfo"),
                         InstanceMethod<&Easy::Header>("header"),
                         InstanceMethod<&Easy::Reset>("reset"),
                         InstanceMethod<&Easy::Close>("close"),
                         InstanceMethod<&Easy::Perform>("perform"),
                         InstanceMethod<&Easy::ErrorBuffer>("errorBuffer"),
                         InstanceMethod<&Easy::WsRecv>("wsRecv"),
                         InstanceMethod<&Easy::WsSend>("wsSend"),
                         InstanceMethod<&Easy::WsMeta>("wsMeta"),
                         InstanceMethod<&Easy::WsStartFrame>("wsStartFrame"),
                         InstanceMethod<&Easy::WsWait>("wsWait"),
                         InstanceMethod<&Easy::Pause>("pause"),
                         InstanceMethod<&Easy::Send>("send"),
                         InstanceMethod<&Easy::Recv>("recv"),
                         InstanceMethod<&Easy::DupFrom>("dupFrom"),
                     });
}

Easy::Easy(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Easy>(info), async_context_(info.Env(), "curlws:Easy") {
  Napi::Env env = info.Env();
  Environment* environment = Environment::Of(env);
  if (!environment || !environment->engine())
    throw CodedError(env, "ERR_CURLWS_INTERNAL", "curlws: the environment is shutting down");
  engine_ = environment->engine();
  easy_.reset(curl_easy_init());
  if (!easy_) throw CodedError(env, "ERR_CURLWS_INTERNAL", "curl_easy_init failed");
  ApplyDefaults();
  // Marks the wrapper as an Easy: dupFrom() unwraps an object JS hands it (a Session wrapper
  // would be another C++ class).
  napi_type_tag_object(env, info.This(), &kTypeTag);
  engine_->Register(this);
}

const napi_type_tag Easy::kTypeTag = {0x6375726c77734561ULL, 0x73795f7461675f31ULL};

// A GC finalizer: Node-API runs it from the event loop (queued by the GC, not inside it), so
// never while libcurl is on the stack, and curl_multi_remove_handle is allowed here.
Easy::~Easy() {
  Release(false);
}

void Easy::ApplyDefaults() {
  CURL* e = easy_.get();
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ws,wss");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<Transfer*>(this));
  // Without a JS READFUNCTION an upload ends at once (Read returns 0): libcurl's default would
  // fread() the process's stdin on the event loop.
  curl_easy_setopt(e, CURLOPT_READFUNCTION, &EasyCallbacks::Read);
  curl_easy_setopt(e, CURLOPT_READDATA, this);
  // No TLS key log, whatever SSLKEYLOGFILE says (tls_context.h).
  InstallTlsContextHook(e, nullptr);
}

void Easy::Check(const Napi::Env& env, const char* what, bool forbid_in_callback) {
  if (closed_ || !easy_)
    throw CodedError(env, "ERR_CURL_EASY_CLOSED",
                     std::string(what) + ": the Easy handle is closed");
  if (forbid_in_callback && callback_depth_ > 0)
    throw CodedError(
        env, "ERR_CURL_IN_CALLBACK",
        std::string(what) + " cannot be called from inside this handle's own callback");
}

void Easy::RethrowCallbackError(const Napi::Env& env) {
  if (callback_error_.IsEmpty()) return;
  Napi::Value error = callback_error_.Value().Get("value");
  callback_error_.Reset();
  throw Napi::Error(env, error);
}

// ---- options and information -----------------------------------------------------------------

Napi::Value Easy::SetOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "setopt()", true);
  std::string name = info[0].ToString().Utf8Value();
  const curl_easyoption* opt = LookupCurlOption(name);
  if (!opt) return Napi::Number::New(env, CURLE_UNKNOWN_OPTION);
  if (EngineOwned(opt->id))
    throw CodedError(env, "ERR_CURL_OPTION_UNSUPPORTED", name + " is set by curlws itself");
  Napi::Value value = info[1];
  std::string why;
  CURLcode rc = SetCurlOption(easy_.get(), opt, value, lists_.get(), &why);
  if (!why.empty()) throw Napi::TypeError::New(env, name + " " + why);
  if (rc == CURLE_OK && opt->id == CURLOPT_CONNECT_ONLY)
    connect_only_ = value.IsBoolean() ? (value.ToBoolean() ? 1 : 0)
                                      : static_cast<long>(value.ToNumber().Int64Value());
  return Napi::Number::New(env, rc);
}

// setCallback(kind, fn | null): 0 WRITEFUNCTION, 1 HEADERFUNCTION, 2 DEBUGFUNCTION,
// 3 READFUNCTION.
Napi::Value Easy::SetCallback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "setopt()", true);
  uint32_t kind = info[0].ToNumber().Uint32Value();
  if (kind >= kCallbackCount)
    throw Napi::RangeError::New(env, "setCallback: unknown callback kind");
  bool set = info[1].IsFunction();
  CURL* e = easy_.get();
  CURLcode rc = CURLE_OK;
  switch (static_cast<Callback>(kind)) {
    case Callback::kWrite:
      rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, set ? &EasyCallbacks::Write : nullptr);
      // Unset: libcurl's default fwrite() needs its default FILE* back (NULL would crash it).
      if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_WRITEDATA,
                              set ? static_cast<void*>(this) : static_cast<void*>(stdout));
      break;
    case Callback::kHeader:
      rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, set ? &EasyCallbacks::Header : nullptr);
      if (rc == CURLE_OK) rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, set ? this : nullptr);
      break;
    case Callback::kDebug:
      rc = curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, set ? &EasyCallbacks::Debug : nullptr);
      if (rc == CURLE_OK) rc = curl_easy_setopt(e, CURLOPT_DEBUGDATA, set ? this : nullptr);
      break;
    case Callback::kRead:
      // Always installed (ApplyDefaults); Read() calls JS only when has_callback_ says so.
      break;
  }
  if (rc == CURLE_OK) {
    Value().Set(CallbackKey(static_cast<Callback>(kind)), set ? info[1] : env.Undefined());
    has_callback_[kind] = set;
  }
  return Napi::Number::New(env, rc);
}

Napi::Value Easy::GetInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "getinfo()", false);
  return GetInfoToJs(env, easy_.get(), static_cast<CURLINFO>(info[0].ToNumber().Int32Value()));
}

Napi::Value Easy::Header(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "header()", false);
  return HeaderToJs(env, easy_.get(), info[0].ToString().Utf8Value(),
                    info[1].ToNumber().Uint32Value(), info[2].ToNumber().Uint32Value(),
                    info[3].ToNumber().Int32Value());
}

Napi::Value Easy::ErrorBuffer(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), errbuf_);
}

// ---- lifecycle -------------------------------------------------------------------------------

Napi::Value Easy::Reset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "reset()", true);
  if (performing_)
    throw CodedError(env, "ERR_CURL_PERFORMING", "reset() while perform() is in progress");
  if (in_multi_ && engine_->multi().in_callback())
    throw CodedError(env, "ERR_CURL_IN_CALLBACK",
                     "reset() of a connected handle cannot run inside a libcurl callback");
  SettleWaiters(true, true, nullptr);  // "ready": the next ws call reports the closed connection
  LeaveMulti();
  curl_easy_reset(easy_.get());
  DropLists();
  for (int kind = 0; kind < kCallbackCount; kind++) {
    Value().Set(CallbackKey(static_cast<Callback>(kind)), env.Undefined());
    has_callback_[kind] = false;
  }
  connect_only_ = 0;
  errbuf_[0] = '\0';
  ApplyDefaults();
  // A DEBUGFUNCTION that threw while curl_multi_remove_handle traced ("Closing connection"):
  // reset() is done, and throws it, as wsSend()/wsRecv() do.
  RethrowCallbackError(env);
  return env.Undefined();
}

Napi::Value Easy::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  closed_ = true;
  StopPoll();
  if (perform_) {
    auto d = std::move(perform_);
    performing_ = false;
    Napi::Object o = Napi::Object::New(env);
    o.Set("result", Napi::Number::New(env, -1));
    o.Set("closed", true);
    o.Set("error", "");
    d->Resolve(o);
  }
  SettleWaiters(true, true, "ERR_CURL_EASY_CLOSED");
  if (engine_ && engine_->multi().in_callback()) {
    // Inside a libcurl callback: the callback returns an error (the transfer stops) and the
    // handle leaves the multi from RunSoon, when libcurl is no longer on the stack.
    close_deferred_ = true;
    engine_->Soon(this);
  } else {
    Release(true);
  }
  UpdateKeepAlive();
  return env.Undefined();
}

Napi::Value Easy::Perform(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "perform()", true);
  if (performing_)
    throw CodedError(env, "ERR_CURL_PERFORMING", "perform() is already in progress on this handle");
  SettleWaiters(true, true, nullptr);  // the connection they wait on is being replaced
  perform_ = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = perform_->Promise();
  performing_ = true;
  callback_error_.Reset();
  errbuf_[0] = '\0';
  UpdateKeepAlive();
  if (engine_->multi().in_callback()) {
    start_deferred_ = true;  // libcurl refuses curl_multi_add_handle inside its callbacks
    engine_->Soon(this);
  } else {
    StartPerform();
  }
  return promise;
}

void Easy::StartPerform() {
  start_deferred_ = false;
  if (!performing_ || released_) return;
  LeaveMulti();  // a previous CONNECT_ONLY connection: a new transfer replaces it
  CURLMcode mc = engine_->multi().Add(easy_.get());
  if (mc != CURLM_OK) {
    std::snprintf(errbuf_, sizeof errbuf_, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
    SettlePerform(CURLE_FAILED_INIT);
    return;
  }
  in_multi_ = true;
}

void Easy::OnTransferDone(CURLcode result) {
  if (!performing_ || closed_) return;
  // A DEBUGFUNCTION threw during this transfer and its abort was deferred, but libcurl finished
  // first (the handshake's last bytes arrived in the same socket action): still a failure.
  if (deferred_abort_ != CURLE_OK && result == CURLE_OK) result = deferred_abort_;
  // A CONNECT_ONLY connection lives in the multi (removing it closes the socket); anything
  // else is over, and leaves so that a later perform() can add the handle again.
  if (connect_only_ == 0 || result != CURLE_OK) LeaveMulti();
  if (engine_) engine_->multi().BeforeJs();  // the promise's reactions run at the scope's end
  try {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::CallbackScope callback_scope(env, async_context_);
    SettlePerform(result);
  } catch (...) {
    // The environment cannot run JS (worker terminating); its cleanup hook releases us.
  }
}

void Easy::SettlePerform(CURLcode result) {
  if (!perform_) return;
  auto d = std::move(perform_);
  performing_ = false;
  deferred_abort_ = CURLE_OK;  // meant for this transfer: must not abort a perform() started next
  Napi::Env env = Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", Napi::Number::New(env, result));
  o.Set("error", Napi::String::New(env, errbuf_));
  if (!callback_error_.IsEmpty()) {
    o.Set("hasCause", true);
    o.Set("cause", callback_error_.Value().Get("value"));
    callback_error_.Reset();
  }
  d->Resolve(o);
  UpdateKeepAlive();
}

void Easy::AbortPerform(CURLcode result) {
  if (!performing_) return;
  LeaveMulti();
  SettlePerform(result);
}

void Easy::RunSoon() {
  try {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    // Closing this scope runs the microtasks and nextTicks that JS callbacks queued while
    // libcurl was on the stack (they must not run inside libcurl's callbacks).
    Napi::CallbackScope callback_scope(env, async_context_);
    if (close_deferred_ && engine_ && !engine_->multi().in_callback()) {
      close_deferred_ = false;
      Release(true);
    }
    if (released_) return;
    if (start_deferred_) StartPerform();
    if (deferred_abort_ != CURLE_OK) {
      CURLcode result = deferred_abort_;
      deferred_abort_ = CURLE_OK;
      AbortPerform(result);
    }
  } catch (...) {
  }
}

void Easy::LeaveMulti() {
  StopPoll();
  if (in_multi_ && engine_ && easy_) {
    engine_->multi().Remove(easy_.get());
  }
  in_multi_ = false;
}

void Easy::Release(bool js) {
  if (released_) return;
  released_ = true;
  closed_ = true;
  js_allowed_ = js;
  if (easy_ && !js) {
    // curl_multi_remove_handle may trace ("Closing connection"): no JS from GC or teardown.
    curl_easy_setopt(easy_.get(), CURLOPT_DEBUGFUNCTION, nullptr);
    curl_easy_setopt(easy_.get(), CURLOPT_VERBOSE, 0L);
  }
  LeaveMulti();
  easy_.reset();
  DropLists();
  if (engine_) {
    engine_->CancelSoon(this);
    engine_->Unregister(this);
    engine_ = nullptr;  // the engine may go away before this object is collected
  }
  for (int kind = 0; kind < kCallbackCount; kind++) {
    // close(): let the callbacks (and what they capture) go now, not with the wrapper
    if (js && has_callback_[kind])
      Value().Set(CallbackKey(static_cast<Callback>(kind)), Env().Undefined());
    has_callback_[kind] = false;
  }
}

const char* Easy::CallbackKey(Callback which) {
  switch (which) {
    case Callback::kWrite: return "__curlwsWriteFunction";
    case Callback::kHeader: return "__curlwsHeaderFunction";
    case Callback::kDebug: return "__curlwsDebugFunction";
    case Callback::kRead: return "__curlwsReadFunction";
  }
  return "";
}

void Easy::Detach() {
  // Environment teardown: pending promises stay pending (no JS can run any more).
  Release(false);
}

void Easy::DropLists() {
  // A fresh vector, not clear(): a duplicate may still hold (and libcurl use) the old lists.
  lists_ = std::make_shared<std::vector<SlistPtr>>();
  inherited_lists_.clear();
}

void Easy::UpdateKeepAlive() {
  bool want = performing_ || !readable_waiters_.empty() || !writable_waiters_.empty();
  if (want == referenced_) return;
  referenced_ = want;
  if (want)
    Ref();
  else
    Unref();
}

}  // namespace curlws

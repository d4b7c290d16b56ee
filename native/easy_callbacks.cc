#include "easy_callbacks.h"

#include <cmath>

namespace curlws {

bool EasyCallbacks::Invoke(Easy* self, Easy::Callback which, size_t argc, const napi_value* argv,
                           napi_value* result) {
  if (self->closed_ || !self->js_allowed_ || !self->has_callback_[static_cast<int>(which)])
    return false;
  napi_env env = self->Env();
  Napi::Value fn = self->Value().Get(Easy::CallbackKey(which));
  if (!fn.IsFunction()) return false;
  napi_value recv;
  napi_get_undefined(env, &recv);
  Engine* engine = self->engine_;  // close() from the callback defers the release: still valid
  self->callback_depth_++;
  if (engine) engine->multi().EnterJsCallback();
  napi_status status = napi_call_function(env, recv, fn, argc, argv, result);
  if (engine) engine->multi().LeaveJsCallback();
  self->callback_depth_--;
  // JS may have queued microtasks: run them once libcurl is off the stack.
  if (self->engine_) self->engine_->Soon(self);
  if (status == napi_ok) return true;
  bool pending = false;
  napi_value exception;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok &&
      self->callback_error_.IsEmpty()) {
    // Held in a wrapper object: N-API 8 cannot reference a primitive (`throw 'x'`).
    Napi::Object holder = Napi::Object::New(env);
    holder.Set("value", Napi::Value(env, exception));
    self->callback_error_ = Napi::Persistent(holder);
  }
  return false;
}

size_t EasyCallbacks::Data(Easy* self, Easy::Callback which, char* ptr, size_t n) {
  if (self->closed_ || !self->js_allowed_) return CURL_WRITEFUNC_ERROR;
  try {
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    // A copy: libcurl's buffer is only valid during this call, the JS Buffer may be kept.
    napi_value buf = Napi::Buffer<char>::Copy(env, ptr, n);
    napi_value out = nullptr;
    if (!Invoke(self, which, 1, &buf, &out)) return CURL_WRITEFUNC_ERROR;
    if (self->closed_) return CURL_WRITEFUNC_ERROR;  // close() from the callback stops it
    Napi::Value v(env, out);
    if (!v.IsNumber()) return n;  // the TS wrapper turns `undefined` into "all of it"
    double d = v.As<Napi::Number>().DoubleValue();
    // CURL_WRITEFUNC_PAUSE would need curl_easy_pause to resume, which is not exposed.
    // (also > n: anything but n fails the transfer anyway, and a double beyond SIZE_MAX does
    // not convert to size_t)
    if (!(d >= 0) || std::floor(d) != d || d > static_cast<double>(n) || d == CURL_WRITEFUNC_PAUSE)
      return CURL_WRITEFUNC_ERROR;
    return static_cast<size_t>(d);
  } catch (...) {
    return CURL_WRITEFUNC_ERROR;
  }
}

size_t EasyCallbacks::Write(char* ptr, size_t size, size_t nmemb, void* userp) {
  return Data(static_cast<Easy*>(userp), Easy::Callback::kWrite, ptr, size * nmemb);
}

size_t EasyCallbacks::Header(char* ptr, size_t size, size_t nmemb, void* userp) {
  size_t r = Data(static_cast<Easy*>(userp), Easy::Callback::kHeader, ptr, size * nmemb);
  return r == CURL_WRITEFUNC_ERROR ? 0 : r;  // a header callback fails by returning a short count
}

int EasyCallbacks::Debug(CURL* /*handle*/, curl_infotype type, char* data, size_t size,
                         void* userp) {
  auto* self = static_cast<Easy*>(userp);
  if (self->closed_ || !self->js_allowed_) return 0;
  try {
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    napi_value argv[2] = {Napi::Number::New(env, static_cast<double>(type)),
                          Napi::Buffer<char>::Copy(env, data, size)};
    napi_value out = nullptr;
    if (!Invoke(self, Easy::Callback::kDebug, 2, argv, &out) && !self->callback_error_.IsEmpty()) {
      // libcurl ignores DEBUGFUNCTION's return value: abort the transfer from outside libcurl.
      // (When JS called into libcurl, that call rethrows the error instead.)
      if (self->performing_ && self->engine_ && self->engine_->multi().in_action()) {
        self->abort_deferred_ = true;
        self->engine_->Soon(self);
      }
    }
  } catch (...) {
  }
  return 0;
}

}  // namespace curlws

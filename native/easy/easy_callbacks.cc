#include "easy/easy_callbacks.h"

#include <cmath>
#include <cstring>
#include <new>

namespace curlws {
namespace {

// The Buffer a READFUNCTION fills, for the duration of one call. It is a JS-owned buffer of
// libcurl's size (zeroed: a callback that reports bytes it did not write sends zeros, not old
// heap contents), copied into libcurl's buffer for the count the callback returns, and detached
// when the call returns, so a Buffer the callback kept reads as empty: "valid only during the
// call", as libcurl's pointer is in C. Not libcurl's memory itself: JS could move an ArrayBuffer
// over it out of the call (ArrayBuffer.prototype.transfer), and keep it past the handle's life.
class ReadView {
 public:
  ReadView(napi_env env, char* data, size_t n) : env_(env), data_(data), n_(n) {
    void* bytes = nullptr;
    if (napi_create_buffer(env, n, &bytes, &value_) != napi_ok) throw std::bad_alloc();
    if (n) std::memset(bytes, 0, n);
  }
  ~ReadView() {
    // Plain Node-API calls: nothing may throw from a destructor. A failure (the callback
    // detached or transferred the buffer itself) leaves nothing to do.
    napi_value ab = nullptr;
    bool detached = false;
    if (napi_get_typedarray_info(env_, value_, nullptr, nullptr, nullptr, &ab, nullptr) ==
            napi_ok &&
        napi_is_detached_arraybuffer(env_, ab, &detached) == napi_ok && !detached)
      napi_detach_arraybuffer(env_, ab);
  }
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  napi_value value() const { return value_; }
  // The callback filled `count` bytes: they go to libcurl's buffer now. Read through the
  // Buffer again: the callback may have detached it (then it sends zeros, never freed memory).
  void Commit(size_t count) {
    if (!count || count > n_) return;
    void* bytes = nullptr;
    size_t length = 0;
    if (napi_get_buffer_info(env_, value_, &bytes, &length) != napi_ok || length < count) {
      std::memset(data_, 0, count);
      return;
    }
    std::memcpy(data_, bytes, count);
  }

 private:
  napi_env env_;
  char* data_;
  size_t n_;
  napi_value value_ = nullptr;
};

}  // namespace

bool EasyCallbacks::Invoke(Easy* self, Easy::Callback which, size_t argc, const napi_value* argv,
                           napi_value* result) {
  if (self->closed_ || !self->js_allowed_ || !self->has_callback_[static_cast<int>(which)])
    return false;
  napi_env env = self->Env();
  Engine* engine = self->engine_;  // close() from the callback defers the release: still valid
  // The lookup below is a property read, which a getter (on Object.prototype) can make JS.
  if (engine) engine->multi().BeforeJs();
  Napi::Value fn = self->Value().Get(Easy::CallbackKey(which));
  if (!fn.IsFunction()) return false;
  napi_value recv;
  napi_get_undefined(env, &recv);
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
    // Pausing a header is not supported by libcurl: only the write callback may pause.
    if (which == Easy::Callback::kWrite)
      return Count(v, n, {CURL_WRITEFUNC_PAUSE, CURL_WRITEFUNC_ERROR}, CURL_WRITEFUNC_ERROR);
    return Count(v, n, {CURL_WRITEFUNC_ERROR}, CURL_WRITEFUNC_ERROR);
  } catch (...) {
    return CURL_WRITEFUNC_ERROR;
  }
}

size_t EasyCallbacks::Count(const Napi::Value& v, size_t max, std::initializer_list<size_t> special,
                            size_t invalid) {
  if (!v.IsNumber()) return invalid;
  double d = v.As<Napi::Number>().DoubleValue();
  for (size_t code : special)
    if (d == static_cast<double>(code)) return code;
  // (a double beyond SIZE_MAX does not convert to size_t; more than `max` fails the transfer)
  if (!(d >= 0) || std::floor(d) != d || d > static_cast<double>(max)) return invalid;
  return static_cast<size_t>(d);
}

size_t EasyCallbacks::Read(char* buffer, size_t size, size_t nitems, void* userp) {
  auto* self = static_cast<Easy*>(userp);
  if (!self->has_callback_[static_cast<int>(Easy::Callback::kRead)]) return 0;
  if (self->closed_ || !self->js_allowed_) return CURL_READFUNC_ABORT;
  size_t n = size * nitems;
  try {
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    ReadView view(env, buffer, n);
    napi_value arg = view.value();
    napi_value out = nullptr;
    if (!Invoke(self, Easy::Callback::kRead, 1, &arg, &out)) return CURL_READFUNC_ABORT;
    if (self->closed_) return CURL_READFUNC_ABORT;  // close() from the callback stops it
    size_t r = Count(Napi::Value(env, out), n, {CURL_READFUNC_PAUSE, CURL_READFUNC_ABORT},
                     CURL_READFUNC_ABORT);
    if (r != CURL_READFUNC_PAUSE && r != CURL_READFUNC_ABORT) view.Commit(r);
    return r;
  } catch (...) {
    return CURL_READFUNC_ABORT;
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
        self->deferred_abort_ = CURLE_ABORTED_BY_CALLBACK;
        self->engine_->Soon(self);
      }
    }
  } catch (...) {
  }
  return 0;
}

}  // namespace curlws

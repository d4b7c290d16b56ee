// Easy (curlws/curl): curl_easy_pause, curl_easy_send/curl_easy_recv and curl_easy_duphandle.
// See easy.h.
#include <cstdio>
#include <string>

#include "easy/easy.h"
#include "easy/easy_args.h"

namespace curlws {

using easy_args::CodedError;
using easy_args::IoBytes;

// pause(bitmask): curl_easy_pause. Allowed inside this handle's callbacks, as in C. Unpausing
// may deliver held data through the write callback before curl_easy_pause returns. If that
// fails (the callback threw or refused the data), libcurl returns the error but leaves the
// transfer in the multi with nothing more to do: perform() would never settle. So the transfer
// is aborted with that code (from RunSoon when libcurl is on the stack), the exception being
// the cause of perform()'s CurlError; with no perform() to report it, pause() throws it.
Napi::Value Easy::Pause(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "pause()", false);
  int bitmask = info[0].ToNumber().Int32Value();
  errbuf_[0] = '\0';
  CURLcode rc = curl_easy_pause(easy_.get(), bitmask);
  if (rc != CURLE_OK && performing_ && !closed_) {
    if (engine_->multi().in_callback()) {
      deferred_abort_ = rc;
      engine_->Soon(this);
    } else {
      AbortPerform(rc);
    }
  }
  if (!performing_) RethrowCallbackError(env);
  return Napi::Number::New(env, rc);
}

// send(buffer): curl_easy_send on a CONNECT_ONLY connection: the bytes go to the socket as they
// are (no WebSocket framing, even with CONNECT_ONLY=2).
Napi::Value Easy::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "send()", false);
  IoBytes bytes(info[0], IoBytes::Direction::kSend, JsMayRunDuringIo());
  size_t sent = 0;
  errbuf_[0] = '\0';
  CURLcode rc = curl_easy_send(easy_.get(), bytes.data(), bytes.size(), &sent);
  RethrowCallbackError(env);  // a DEBUGFUNCTION that threw while libcurl traced this call
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", Napi::Number::New(env, rc));
  o.Set("sent", Napi::Number::New(env, static_cast<double>(sent)));
  return o;
}

// recv(buffer): curl_easy_recv, the connection's bytes as they arrive.
Napi::Value Easy::Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "recv()", false);
  IoBytes bytes(info[0], IoBytes::Direction::kReceive, JsMayRunDuringIo());
  size_t nread = 0;
  errbuf_[0] = '\0';
  CURLcode rc = curl_easy_recv(easy_.get(), bytes.data(), bytes.size(), &nread);
  bytes.CopyBack(nread);
  RethrowCallbackError(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", Napi::Number::New(env, rc));
  o.Set("nread", Napi::Number::New(env, static_cast<double>(nread)));
  return o;
}

// newEasy.dupFrom(source): makes this fresh handle a curl_easy_duphandle of `source`. libcurl
// copies the options, including the pointers this binding set for `source`: they are pointed
// at this object again (error buffer, PRIVATE, read callback data) and the JS callbacks are
// unset, for lib/curl/easy.ts to set the source's functions again on the copy.
Napi::Value Easy::DupFrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // This handle is replaced: not from inside its callbacks, and only while it holds nothing.
  Check(env, "duphandle()", true);
  if (in_multi_ || performing_ || poll_)
    throw Napi::TypeError::New(env, "dupFrom: the target must be a fresh Easy");
  bool is_easy = false;
  if (!info[0].IsObject() ||
      napi_check_object_type_tag(env, info[0], &kTypeTag, &is_easy) != napi_ok || !is_easy)
    throw Napi::TypeError::New(env, "dupFrom: expected an Easy");
  Easy* source = Napi::ObjectWrap<Easy>::Unwrap(info[0].As<Napi::Object>());
  if (!source || source == this) throw Napi::TypeError::New(env, "dupFrom: expected another Easy");
  source->Check(env, "duphandle()", false);
  CURL* copy = curl_easy_duphandle(source->easy_.get());
  if (!copy)
    throw CodedError(env, "ERR_CURLWS_INTERNAL", "curl_easy_duphandle failed (out of memory)");
  easy_.reset(copy);  // the handle made by the constructor was never used
  ApplyDefaults();
  curl_easy_setopt(copy, CURLOPT_WRITEFUNCTION, nullptr);
  curl_easy_setopt(copy, CURLOPT_WRITEDATA, static_cast<void*>(stdout));  // libcurl's default
  curl_easy_setopt(copy, CURLOPT_HEADERFUNCTION, nullptr);
  curl_easy_setopt(copy, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(copy, CURLOPT_DEBUGFUNCTION, nullptr);
  curl_easy_setopt(copy, CURLOPT_DEBUGDATA, nullptr);
  inherited_lists_ = source->inherited_lists_;
  inherited_lists_.push_back(source->lists_);
  connect_only_ = source->connect_only_;
  return env.Undefined();
}

}  // namespace curlws

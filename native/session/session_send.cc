// Session, the write side: send()/flush()/ping()/pong() from JS into the SendQueue (frames built
// and masked here, written with curl_easy_send), and pumping the queue when the socket allows.
#include <utility>

#include "session/session.h"
#include "session/session_internal.h"

namespace curlws {

using namespace session_detail;  // NOLINT: this file's own internals

SendQueue::Status Session::WriteQueued(SendQueue::Completions* done, CURLcode* err) {
  if (tracer_.frames()) done->sent_frames = &sent_frames_;
  BeforeCurlCall();
  SendQueue::Status status = sendq_.Pump(easy_.get(), done, err);
  AfterCurlCall();
  for (const auto& f : sent_frames_)
    tracer_.Frame("=> Send", static_cast<int>(f.first), f.second, 0);
  sent_frames_.clear();
  pending_sent_data_ += done->user_data;
  pending_sent_control_ += done->user_control;
  messages_out_ += done->user_data;
  bytes_out_ += done->user_bytes;
  return status;
}

void Session::PumpSend() {
  if (!easy_ || state_ == State::kClosed) return;
  if (engine_->multi().in_callback()) {
    // JS running inside a libcurl callback (curlws/curl) sent on us: libcurl refuses
    // curl_easy_send there (CURLE_RECURSIVE_API_CALL, for every handle of the multi), so the
    // write waits until libcurl has returned. (in_callback, not in_action: a trace that
    // curl_multi_remove_handle or curl_ws_send emits outside socket_action counts too.)
    send_deferred_ = true;
    engine_->Soon(this);
    return;
  }
  SendQueue::Completions done;
  CURLcode err = CURLE_OK;
  SendQueue::Status status = WriteQueued(&done, &err);
  if (status == SendQueue::Status::kError) {
    if (err == CURLE_OUT_OF_MEMORY)  // libcurl (or TLS) could not allocate for the write
      FailOutOfMemory("sending");
    else
      Fail("", *CurlMessage() ? CurlMessage() : curl_easy_strerror(err), 0, err);
    return;
  }
  blocked_ = status == SendQueue::Status::kBlocked;
  if (blocked_) {
    had_backpressure_ = true;
  } else if (had_backpressure_ && sendq_.buffered_amount() == 0) {
    had_backpressure_ = false;
    pending_drain_ = true;
  }
  if (done.close_sent) {
    close_sent_ = true;
    if (peer_closed_) {
      Finish(failing_ ? 1006 : peer_code_, failing_ ? std::string() : peer_reason_, !failing_);
      return;
    }
  }
  UpdatePoll();
}

// Why a Push* into the send queue failed, as the error the JS call throws. No memory for the
// message fails the connection too: "a send either reaches the kernel or fails" holds for
// this one, and the application learns through 'error' that the connection cannot go on.
Napi::Error Session::QueueFailure(const Napi::Env& env) {
  if (!sendq_.out_of_memory()) return QueueError(env, sendq_.failure());
  FailOutOfMemory("queueing a message");
  return OutOfMemoryError(env);
}

bool Session::Writable(const Napi::Env& env) {
  if (state_ == State::kOpen && !close_queued_) return true;
  Napi::Error err = Napi::Error::New(env, "WebSocket is not open");
  err.Set("code", state_ == State::kConnecting ? "ERR_WS_NOT_OPEN" : "ERR_WS_CLOSED");
  throw err;
}

// Whether a small message just queued goes out at once rather than waiting for flush(): yes
// for the first of a synchronous run with nothing older held (an echo from a 'message' handler,
// a lone send from a timer), so it costs one call from JS and no microtask; no for the rest of
// a burst, which flush() writes together. A run starts with each delivery and each flush(); a
// new loop millisecond starts one too (sends from JS timers see no delivery in between).
bool Session::MayWriteThrough(bool queue_was_empty) {
  if (!queue_was_empty || !engine_) return false;
  const uint32_t now = static_cast<uint32_t>(uv_now(engine_->loop())) + 1;
  if (wrote_through_at_ == now) return false;
  wrote_through_at_ = now;
  return true;
}

Napi::Value Session::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Writable(env);
  if (info.Length() < 2 || !(info[0].IsString() || info[0].IsBuffer()))
    throw Napi::TypeError::New(env, "send(data, binary): data must be a string or a Buffer");
  bool binary = info[1].ToBoolean();
  // fin === false: a fragment with more to follow (libcurl: the type flag plus CURLWS_CONT on
  // every fragment but the last).
  bool fin = info.Length() < 3 || info[2].ToBoolean();
  unsigned int flags =
      (binary ? CURLWS_BINARY : CURLWS_TEXT) | (fin ? 0u : static_cast<unsigned>(CURLWS_CONT));
  size_t size;
  bool ok;
  const bool queue_was_empty = sendq_.empty();
  if (info[0].IsBuffer()) {
    // Framed and masked straight from the caller's memory: the only copy.
    auto b = info[0].As<Napi::Buffer<uint8_t>>();
    size = b.Length();
    ok = PushMessage(b.Data(), size, flags);
  } else {
    std::string text = info[0].As<Napi::String>().Utf8Value();
    size = text.size();
    ok = PushMessage(BytePtr(text), size, flags);
  }
  if (!ok) throw QueueFailure(env);
  // Blocked: the writable event goes on. Small and not the first of its run: wait for flush()
  // (-1 asks JS to schedule it).
  if (blocked_) return Napi::Number::New(env, 0);
  if (size < kWriteNowMin && !MayWriteThrough(queue_was_empty)) return Napi::Number::New(env, -1);
  size_t before = pending_sent_data_;
  PumpSend();
  // Completions from this call are reported synchronously; anything else goes out with the
  // next dispatch.
  size_t completed = pending_sent_data_ - before;
  pending_sent_data_ = before;
  ScheduleIfPending();
  return Napi::Number::New(env, static_cast<double>(completed));
}

// Writes what send() queued (see kWriteNowMin). Returns how many send() calls completed.
Napi::Value Session::Flush(const Napi::CallbackInfo& info) {
  wrote_through_at_ = 0;  // JS flushes from a microtask: the synchronous run has ended
  size_t completed = 0;
  if (easy_ && !blocked_ && (state_ == State::kOpen || state_ == State::kClosing)) {
    size_t before = pending_sent_data_;
    PumpSend();
    completed = pending_sent_data_ - before;
    pending_sent_data_ = before;
    ScheduleIfPending();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(completed));
}

size_t Session::QueueControl(const Napi::CallbackInfo& info, unsigned int flags) {
  Napi::Env env = info.Env();
  Writable(env);
  std::string payload = info.Length() > 0 ? BytesOf(info[0]) : std::string();
  if (payload.size() > 125) throw Napi::RangeError::New(env, "control payload over 125 bytes");
  // Messages send() is holding for flush() go first: a control frame overtakes data only when
  // the socket is what holds it back.
  if (!blocked_ && !sendq_.empty()) PumpSend();
  if (!sendq_.PushControl(BytePtr(payload), payload.size(), flags, SendQueue::Origin::kUser))
    throw QueueFailure(env);
  size_t before = pending_sent_control_;
  if (!blocked_) PumpSend();
  size_t completed = pending_sent_control_ - before;
  pending_sent_control_ = before;
  ScheduleIfPending();
  return completed;
}

Napi::Value Session::Ping(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(QueueControl(info, CURLWS_PING)));
}

Napi::Value Session::Pong(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(QueueControl(info, CURLWS_PONG)));
}

}  // namespace curlws

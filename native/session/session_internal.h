// Internals shared by the Session's translation units (session.cc: lifecycle, handshake, close
// policy; session_receive.cc: the read side; session_send.cc: the write side): constants, small
// helpers and DispatchScope, the one way into JS. Not part of any other file's interface.
#ifndef CURLWS_NATIVE_SESSION_INTERNAL_H_
#define CURLWS_NATIVE_SESSION_INTERNAL_H_

#include <napi.h>

#include <cstdint>
#include <string>

#include "engine/environment.h"
#include "session/event_batch.h"
#include "session/session.h"

namespace curlws {
namespace session_detail {

// From this size on a message keeps the block it was assembled in: a binary one becomes an
// external Buffer over it (no copy), a text one a string of its own; below it, a message is
// copied into the batch's shared arena (binary) or string (text).
constexpr size_t kOwnBlockMin = 64 * 1024;
// Deliver to JS at least this often during one long drain, so a flood cannot build an unbounded
// batch before the application sees anything (or pauses), and so a message the application
// keeps does not pin much of the batch's arena or string with it. Below glibc's mmap threshold
// (128 KiB) the arena's memory is recycled by malloc instead of faulted in fresh every batch.
constexpr size_t kEventsPerDispatch = 1024;
// send(): a message at least this large is written at once; a smaller one too when it is the
// first of its synchronous run (Session::MayWriteThrough). The others wait for flush(), which JS
// calls from a microtask, so the rest of a burst goes out in one write.
constexpr size_t kWriteNowMin = 64 * 1024;
constexpr size_t kBatchBytesMax = 96 * 1024;
// One readable event reads at most about this much before the loop gets a turn (the rest is
// read on the next iteration): a flooding peer must not starve timers and other sockets, and
// Buffers the application already dropped are only freed once the loop runs.
constexpr size_t kDrainBudget = 1024 * 1024;
// Fresh 64 KiB chunks one curl_ws_recv() may take for reading ahead (see curl_memory.h).
constexpr int kReadAheadChunks = 2;
// Deliveries one DispatchScope makes before it leaves the rest to the next loop iteration.
constexpr int kMaxDispatchRounds = 8;

inline bool IsValidWireCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

inline std::string ClosePayload(uint16_t code, const std::string& reason) {
  if (code == 0 || code == 1005) return std::string();
  std::string out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out += reason;
  return out;
}

inline Napi::Error QueueError(Napi::Env env, const char* why) {
  Napi::Error err = Napi::Error::New(env, std::string("curlws: ") + why);
  err.Set("code", "ERR_CURLWS_INTERNAL");
  return err;
}

// What a JS method throws when memory ran out (the connection fails with the same code).
inline Napi::Error OutOfMemoryError(Napi::Env env) {
  Napi::Error err = Napi::Error::New(env, "curlws: out of memory; the connection was failed");
  err.Set("code", "WS_ERR_OUT_OF_MEMORY");
  return err;
}

inline const uint8_t* BytePtr(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

inline std::string BytesOf(const Napi::Value& v) {
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<char>>();
    return std::string(b.Data(), b.Length());
  }
  return std::string();
}

}  // namespace session_detail

// Opens a HandleScope and an EventBatch for the length of one uv callback, and delivers the
// batch to JS at the end. Nested scopes on the same session share the outer batch.
class DispatchScope {
 public:
  explicit DispatchScope(Session* s)
      : s_(s), handle_scope_(s->Env()), batch_(s->Env()), owner_(s->batch_ == nullptr) {
    if (owner_) s_->batch_ = &batch_;
  }
  ~DispatchScope() {
    if (!owner_) return;
    // Filling the events' objects may run JS already (a setter on Object.prototype).
    if (s_->engine_) s_->engine_->multi().BeforeJs();
    bool delivered = true;
    try {
      // JS called during a delivery may have produced more events; deliver those too, for a
      // bounded number of rounds: JS that answers every event with another (a trace callback
      // that sends) would otherwise hold the loop here for ever.
      for (int round = 0; round < session_detail::kMaxDispatchRounds; round++) {
        s_->EmitPending();
        if (batch_.empty()) break;
        Deliver(s_, &batch_);
      }
    } catch (const std::bad_alloc&) {
      s_->FailOutOfMemory("delivering events");
    } catch (...) {
      // Node-API refuses calls while a worker is being terminated; nothing can be delivered.
      delivered = false;
    }
    s_->batch_ = nullptr;
    try {
      s_->SendHeldClose();
      s_->AfterDispatch();
      // What the last round produced waits in the session (pending_*, trace lines): a later
      // loop iteration delivers it (Engine::Soon → RunSoon → a new DispatchScope).
      if (delivered) s_->ScheduleIfPending();
    } catch (...) {
    }
  }
  DispatchScope(const DispatchScope&) = delete;
  DispatchScope& operator=(const DispatchScope&) = delete;

  // Raw napi_make_callback on purpose: in a worker being terminated JS cannot run, and
  // node-addon-api would turn that failure into a fatal error while wrapping it.
  static void Deliver(Session* s, EventBatch* batch) {
    Napi::Env env = s->Env();
    if (s->engine_) s->engine_->multi().BeforeJs();  // Take() fills arrays: JS setters may run
    // The batch's messages become JS values in this scope and die with it: nothing from an
    // earlier batch stays referenced while a long drain goes on.
    Napi::HandleScope scope(env);
    Environment* environment = Environment::Of(env);
    napi_value args[5];
    batch->Take(args + 1);
    if (batch->failed()) {
      // A message's value could not be made: the ones before it go out now, the connection
      // fails after them (the error follows in the next round).
      batch->clear_failure();
      s->FailOutOfMemory("delivering a message");
    }
    if (!environment || environment->dispatcher().IsEmpty() || s->target_.IsEmpty()) return;
    args[0] = s->target_.Value();
    s->wrote_through_at_ = 0;  // a new synchronous run: its first small send may write at once
    napi_value result;
    napi_status status = napi_make_callback(env, s->async_context_, env.Global(),
                                            environment->dispatcher().Value(), 5, args, &result);
    if (status == napi_ok) return;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) != napi_ok) return;
    // The dispatcher catches everything itself, so what reaches us is either the termination
    // of a worker (no exception object: drop it) or a bug worth surfacing as uncaught.
    napi_valuetype type = napi_undefined;
    napi_typeof(env, exception, &type);
    if (type == napi_object) napi_fatal_exception(env, exception);
  }

 private:
  Session* s_;
  Napi::HandleScope handle_scope_;
  EventBatch batch_;
  bool owner_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_SESSION_INTERNAL_H_

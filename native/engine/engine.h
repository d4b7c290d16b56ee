// Per-environment engine: the libuv side of one Node environment (main thread or a worker).
// Owns the Multi, the "soon" handles that defer work out of JS calls, the registry of live
// transfers, and the accounting of every uv handle so that environment teardown can wait for
// all close callbacks (a worker's loop must be empty when Node closes it).
//
// Teardown order (Engine::Shutdown, run from napi's async cleanup hook):
//   1. every live Transfer (Session, Easy) Detach(): stop its poll/timer,
//      curl_multi_remove_handle, curl_easy_cleanup (no JS is called);
//   2. curl_multi_cleanup (libcurl may still report CURL_POLL_REMOVE, so pollers still exist);
//   3. uv_close the multi timer and the soon timer and idle handle;
//   4. when the last close callback has run: napi_remove_async_cleanup_hook, delete the engine.
//
// Threading: loop thread of its environment only. No JS values are held here.
#ifndef CURLWS_NATIVE_ENGINE_H_
#define CURLWS_NATIVE_ENGINE_H_

#include <node_api.h>
#include <uv.h>

#include <memory>
#include <unordered_set>
#include <vector>

#include "engine/multi.h"
#include "engine/transfer.h"

namespace curlws {

// A uv handle allocated by the engine. `uv` must stay the first member: close callbacks get a
// uv_handle_t* and cast back.
template <typename T>
struct UvHandle {
  T uv;
  class Engine* engine;
};

// A poll also remembers the events it is started for (0: stopped), whoever owns it: libuv's
// uv_poll_start re-arms through an epoll_ctl DEL now and an ADD at the next loop poll even when
// the events do not change, so Engine::SetPollEvents compares first, and a poll handed from
// libcurl's side to a connection (Multi::TakeParkedPoll) tells its new owner what it watches.
template <>
struct UvHandle<uv_poll_t> {
  uv_poll_t uv;
  class Engine* engine;
  int events = 0;
};

class Engine {
 public:
  Engine(napi_env env, uv_loop_t* loop);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers the async cleanup hook that tears the engine down with the environment.
  bool InstallCleanupHook();

  uv_loop_t* loop() const { return loop_; }
  Multi& multi() { return *multi_; }
  bool shutting_down() const { return shutting_down_; }

  // Counters for diagnostics.h (leak checks): live transfers are Sessions and Easy handles.
  size_t open_handles() const { return open_handles_; }
  size_t live_sessions() const { return transfers_.size(); }

  // libcurl's error buffer (CURLOPT_ERRORBUFFER) for every open Session of this engine: an open
  // connection's libcurl calls are made one at a time from this thread, so one buffer, cleared
  // before each call that can fail (curl_ws_recv, curl_easy_recv, curl_easy_send) and read right
  // after it, serves them all (Session::BeforeCurlCall, AfterCurlCall). A handshake
  // keeps a buffer of its own: several end in one curl_multi_socket_action.
  char* shared_errbuf() { return shared_errbuf_; }

  void Register(Transfer* t) { transfers_.insert(t); }
  void Unregister(Transfer* t) { transfers_.erase(t); }

  // Runs t->RunSoon() once, however often it is asked, out of the current call stack: on a
  // 0 ms uv timer, so normally in the next timers phase. Work that asks again from inside
  // RunSoon (a drain that used its budget, a dispatch that used its rounds) runs again in the
  // same timers phase — libuv before 1.48 runs a timer re-armed from its own callback at once —
  // but only kSoonPerTurn times in a row: then it waits for the next loop iteration (an idle
  // handle), so I/O, timers and setImmediate get their turn. A chain that never ends by itself
  // (a trace callback that sends on every line) would otherwise never leave the timers phase.
  void Soon(Transfer* t);
  void CancelSoon(Transfer* t);

  UvHandle<uv_timer_t>* NewTimer(void* owner);
  // Tests only (the addon's refuseTimersForTest): while on, NewTimer throws std::bad_alloc, as
  // `new` does when memory has run out, so a session's lazy timer can be refused on demand.
  static void RefuseTimersForTest(bool refuse);
  UvHandle<uv_idle_t>* NewIdle(void* owner);
  // nullptr if libuv refuses the socket (for example EEXIST); `err` gets the uv error.
  // The poll libcurl has just stopped using for `s`, if any (Multi::TakeParkedPoll): still
  // armed (its `events`) if `easy` is the handle it was parked for, else stopped; now calling
  // `cb` with `owner`. Otherwise a new, stopped one.
  // (curl_socket_t: a SOCKET, not an int, on Windows)
  UvHandle<uv_poll_t>* NewPoll(curl_socket_t s, CURL* easy, void* owner, uv_poll_cb cb, int* err);
  // Makes `poll` watch `events` (0: stop) and call `cb`. Costs no syscall when it already
  // watches those events (only the callback changes: a poll taken over from libcurl keeps its
  // epoll registration). Returns uv_poll_start's or uv_poll_stop's result.
  static int SetPollEvents(UvHandle<uv_poll_t>* poll, int events, uv_poll_cb cb);
  // uv_close + free in the close callback; safe to call once per handle.
  void Close(uv_handle_t* handle);
  template <typename T>
  void Close(UvHandle<T>* h) {
    Close(reinterpret_cast<uv_handle_t*>(&h->uv));
  }

 private:
  // C callbacks (libuv, Node-API): noexcept, nothing is thrown through C frames.
  static void OnAsyncCleanup(napi_async_cleanup_hook_handle handle, void* arg) noexcept;
  static void OnSoonTimer(uv_timer_t* timer) noexcept;
  static void OnSoonIdle(uv_idle_t* idle) noexcept;
  void RunSoonQueue() noexcept;
  template <typename T>
  static void OnClosed(uv_handle_t* handle) noexcept;
  // Allocates a handle, runs `init` on it (a uv_*_init) and counts it; nullptr on failure.
  template <typename T, typename Init>
  UvHandle<T>* NewHandle(void* owner, Init init, int* err = nullptr);
  void Shutdown() noexcept;
  void MaybeFinishShutdown();

  napi_env env_;
  uv_loop_t* loop_;
  char shared_errbuf_[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<Multi> multi_;
  UvHandle<uv_timer_t>* soon_timer_ = nullptr;
  UvHandle<uv_idle_t>* soon_idle_ = nullptr;  // the next iteration, after kSoonPerTurn runs
  std::vector<Transfer*> soon_queue_;
  bool in_soon_ = false;  // inside RunSoonQueue
  int soon_turns_ = 0;    // runs of the queue in a row, each asked for from inside the last
  std::unordered_set<Transfer*> transfers_;
  size_t open_handles_ = 0;
  bool shutting_down_ = false;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_ENGINE_H_

// The environment's CURLM*, driven by libuv: CURLMOPT_SOCKETFUNCTION → one uv_poll_t per curl
// socket, CURLMOPT_TIMERFUNCTION → one uv_timer_t (it only arms the timer; the work runs from
// the timer callback, never inside libcurl's callback).
//
// WebSocket handles stay in the multi for their whole life: curl_multi_remove_handle on a
// CONNECT_ONLY handle closes its socket. After CURLMSG_DONE libcurl stops watching the socket
// (it reports CURL_POLL_REMOVE first), and the Session (or Easy) polls it itself.
//
// Handover of a poll (not on Windows): at CURL_POLL_REMOVE inside the socket action the poll is
// parked, still armed and registered with epoll, with no owner. A Session whose handshake has
// just finished takes it (Engine::NewPoll → TakeParkedPoll) with the events libcurl left it
// watching — readable, what an open connection wants — so the handover costs no epoll_ctl at
// all. Only the handle that libcurl named when it let go of the socket takes it armed: anyone
// else asking for that fd number gets it stopped (libuv allows one poll per fd, so it must be
// this one), since its socket may be a new one that the old epoll registration does not cover. A
// parked poll stays armed only while no JS can run: JS could close the socket and open another one
// that gets the same fd number, and an armed poll left for that number would take its epoll events
// (libuv keeps one watcher per fd). So BeforeJs() closes them first (one epoll_ctl DEL each, as a
// stop would cost; a transfer finishing later in the same action then makes a new poll), and a poll
// that libcurl takes back (TakeParkedPoll from Watch) is stopped first: its fd may be a new socket
// by then, which the old epoll registration does not cover.
//
// Threading: loop thread only. Owned by the Engine; see engine.h for the teardown order.
#ifndef CURLWS_NATIVE_MULTI_H_
#define CURLWS_NATIVE_MULTI_H_

#include <curl/curl.h>
#include <uv.h>

#include <utility>
#include <vector>

namespace curlws {

class Engine;
template <typename T>
struct UvHandle;

class Multi {
 public:
  explicit Multi(Engine* engine);
  ~Multi();  // curl_multi_cleanup; every easy handle must have been removed before
  Multi(const Multi&) = delete;
  Multi& operator=(const Multi&) = delete;

  bool ok() const { return multi_ != nullptr && timer_ != nullptr; }
  CURLMcode Add(CURL* easy);
  CURLMcode Remove(CURL* easy);
  // True while libcurl may be on the stack with its per-multi "in callback" flag set: during
  // curl_multi_socket_action, and while a JS callback of the low-level API (curlws/curl) runs,
  // whatever libcurl call it came from. libcurl refuses add/remove then (RECURSIVE_API_CALL),
  // so callers defer them to Engine::Soon.
  bool in_callback() const { return in_action_ || js_callbacks_ > 0; }
  bool in_action() const { return in_action_; }
  // Brackets a JS callback called from inside libcurl (easy_callbacks.cc).
  void EnterJsCallback() {
    BeforeJs();
    js_callbacks_++;
  }
  void LeaveJsCallback() { js_callbacks_--; }
  // Called before any JS can run while a socket action or its finished transfers are handled —
  // a Session's events (DispatchScope: also the objects it fills, whose prototype's setters are
  // JS), a curlws/curl callback (and the lookup of its function), a perform() result: closes
  // the parked polls (see above).
  void BeforeJs() {
    if (!parked_.empty()) CloseParkedPolls();
  }
  // The uv_poll of socket `s` if libcurl let go of it during the socket action that is
  // finishing and no JS has run since (nullptr if none): still armed (its `events` say) when
  // `easy` is the handle libcurl named then, else stopped (nullptr: libcurl's own re-watch,
  // always stopped). A WebSocket transfer watches that same socket next: taking the poll spares
  // a uv_poll_init (an ioctl and two epoll_ctl), a uv_close and, armed, the stop and restart
  // (three epoll_ctl). Polls nobody took are closed at the first JS after they were parked
  // (BeforeJs), or at the end of the action.
  UvHandle<uv_poll_t>* TakeParkedPoll(curl_socket_t s, CURL* easy);

 private:
  // C callbacks (libcurl, libuv): noexcept, nothing is thrown through C frames.
  static int OnSocket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp) noexcept;
  static int OnTimerSet(CURLM* multi, long timeout_ms, void* userp) noexcept;
  static void OnTimer(uv_timer_t* timer) noexcept;
  static void OnPoll(uv_poll_t* poll, int status, int events) noexcept;
  // OnSocket's work: starts, changes or stops the uv_poll of one of libcurl's sockets.
  int Watch(CURL* easy, curl_socket_t s, int what, UvHandle<uv_poll_t>* poll);
  void SocketAction(curl_socket_t s, int flags) noexcept;
  // Hands every finished transfer to its Transfer (Session or Easy), one message at a time:
  // JS may add or remove other handles in between.
  void ProcessDone() noexcept;
  void CloseParkedPolls() noexcept;

  Engine* engine_;
  CURLM* multi_ = nullptr;
  UvHandle<uv_timer_t>* timer_ = nullptr;
  bool in_action_ = false;  // guards against re-entering curl_multi_socket_action
  int js_callbacks_ = 0;    // JS callbacks of curlws/curl handles on the stack
  // Polls of sockets libcurl stopped watching inside curl_multi_socket_action (no owner)
  struct Parked {
    curl_socket_t s;
    CURL* easy;  // the handle libcurl named at CURL_POLL_REMOVE
    UvHandle<uv_poll_t>* poll;
  };
  std::vector<Parked> parked_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_MULTI_H_

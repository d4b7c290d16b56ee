#include "engine/multi.h"

#include "engine/engine.h"
#include "engine/transfer.h"

namespace curlws {

Multi::Multi(Engine* engine) : engine_(engine) {
  multi_ = curl_multi_init();
  if (!multi_) return;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Multi::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Multi::OnTimerSet);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // No MAX_HOST_CONNECTIONS / MAX_TOTAL_CONNECTIONS: each live WebSocket holds a pool slot and
  // a limit would park new handshakes forever or evict idle ones (libcurl-ws.md §4).
  timer_ = engine_->NewTimer(this);
}

Multi::~Multi() {
  if (multi_) curl_multi_cleanup(multi_);  // may still call OnSocket(CURL_POLL_REMOVE)
  CloseParkedPolls();
  if (timer_) engine_->Close(timer_);
}

CURLMcode Multi::Add(CURL* easy) {
  return curl_multi_add_handle(multi_, easy);
}

CURLMcode Multi::Remove(CURL* easy) {
  return curl_multi_remove_handle(multi_, easy);
}

// libcurl's callbacks and the uv callbacks below are C boundaries: nothing may be thrown
// through them. A poll that cannot be allocated fails the transfer that owns the socket.
int Multi::OnSocket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp) noexcept {
  try {
    return static_cast<Multi*>(userp)->Watch(easy, s, what,
                                             static_cast<UvHandle<uv_poll_t>*>(socketp));
  } catch (...) {
    return -1;  // libcurl fails the transfer that owns this socket
  }
}

int Multi::Watch(CURL* easy, curl_socket_t s, int what, UvHandle<uv_poll_t>* poll) {
  if (what == CURL_POLL_REMOVE) {
    if (poll) {
      curl_multi_assign(multi_, s, nullptr);
#ifndef _WIN32
      // Kept, still armed, for the transfer that watches this socket next (TakeParkedPoll).
      // Only inside the action, whose end closes what was not taken; no loop poll runs
      // meanwhile, so no event can reach it without an owner. (Not on Windows, where a poll
      // holds state of the SOCKET it was made for, and a new socket can get the same number.)
      if (in_action_) {
        poll->uv.data = nullptr;
        parked_.push_back(Parked{s, easy, poll});
        return 0;
      }
#endif
      engine_->Close(poll);
    }
    return 0;
  }
  if (!poll) {
    int err = 0;
    // A parked poll comes back stopped: `s` may number a socket opened since (TakeParkedPoll).
    poll = engine_->NewPoll(s, nullptr, this, &Multi::OnPoll, &err);
    if (!poll) return -1;  // libcurl fails the transfer that owns this socket
    curl_multi_assign(multi_, s, poll);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  return Engine::SetPollEvents(poll, events, &Multi::OnPoll) == 0 ? 0 : -1;
}

int Multi::OnTimerSet(CURLM* /*multi*/, long timeout_ms, void* userp) noexcept {
  auto* self = static_cast<Multi*>(userp);
  if (!self->timer_) return -1;
  if (timeout_ms < 0) {
    uv_timer_stop(&self->timer_->uv);
    return 0;
  }
  // Even a 0 ms timeout goes through the loop: socket_action must not be called from here.
  return uv_timer_start(&self->timer_->uv, &Multi::OnTimer, static_cast<uint64_t>(timeout_ms), 0) ==
                 0
             ? 0
             : -1;
}

void Multi::OnTimer(uv_timer_t* timer) noexcept {
  auto* self = static_cast<Multi*>(timer->data);
  if (self) self->SocketAction(CURL_SOCKET_TIMEOUT, 0);
}

void Multi::OnPoll(uv_poll_t* poll, int status, int events) noexcept {
  auto* self = static_cast<Multi*>(poll->data);
  if (!self) return;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(poll), &fd) != 0) return;
#ifdef _WIN32
  // uv_os_fd_t is a HANDLE there, holding the SOCKET the poll was made from
  curl_socket_t s = reinterpret_cast<curl_socket_t>(fd);
#else
  curl_socket_t s = fd;
#endif
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  self->SocketAction(s, flags);
}

void Multi::SocketAction(curl_socket_t s, int flags) noexcept {
  if (in_action_ || engine_->shutting_down()) return;
  int running = 0;
  in_action_ = true;
  curl_multi_socket_action(multi_, s, flags, &running);  // C: our callbacks inside never throw
  in_action_ = false;
  ProcessDone();  // each Transfer catches at its OnTransferDone
  CloseParkedPolls();
}

UvHandle<uv_poll_t>* Multi::TakeParkedPoll(curl_socket_t s, CURL* easy) {
  for (auto it = parked_.begin(); it != parked_.end(); ++it) {
    if (it->s != s) continue;
    UvHandle<uv_poll_t>* poll = it->poll;
    const bool same_handle = easy && it->easy == easy;
    parked_.erase(it);
    // Another handle's fd number may be a socket opened since, which the old epoll registration
    // does not cover: it starts from a stopped poll (one epoll_ctl DEL).
    if (!same_handle) Engine::SetPollEvents(poll, 0, nullptr);
    return poll;
  }
  return nullptr;
}

void Multi::CloseParkedPolls() noexcept {
  for (auto& entry : parked_) engine_->Close(entry.poll);
  parked_.clear();
}

void Multi::ProcessDone() noexcept {
  int left = 0;
  CURLMsg* msg;
  while (!engine_->shutting_down() && (msg = curl_multi_info_read(multi_, &left)) != nullptr) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    void* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&priv));
    if (priv) static_cast<Transfer*>(priv)->OnTransferDone(result);
  }
}

}  // namespace curlws

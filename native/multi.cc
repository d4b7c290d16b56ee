#include "multi.h"

#include "engine.h"
#include "transfer.h"

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
  if (timer_) engine_->Close(timer_);
}

CURLMcode Multi::Add(CURL* easy) {
  return curl_multi_add_handle(multi_, easy);
}

CURLMcode Multi::Remove(CURL* easy) {
  return curl_multi_remove_handle(multi_, easy);
}

int Multi::OnSocket(CURL* /*easy*/, curl_socket_t s, int what, void* userp, void* socketp) {
  auto* self = static_cast<Multi*>(userp);
  auto* poll = static_cast<UvHandle<uv_poll_t>*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (poll) {
      curl_multi_assign(self->multi_, s, nullptr);
      self->engine_->Close(poll);
    }
    return 0;
  }
  if (!poll) {
    int err = 0;
    poll = self->engine_->NewPoll(s, self, &err);
    if (!poll) return -1;  // libcurl fails the transfer that owns this socket
    curl_multi_assign(self->multi_, s, poll);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  return uv_poll_start(&poll->uv, events, &Multi::OnPoll) == 0 ? 0 : -1;
}

int Multi::OnTimerSet(CURLM* /*multi*/, long timeout_ms, void* userp) {
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

void Multi::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<Multi*>(timer->data);
  if (self) self->SocketAction(CURL_SOCKET_TIMEOUT, 0);
}

void Multi::OnPoll(uv_poll_t* poll, int status, int events) {
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

void Multi::SocketAction(curl_socket_t s, int flags) {
  if (in_action_ || engine_->shutting_down()) return;
  int running = 0;
  in_action_ = true;
  curl_multi_socket_action(multi_, s, flags, &running);
  in_action_ = false;
  ProcessDone();
}

void Multi::ProcessDone() {
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

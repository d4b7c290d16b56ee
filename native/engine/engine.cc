#include "engine/engine.h"

#include <algorithm>
#include <atomic>
#include <new>

namespace curlws {

Engine::Engine(napi_env env, uv_loop_t* loop) : env_(env), loop_(loop) {
  soon_timer_ = NewTimer(this);
  soon_idle_ = NewIdle(this);
  multi_ = std::make_unique<Multi>(this);
}

Engine::~Engine() = default;

bool Engine::InstallCleanupHook() {
  return napi_add_async_cleanup_hook(env_, &Engine::OnAsyncCleanup, this, &cleanup_hook_) ==
         napi_ok;
}

namespace {
// Runs of the soon queue in one timers phase (see Engine::Soon). Enough for a drain of a
// flood to go on for several budgets before the loop turns, as when it could go on for ever.
constexpr int kSoonPerTurn = 16;
}  // namespace

void Engine::Soon(Transfer* s) {
  if (shutting_down_ || !soon_timer_ || !soon_idle_) return;
  if (std::find(soon_queue_.begin(), soon_queue_.end(), s) != soon_queue_.end()) return;
  soon_queue_.push_back(s);
  if (soon_queue_.size() != 1) return;
  if (in_soon_ && soon_turns_ >= kSoonPerTurn)
    uv_idle_start(&soon_idle_->uv, &Engine::OnSoonIdle);
  else
    uv_timer_start(&soon_timer_->uv, &Engine::OnSoonTimer, 0, 0);
}

void Engine::CancelSoon(Transfer* s) {
  soon_queue_.erase(std::remove(soon_queue_.begin(), soon_queue_.end(), s), soon_queue_.end());
}

void Engine::OnSoonTimer(uv_timer_t* timer) noexcept {
  auto* self = static_cast<Engine*>(timer->data);
  if (self) self->RunSoonQueue();
}

void Engine::OnSoonIdle(uv_idle_t* idle) noexcept {
  auto* self = static_cast<Engine*>(idle->data);
  if (!self) return;
  uv_idle_stop(idle);  // active only while work waits: it keeps the poll phase from blocking
  self->soon_turns_ = 0;
  self->RunSoonQueue();
}

// Every RunSoon catches at its own boundary (Session, Easy); this one only moves pointers.
void Engine::RunSoonQueue() noexcept {
  std::vector<Transfer*> batch;
  batch.swap(soon_queue_);
  const bool nested = in_soon_;
  in_soon_ = true;
  soon_turns_++;
  for (Transfer* s : batch) {
    if (shutting_down_) break;
    // A transfer handled earlier in this batch may have re-queued itself; that is fine.
    s->RunSoon();
  }
  in_soon_ = nested;
  if (soon_queue_.empty()) soon_turns_ = 0;  // the chain ended: the next one starts afresh
}

template <typename T, typename Init>
UvHandle<T>* Engine::NewHandle(void* owner, Init init, int* err) {
  auto* h = new UvHandle<T>{};
  h->engine = this;
  int rc = init(&h->uv);
  if (err) *err = rc;
  if (rc != 0) {
    delete h;
    return nullptr;
  }
  h->uv.data = owner;
  open_handles_++;
  return h;
}

namespace {
std::atomic<bool> refuse_timers{false};  // RefuseTimersForTest
}  // namespace

void Engine::RefuseTimersForTest(bool refuse) {
  refuse_timers.store(refuse, std::memory_order_relaxed);
}

UvHandle<uv_timer_t>* Engine::NewTimer(void* owner) {
  if (refuse_timers.load(std::memory_order_relaxed)) throw std::bad_alloc();
  return NewHandle<uv_timer_t>(owner, [this](uv_timer_t* t) { return uv_timer_init(loop_, t); });
}

UvHandle<uv_idle_t>* Engine::NewIdle(void* owner) {
  return NewHandle<uv_idle_t>(owner, [this](uv_idle_t* i) { return uv_idle_init(loop_, i); });
}

UvHandle<uv_poll_t>* Engine::NewPoll(curl_socket_t s, CURL* easy, void* owner, uv_poll_cb cb,
                                     int* err) {
  if (multi_) {
    if (UvHandle<uv_poll_t>* parked = multi_->TakeParkedPoll(s, easy)) {
      parked->uv.data = owner;
      SetPollEvents(parked, parked->events, cb);  // the owner and its callback change together
      if (err) *err = 0;
      return parked;
    }
  }
  return NewHandle<uv_poll_t>(
      owner,
      [this, s](uv_poll_t* p) {
        return uv_poll_init_socket(loop_, p, static_cast<uv_os_sock_t>(s));
      },
      err);
}

int Engine::SetPollEvents(UvHandle<uv_poll_t>* poll, int events, uv_poll_cb cb) {
  if (events == poll->events) {
    poll->uv.poll_cb = cb;  // a public field of uv_poll_t, read when an event is delivered
    return 0;
  }
  int rc = events != 0 ? uv_poll_start(&poll->uv, events, cb) : uv_poll_stop(&poll->uv);
  // uv_poll_start refuses (UV_EEXIST: another handle watches the fd) before it touches the poll
  if (rc == 0) poll->events = events;
  return rc;
}

template <typename T>
void Engine::OnClosed(uv_handle_t* handle) noexcept {
  auto* h = reinterpret_cast<UvHandle<T>*>(handle);
  Engine* engine = h->engine;
  delete h;
  engine->open_handles_--;
  engine->MaybeFinishShutdown();
}

void Engine::Close(uv_handle_t* handle) {
  if (!handle || uv_is_closing(handle)) return;
  handle->data = nullptr;  // no callback may reach the owner any more
  switch (handle->type) {
    case UV_TIMER: uv_close(handle, &Engine::OnClosed<uv_timer_t>); break;
    case UV_POLL: uv_close(handle, &Engine::OnClosed<uv_poll_t>); break;
    case UV_IDLE: uv_close(handle, &Engine::OnClosed<uv_idle_t>); break;
    default:
      uv_close(handle, nullptr);  // not allocated by us; never happens
      break;
  }
}

void Engine::OnAsyncCleanup(napi_async_cleanup_hook_handle handle, void* arg) noexcept {
  auto* self = static_cast<Engine*>(arg);
  self->cleanup_hook_ = handle;
  self->Shutdown();
}

void Engine::Shutdown() noexcept {
  if (shutting_down_) return;
  shutting_down_ = true;
  soon_queue_.clear();
  // Detach() unregisters; taking them one at a time allocates nothing (no copy of the set).
  while (!transfers_.empty()) {
    Transfer* t = *transfers_.begin();
    transfers_.erase(transfers_.begin());
    t->Detach();
  }
  multi_.reset();
  if (soon_timer_) {
    Close(soon_timer_);
    soon_timer_ = nullptr;
  }
  if (soon_idle_) {
    Close(soon_idle_);
    soon_idle_ = nullptr;
  }
  MaybeFinishShutdown();
}

void Engine::MaybeFinishShutdown() {
  if (!shutting_down_ || open_handles_ != 0 || !cleanup_hook_) return;
  napi_async_cleanup_hook_handle hook = cleanup_hook_;
  cleanup_hook_ = nullptr;
  delete this;
  napi_remove_async_cleanup_hook(hook);
}

}  // namespace curlws

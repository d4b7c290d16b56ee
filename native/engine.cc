#include "engine.h"

#include <algorithm>

namespace curlws {

Engine::Engine(napi_env env, uv_loop_t* loop) : env_(env), loop_(loop) {
  soon_timer_ = NewTimer(this);
  multi_ = std::make_unique<Multi>(this);
}

Engine::~Engine() = default;

bool Engine::InstallCleanupHook() {
  return napi_add_async_cleanup_hook(env_, &Engine::OnAsyncCleanup, this, &cleanup_hook_) ==
         napi_ok;
}

void Engine::Soon(Transfer* s) {
  if (shutting_down_ || !soon_timer_) return;
  if (std::find(soon_.begin(), soon_.end(), s) != soon_.end()) return;
  soon_.push_back(s);
  if (soon_.size() == 1) uv_timer_start(&soon_timer_->uv, &Engine::OnSoonTimer, 0, 0);
}

void Engine::CancelSoon(Transfer* s) {
  soon_.erase(std::remove(soon_.begin(), soon_.end(), s), soon_.end());
}

void Engine::OnSoonTimer(uv_timer_t* timer) {
  auto* self = static_cast<Engine*>(timer->data);
  if (!self) return;
  std::vector<Transfer*> batch;
  batch.swap(self->soon_);
  for (Transfer* s : batch) {
    if (self->shutting_down_) break;
    // A session handled earlier in this batch may have re-queued itself; that is fine.
    s->RunSoon();
  }
}

UvHandle<uv_timer_t>* Engine::NewTimer(void* owner) {
  auto* h = new UvHandle<uv_timer_t>{};
  h->engine = this;
  if (uv_timer_init(loop_, &h->uv) != 0) {
    delete h;
    return nullptr;
  }
  h->uv.data = owner;
  open_handles_++;
  return h;
}

UvHandle<uv_poll_t>* Engine::NewPoll(curl_socket_t s, void* owner, int* err) {
  auto* h = new UvHandle<uv_poll_t>{};
  h->engine = this;
  *err = uv_poll_init_socket(loop_, &h->uv, static_cast<uv_os_sock_t>(s));
  if (*err != 0) {
    delete h;
    return nullptr;
  }
  h->uv.data = owner;
  open_handles_++;
  return h;
}

template <typename T>
void Engine::OnClosed(uv_handle_t* handle) {
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
    default:
      uv_close(handle, nullptr);  // not allocated by us; never happens
      break;
  }
}

void Engine::OnAsyncCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* self = static_cast<Engine*>(arg);
  self->cleanup_hook_ = handle;
  self->Shutdown();
}

void Engine::Shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  soon_.clear();
  // Detach() unregisters, so iterate over a copy.
  std::vector<Transfer*> live(transfers_.begin(), transfers_.end());
  for (Transfer* t : live) t->Detach();
  transfers_.clear();
  multi_.reset();
  if (soon_timer_) {
    Close(soon_timer_);
    soon_timer_ = nullptr;
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

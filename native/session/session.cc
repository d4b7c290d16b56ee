// Session: lifecycle, configuration, the opening handshake, timers, the close policy and
// delivery of pending events. The read side is in session_receive.cc, the write side in
// session_send.cc; shared internals in session_internal.h.
#include "session/session.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "engine/curl_options.h"
#include "engine/environment.h"
#include "memory/curl_memory.h"
#include "protocol/utf8_validator.h"
#include "session/handshake_info.h"
#include "session/session_internal.h"

namespace curlws {

using namespace session_detail;  // NOLINT: this file's own internals

template <Napi::Value (Session::*Method)(const Napi::CallbackInfo&)>
Napi::Value Session::Guarded(const Napi::CallbackInfo& info) {
  try {
    return (this->*Method)(info);
  } catch (const std::bad_alloc&) {
    FailOutOfMemory("handling a call");
    throw OutOfMemoryError(info.Env());
  }
}

Napi::Function Session::Define(Napi::Env env) {
  return DefineClass(
      env, "Session",
      {
          InstanceMethod<&Session::Guarded<&Session::Send>>("send"),
          InstanceMethod<&Session::Guarded<&Session::Flush>>("flush"),
          InstanceMethod<&Session::Guarded<&Session::Ping>>("ping"),
          InstanceMethod<&Session::Guarded<&Session::Pong>>("pong"),
          InstanceMethod<&Session::Guarded<&Session::Close>>("close"),
          InstanceMethod<&Session::Guarded<&Session::Terminate>>("terminate"),
          InstanceMethod<&Session::Guarded<&Session::Pause>>("pause"),
          InstanceMethod<&Session::Guarded<&Session::Resume>>("resume"),
          InstanceMethod<&Session::Guarded<&Session::BufferedAmount>>("bufferedAmount"),
          InstanceMethod<&Session::Guarded<&Session::Stats>>("stats"),
          InstanceMethod<&Session::Guarded<&Session::Hold>>("hold"),
          InstanceMethod<&Session::Guarded<&Session::KeepAlive>>("keepAlive"),
          InstanceMethod<&Session::Guarded<&Session::Handshake>>("handshake"),
      });
}

Session::Session(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Session>(info), async_context_(info.Env(), "curlws:WebSocket") {
  Napi::Env env = info.Env();
  Environment* environment = Environment::Of(env);
  if (!environment || !environment->engine() || environment->engine()->shutting_down())
    throw Napi::Error::New(env, "curlws: the environment is shutting down");
  if (info.Length() < 2 || !info[1].IsObject())
    throw Napi::TypeError::New(env, "Session(init, target): target must be an object");
  InitReader init(info[0]);  // throws unless init is the array SessionInitField describes
  engine_ = environment->engine();
  target_ = Napi::Persistent(info[1].As<Napi::Object>());
  Configure(init);

  // connect() from inside a curlws/curl callback: libcurl refuses curl_multi_add_handle there,
  // so the handshake starts from RunSoon.
  add_deferred_ = engine_->multi().in_callback();
  if (!add_deferred_) {
    CURLMcode mc = engine_->multi().Add(easy_.get());
    if (mc != CURLM_OK) throw Napi::Error::New(env, curl_multi_strerror(mc));
  }
  timer_ = engine_->NewTimer(this);
  if (!timer_) {
    if (!add_deferred_) engine_->multi().Remove(easy_.get());
    throw Napi::Error::New(env, "curlws: could not create a timer");
  }
  engine_->Register(this);
  Ref();  // released once the final 'closed' event is delivered
  if (add_deferred_) engine_->Soon(this);
  if (handshake_timeout_ms_) StartTimer(handshake_timeout_ms_);
}

Session::~Session() {
  if (engine_ && !finalized_) {
    ReleaseNative(false);  // garbage: nothing can ask for the handshake any more
    engine_->CancelSoon(this);
    engine_->Unregister(this);
  }
}

void Session::Configure(const InitReader& init) {
  Napi::Env env = Env();
  auto fail = [&](const std::string& what) {
    Napi::Error err = Napi::Error::New(env, "curlws: " + what);
    err.Set("code", "ERR_CURLWS_INTERNAL");
    throw err;
  };
  // Last line of defence for the request line and headers: lib/ has refused CR, LF and NUL with
  // an error naming the option already, so this only fires if a path there was missed.
  auto unsafe = [&](const std::string& what) {
    Napi::TypeError err =
        Napi::TypeError::New(env, "curlws: " + what + " must not hold CR, LF or NUL");
    err.Set("code", "ERR_INVALID_ARG_VALUE");
    throw err;
  };
  easy_.reset(curl_easy_init());
  if (!easy_) fail("curl_easy_init failed");
  handshake_errbuf_ = std::make_unique<char[]>(CURL_ERROR_SIZE);  // zeroed
  errbuf_ = handshake_errbuf_.get();
  CURL* e = easy_.get();
  std::string url = init.String(kInitUrl);
  if (!IsWireSafe(url)) unsafe("the URL");
  handshake_timeout_ms_ = init.Count(kInitHandshakeTimeout);
  close_timeout_ms_ = init.Count(kInitCloseTimeout);
  FrameAssembler::Limits limits;
  limits.max_payload = init.Count(kInitMaxPayload);
  if (Environment* environment = Environment::Of(env)) {
    limits.max_binary = environment->limits().max_buffer_length;
    limits.max_text_units = environment->limits().max_string_length;
  }
  text_as_bytes_ = init.Bool(kInitTextAsBytes);
  limits.text_as_bytes = text_as_bytes_;
  assembler_.set_limits(limits);
  assembler_.set_backlog(&Session::SocketBacklog, this);

  uint64_t verbose = init.Count(kInitVerbose);
  tracer_.set_level(verbose > 2 ? 2 : static_cast<int>(verbose));
  auto_pong_ = init.Bool(kInitAutoPong);

  key_ = MakeWebSocketKey();
  if (key_.empty()) fail("no random bytes for Sec-WebSocket-Key");
  if (!SlistAppend(request_headers_, ("Sec-WebSocket-Key: " + key_).c_str())) fail("out of memory");

  protocols_ = init.Strings(kInitProtocols);
  std::string joined;
  for (const std::string& p : protocols_) {
    if (!IsWireSafe(p)) unsafe("a subprotocol");
    if (!joined.empty()) joined += ", ";
    joined += p;
  }
  if (!joined.empty() &&
      !SlistAppend(request_headers_, ("Sec-WebSocket-Protocol: " + joined).c_str()))
    fail("out of memory");
  for (const std::string& line : init.Strings(kInitHeaders)) {
    if (!IsWireSafe(line)) unsafe("a request header");
    if (!SlistAppend(request_headers_, line.c_str())) fail("out of memory");
  }

  const long ws_options = CURLWS_NOAUTOPONG | ConfigureDeflate(init);

  bool ok = curl_easy_setopt(e, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ws,wss") == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 2L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_WS_OPTIONS, ws_options) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, request_headers_.get()) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<Transfer*>(this)) == CURLE_OK &&
            // ws:// through an HTTP proxy must tunnel (CONNECT); before 8.21 libcurl would
            // forward-proxy a GET ws://… that most proxies refuse.
            curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L) == CURLE_OK;
  if (!ok) fail("libcurl refused a basic option");

  // TLS secrets go to tls.keylog, or nowhere: never to libcurl's SSLKEYLOGFILE (tls_context.h).
  std::string path;
  if (init.OptionalString(kInitKeylog, &path)) {
    if (!IsWireSafe(path)) unsafe("the TLS key log file name");  // a NUL would cut the name short
    std::string why;
    keylog_ = KeylogFile::Open(path, &why);
    if (!keylog_) {
      Napi::Error err = Napi::Error::New(
          env, "Cannot open the TLS key log file (options.tls.keylog) \"" + path + "\": " + why);
      err.Set("code", "ERR_CURLWS_KEYLOG");
      throw err;
    }
  }
  // A libcurl without OpenSSL has no TLS context hook: it can neither log on request nor be
  // kept from logging, so a requested key log fails instead of silently writing nothing.
  if (!InstallTlsContextHook(e, &keylog_) && keylog_)
    fail("this libcurl's TLS backend cannot log TLS keys (it has no CURLOPT_SSL_CTX_FUNCTION)");
  if (tracer_.level() > 0) tracer_.Attach(e);

  // CURLOPT_RESOLVE entries land in the DNS cache, which the multi shares between all its
  // handles: give such a session a cache of its own so its entries cannot leak into others.
  if (init.Bool(kInitPrivateDns)) {
    dns_share_.reset(curl_share_init());
    if (!dns_share_ ||
        curl_share_setopt(dns_share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_easy_setopt(e, CURLOPT_SHARE, dns_share_.get()) != CURLE_OK)
      fail("could not create a private DNS cache");
  }

  // A CA file is preferred: libcurl parses it once per multi and shares the store (CA cache),
  // while a blob is parsed again by every connection.
  std::string ca_file;
  Napi::Value ca = init.OptionalBuffer(kInitCaBundle);
  if (init.OptionalString(kInitCaFile, &ca_file)) {
    const char* path = ca_file.c_str();
    if (curl_easy_setopt(e, CURLOPT_CAINFO, path) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, path) != CURLE_OK)
      fail("libcurl refused the CA file");
  } else if (!ca.IsEmpty()) {
    auto buf = ca.As<Napi::Buffer<char>>();
    curl_blob blob{buf.Data(), buf.Length(), CURL_BLOB_COPY};
    if (curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROXY_CAINFO_BLOB, &blob) != CURLE_OK)
      fail("this libcurl cannot take CA certificates from memory (CURLOPT_CAINFO_BLOB)");
  }
  // Everything else the TS layer mapped to CURLOPT_* names (tls, proxy, resolve, curl: {…}).
  std::string error;
  if (!ApplyCurlOptions(e, init.Array(kInitCurlOptions), &option_lists_, &error)) {
    Napi::Error err = Napi::Error::New(env, error);
    err.Set("code", "ERR_INVALID_ARG_VALUE");
    throw err;
  }
}

// ---- handshake -------------------------------------------------------------------------------

void Session::OnTransferDone(CURLcode result) {
  if (state_ != State::kConnecting || !easy_) return;
  try {
    DispatchScope scope(this);
    HandshakeDone(result);
  } catch (...) {
    OnCallbackException();
  }
}

void Session::HandshakeDone(CURLcode result) {
  if (timer_) uv_timer_stop(&timer_->uv);
  CURL* e = easy_.get();
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (result == CURLE_OK && status == 0) {
    // The peer closed before any HTTP status line (a server that hangs up, a TLS port spoken to
    // over ws://). libcurl's "Empty reply from server" check (Curl_http_done) is skipped for
    // CONNECT_ONLY transfers, so it reports success with no status: this is what curl itself
    // says for the same exchange (CURLE_GOT_NOTHING, 52), a network failure, not a refusal.
    result = CURLE_GOT_NOTHING;
    snprintf(errbuf_, CURL_ERROR_SIZE, "%s", "Empty reply from server");
  }

  if (result != CURLE_OK || status != 101) {
    if (result == CURLE_OK || result == CURLE_HTTP_RETURNED_ERROR) {
      ErrorInfo& error = ending().error;
      error.status = status;
      error.headers = CollectHeaders(e, CURLH_HEADER);
      Fail("WS_ERR_UNEXPECTED_RESPONSE", "Unexpected server response: " + std::to_string(status), 0,
           CURLE_OK);
    } else {
      long proxy_status = 0;
      curl_easy_getinfo(e, CURLINFO_HTTP_CONNECTCODE, &proxy_status);
      std::string message = errbuf_[0] ? errbuf_ : curl_easy_strerror(result);
      if (proxy_status >= 300) {
        ending().error.proxy_status = proxy_status;
        if (message.find(std::to_string(proxy_status)) == std::string::npos)
          message += " (proxy answered " + std::to_string(proxy_status) + ")";
      }
      Fail("", message, 0, result);
    }
    return;
  }

  HeaderList headers = CollectHeaders(e, CURLH_1XX);
  std::string protocol;
  HandshakeFailure bad =
      ValidateUpgradeResponse(headers, key_, protocols_, offer_deflate_, &protocol);
  if (!bad.code.empty()) {
    // The 101 travels with the error: curlws/ws emits it as 'upgrade' before 'error', as ws.
    ErrorInfo& error = ending().error;
    error.status = status;
    error.headers = std::move(headers);
    Fail(bad.code.c_str(), bad.message, 0, CURLE_OK);
    return;
  }
  std::string extension;
  if (!NegotiateExtensions(headers, &extension)) return;
  // Only the handshake needed these; an open (often idle) connection keeps none of them.
  std::string().swap(key_);
  std::vector<std::string>().swap(protocols_);
  if (curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr) == CURLE_OK) request_headers_.reset();

  curl_socket_t fd = CURL_SOCKET_BAD;
  curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd);
  int err = 0;
  if (fd != CURL_SOCKET_BAD) poll_ = engine_->NewPoll(fd, e, this, &Session::OnPoll, &err);
  if (poll_ && !keep_alive_) uv_unref(reinterpret_cast<uv_handle_t*>(&poll_->uv));
  if (!poll_) {
    Fail("",
         std::string("Cannot watch the connection's socket: ") +
             (err ? uv_strerror(err) : "no socket"),
         0, CURLE_RECV_ERROR);
    return;
  }
  // From here on the engine's shared error buffer serves this handle (BeforeCurlCall); a message
  // in it belongs to a WebSocket-phase error.
  if (curl_easy_setopt(e, CURLOPT_ERRORBUFFER, engine_->shared_errbuf()) == CURLE_OK) {
    errbuf_ = engine_->shared_errbuf();
    handshake_errbuf_.reset();
  }
  errbuf_[0] = '\0';
  state_ = State::kOpen;
  // An open connection needs a timer only to close (closeTimeout) or to release an idle
  // compressor: made again by EnsureTimer then, rather than kept by every idle connection.
  ReleaseTimer();

  // 'open' carries only what it needs; the rest of the record is read when JS asks (Handshake).
  opened_ = true;
  Napi::Env env = Env();
  auto text_or_none = [&](const std::string& value) -> napi_value {
    return value.empty() ? nullptr : static_cast<napi_value>(Napi::String::New(env, value));
  };
  batch_->Add(EventType::kOpen, text_or_none(protocol), text_or_none(extension));

  UpdatePoll();
  // Frames that came with the 101 already sit in libcurl's buffer: no poll event will announce
  // them, so read right away. The first curl_ws_recv also re-attaches the connection to the
  // handle (libcurl parks it in the pool at CURLMSG_DONE), which the TLS names need.
  tls_info_due_ = true;
  Drain();
  TakeTlsInfo();  // if the drain read nothing
}

void Session::TakeTlsInfo() {
  if (!tls_info_due_) return;
  tls_ = TlsInfoOf(easy_.get());
  tls_info_due_ = false;
}

// `connection.handshake` on its first read: from libcurl while the handle lives, else from the
// copy ReleaseNative took (handed over once, then freed: JS caches the result).
// Out of memory, it reads undefined (and can be asked again): a property read must not fail the
// connection.
Napi::Value Session::Handshake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!opened_) return env.Undefined();
  try {
    if (handshake_) {
      Napi::Array record = HandshakeToJs(env, *handshake_, tls_);
      handshake_.reset();
      handshake_read_ = true;
      return record;
    }
    if (!easy_ || handshake_read_) return env.Undefined();
    Napi::Array record = HandshakeToJs(env, SnapshotHandshake(easy_.get()), tls_);
    handshake_read_ = true;
    return record;
  } catch (const std::bad_alloc&) {
    return env.Undefined();
  }
}

// ---- receiving -------------------------------------------------------------------------------

void Session::OnPoll(uv_poll_t* poll, int status, int events) noexcept {
  auto* self = static_cast<Session*>(poll->data);
  if (!self) return;
  try {
    DispatchScope scope(self);
    if (status < 0) {
      // libuv reports a socket error (EPOLLERR: a reset, a refused write) as UV_EBADF and stops
      // the poll. Reading first lets libcurl name the real error ("Connection reset by peer");
      // the socket error stands only if the read found none.
      self->Drain();
      if (self->state_ != State::kClosed && !self->failing_)
        self->Fail("", std::string("Socket error: ") + uv_strerror(status), 0, CURLE_RECV_ERROR);
      return;
    }
    if ((events & UV_WRITABLE) && self->blocked_) {
      self->blocked_ = false;
      self->PumpSend();
    }
    if ((events & UV_READABLE) && self->state_ != State::kClosed) self->Drain();
  } catch (...) {
    self->OnCallbackException();
  }
}

void Session::UpdatePoll() {
  if (!poll_) return;
  bool reading = !paused_ && !held_ && (state_ == State::kOpen || state_ == State::kClosing) &&
                 (!peer_closed_ || failing_);
  int events = (reading ? UV_READABLE : 0) | (blocked_ ? UV_WRITABLE : 0);
  Engine::SetPollEvents(poll_, events, &Session::OnPoll);
}

Napi::Value Session::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ == State::kClosed || close_queued_) return env.Undefined();
  if (state_ == State::kConnecting) {
    Finish(1006, "", false);
    return env.Undefined();
  }
  uint16_t code = info.Length() > 0 && info[0].IsNumber()
                      ? static_cast<uint16_t>(info[0].As<Napi::Number>().Uint32Value())
                      : 0;
  std::string reason = info.Length() > 1 ? BytesOf(info[1]) : std::string();
  // JS validates the reason; the cap keeps a direct native call from building a control frame
  // over 125 bytes (RFC 6455 §5.5).
  if (reason.size() > 123) reason.resize(123);
  close_queued_ = true;
  state_ = State::kClosing;
  paused_ = false;  // the peer's CLOSE must be read even if the application paused
  if (!sendq_.PushClose(ClosePayload(code, reason))) {
    Finish(1006, "", false);
    return env.Undefined();
  }
  if (close_timeout_ms_) StartTimer(close_timeout_ms_);
  if (!blocked_) PumpSend();
  ScheduleIfPending();
  return env.Undefined();
}

Napi::Value Session::Terminate(const Napi::CallbackInfo& info) {
  if (state_ != State::kClosed) {
    // What send() queued for the next flush() goes out if the socket takes it now, as it would
    // have had send() written it at once. A write error changes nothing: the connection ends.
    if (easy_ && !blocked_ && (state_ == State::kOpen || state_ == State::kClosing)) {
      SendQueue::Completions done;
      CURLcode err = CURLE_OK;
      WriteQueued(&done, &err);
    }
    Finish(1006, "", false);
  }
  return info.Env().Undefined();
}

// keepAlive(false): an open connection alone no longer keeps the event loop (the process)
// alive, like socket.unref(). The handshake phase always does.
Napi::Value Session::KeepAlive(const Napi::CallbackInfo& info) {
  keep_alive_ = info.Length() < 1 || info[0].ToBoolean();
  auto apply = [this](uv_handle_t* h) {
    if (keep_alive_)
      uv_ref(h);
    else
      uv_unref(h);
  };
  if (poll_) apply(reinterpret_cast<uv_handle_t*>(&poll_->uv));
  if (timer_ && state_ != State::kConnecting) apply(reinterpret_cast<uv_handle_t*>(&timer_->uv));
  return info.Env().Undefined();
}

// While JS holds back events (between 'open' and the moment connect()'s caller can listen), no
// more is read and a failure CLOSE waits, so replies to those events still go out before it.
Napi::Value Session::Hold(const Napi::CallbackInfo& info) {
  bool hold = info.Length() > 0 && info[0].ToBoolean();
  if (hold == held_) return info.Env().Undefined();
  held_ = hold;
  UpdatePoll();
  if (!held_) {
    SendHeldClose();
    if (state_ == State::kOpen || state_ == State::kClosing)
      engine_->Soon(this);  // buffered frames
  }
  return info.Env().Undefined();
}

Napi::Value Session::Pause(const Napi::CallbackInfo& info) {
  paused_ = true;
  UpdatePoll();
  return info.Env().Undefined();
}

Napi::Value Session::Resume(const Napi::CallbackInfo& info) {
  if (paused_) {
    paused_ = false;
    UpdatePoll();
    // libcurl may hold frames that no poll event will announce.
    if (state_ == State::kOpen || state_ == State::kClosing) engine_->Soon(this);
  }
  return info.Env().Undefined();
}

void Session::ScheduleIfPending() {
  if (batch_ || !engine_ || finalized_) return;
  if (pending_sent_data_ || pending_sent_control_ || pending_drain_ || pending_error_ ||
      pending_closed_ || !tracer_.empty())
    engine_->Soon(this);
}

Napi::Value Session::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("messagesReceived", Napi::Number::New(env, static_cast<double>(messages_in_)));
  o.Set("bytesReceived", Napi::Number::New(env, static_cast<double>(bytes_in_)));
  o.Set("messagesSent", Napi::Number::New(env, static_cast<double>(messages_out_)));
  o.Set("bytesSent", Napi::Number::New(env, static_cast<double>(bytes_out_)));
  o.Set("bufferedAmount", Napi::Number::New(env, static_cast<double>(sendq_.buffered_amount())));
  return o;
}

Napi::Value Session::BufferedAmount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(sendq_.buffered_amount()));
}

// ---- timers, deferred work, ending -----------------------------------------------------------

bool Session::EnsureTimer() {
  if (timer_) return true;
  // Never after ReleaseNative (a closed session): nothing would close the new handle.
  if (!engine_ || finalized_ || state_ == State::kClosed || engine_->shutting_down()) return false;
  timer_ = engine_->NewTimer(this);  // std::bad_alloc reaches the caller's guard
  if (!timer_) return false;
  // KeepAlive(false) applies to the timers of an open connection: this one too.
  if (!keep_alive_ && state_ != State::kConnecting)
    uv_unref(reinterpret_cast<uv_handle_t*>(&timer_->uv));
  return true;
}

void Session::ReleaseTimer() {
  if (!timer_) return;
  uv_timer_stop(&timer_->uv);
  engine_->Close(timer_);
  timer_ = nullptr;
  deflate_idle_armed_ = false;
}

void Session::StartTimer(uint64_t ms) {
  bool have_timer = false;
  try {
    have_timer = EnsureTimer();
  } catch (const std::bad_alloc&) {
    // An idle connection has no timer and making one failed. Without it nothing would end this
    // wait (a close handshake whose peer never answers): end the connection now, with the error
    // and its one 'close', rather than maybe never. No CLOSE 1011 either: it would wait again.
    FailOutOfMemory("arming a timeout", 0);
    return;
  }
  if (!have_timer) return;
  // A uv timer counts from the loop's cached clock, taken when the loop last woke up: after
  // synchronous work in the same tick it would fire that much early. The timeouts are promised
  // from the call that armed them (connect(), close()), so refresh the clock first, as Node's
  // own setTimeout does.
  uv_update_time(timer_->uv.loop);
  deflate_idle_armed_ = false;  // a timeout takes the timer over
  uv_timer_start(&timer_->uv, &Session::OnTimeout, ms, 0);
}

void Session::OnTimeout(uv_timer_t* timer) noexcept {
  auto* self = static_cast<Session*>(timer->data);
  if (!self) return;
  try {
    if (self->deflate_idle_armed_) {
      self->OnDeflateIdle();  // not a timeout: no JS involved
      return;
    }
    DispatchScope scope(self);
    if (self->state_ == State::kConnecting)
      self->Fail("WS_ERR_HANDSHAKE_TIMEOUT", "Opening handshake has timed out", 0, CURLE_OK);
    else if (self->state_ == State::kClosing)
      self->Finish(1006, "", false);  // the peer never answered our CLOSE (closeTimeout)
  } catch (...) {
    self->OnCallbackException();
  }
}

void Session::RunSoon() {
  try {
    if (release_deferred_) ReleaseNative();
    DispatchScope scope(this);
    if (add_deferred_) {
      add_deferred_ = false;
      CURLMcode mc =
          state_ == State::kConnecting && easy_ ? engine_->multi().Add(easy_.get()) : CURLM_OK;
      if (mc != CURLM_OK) Fail("", curl_multi_strerror(mc), 0, CURLE_FAILED_INIT);
    }
    if (send_deferred_) {
      send_deferred_ = false;
      if (!blocked_) PumpSend();
    }
    if (!paused_ && !held_ && poll_ && (state_ == State::kOpen || state_ == State::kClosing))
      Drain();
  } catch (...) {
    OnCallbackException();
  }
}

void Session::Fail(const char* code, std::string message, uint16_t close_code, CURLcode curl_code) {
  if (state_ == State::kClosed) return;
  // The first failure is the one reported. A handshake refusal made ending_ already (status
  // and headers) without recording an error in it.
  bool first = !ending_ || (ending_->error.code.empty() && ending_->error.curl_code < 0);
  if (!pending_error_ && first && !failing_) {
    try {
      ErrorInfo& error = ending().error;
      std::string code_text(code);
      error.code = std::move(code_text);  // from here on nothing allocates
      error.message = std::move(message);
      error.curl_code = curl_code == CURLE_OK ? -1 : static_cast<int>(curl_code);
      error.close_code = close_code;
      pending_error_ = true;
    } catch (const std::bad_alloc&) {
      // No memory to describe the failure: the connection still fails, without an 'error'.
    }
  }
  if (state_ == State::kConnecting || close_code == 0 || !easy_ || close_queued_) {
    if (close_queued_ && close_code != 0 && !failing_) {
      // A close handshake is already under way: let it finish (or time out), reading nothing.
      failing_ = true;
      UpdatePoll();
      return;
    }
    Finish(1006, "", false);
    return;
  }
  // Fail the connection (RFC 6455 §7.1.7): send our CLOSE with the reason code, then wait for
  // the peer's CLOSE or EOF (bounded by closeTimeout) while discarding what it still sends.
  // Inside a dispatch the CLOSE waits until the messages that arrived before the violation have
  // been delivered: replies the application sends to them go out first (Autobahn 3.x/4.x/5.15).
  failing_ = true;
  fail_close_code_ = close_code;
  paused_ = false;  // the peer's CLOSE must be read even if the application paused
  if (!batch_) SendFailClose();
}

void Session::FailOutOfMemory(const char* while_doing, uint16_t close_code) noexcept {
  try {
    Fail("WS_ERR_OUT_OF_MEMORY", std::string("Out of memory while ") + while_doing, close_code,
         CURLE_OK);
    return;
  } catch (...) {
  }
  // Fail itself ran out (the message, the CLOSE frame): end the connection at once (one 'close').
  try {
    Finish(1006, std::string(), false);
  } catch (...) {
  }
}

void Session::OnCallbackException() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    FailOutOfMemory("handling a network event");
  } catch (...) {
    // The environment cannot run JS (worker terminating); its cleanup hook releases us.
  }
}

void Session::SendHeldClose() {
  SendFailClose();
  SendCloseReply();
}

void Session::SendFailClose() {
  if (!fail_close_code_ || state_ == State::kClosed || held_) return;
  uint16_t code = fail_close_code_;
  fail_close_code_ = 0;
  // The application's close() (from a handler of the events delivered first) queued a CLOSE
  // already: a second one would follow it on the wire. Its close handshake goes on, reading
  // nothing more (failing_).
  if (close_queued_) return;
  close_queued_ = true;
  state_ = State::kClosing;
  if (!sendq_.PushClose(ClosePayload(code, std::string()))) {
    Finish(1006, "", false);
    return;
  }
  if (close_timeout_ms_) StartTimer(close_timeout_ms_);
  if (!blocked_) PumpSend();
  UpdatePoll();
  ScheduleIfPending();
}

void Session::Finish(uint16_t code, std::string reason, bool clean) {
  if (state_ == State::kClosed) return;
  if (!reason.empty()) {
    // Finish must not throw: it runs where an exception would be swallowed (after a dispatch)
    // and the one 'close' lost.
    try {
      ending().closed_reason = std::move(reason);
    } catch (const std::bad_alloc&) {
      // No memory for the reason: reported as a connection that memory ran out for, 1006.
      code = 1006;
      clean = false;
    }
  }
  state_ = State::kClosed;
  ReleaseNative();
  pending_closed_ = true;
  closed_code_ = code;
  closed_clean_ = clean;
  if (!batch_ && engine_) engine_->Soon(this);
}

void Session::KeepCurlMessage() noexcept {
  try {
    ending().curl_message = errbuf_;
  } catch (const std::bad_alloc&) {
    // No memory to keep it: the error reads as curl_easy_strerror's text instead.
  }
}

const char* Session::CurlMessage() const {
  if (handshake_errbuf_) return errbuf_;
  return ending_ ? ending_->curl_message.c_str() : "";
}

namespace {
std::atomic<bool> refuse_endings{false};  // RefuseEndingsForTest
}  // namespace

void Session::RefuseEndingsForTest(bool refuse) {
  refuse_endings.store(refuse, std::memory_order_relaxed);
}

Session::Ending& Session::ending() {
  if (!ending_) {
    if (refuse_endings.load(std::memory_order_relaxed)) throw std::bad_alloc();
    ending_ = std::make_unique<Ending>();
  }
  return *ending_;
}

void Session::ReleaseNative(bool keep_handshake) {
  if (!engine_) return;
  if (poll_) {
    engine_->Close(poll_);  // stop polling before libcurl closes the socket
    poll_ = nullptr;
  }
  ReleaseTimer();
  if (easy_ && engine_->multi().in_callback()) {
    // Inside a libcurl callback (JS of a curlws/curl transfer closed us): removing the handle
    // now would be refused and cleaning it up would leave the multi a dangling pointer.
    release_deferred_ = true;
    engine_->Soon(this);
    return;
  }
  release_deferred_ = false;
  if (easy_ && keep_handshake && opened_ && !handshake_read_ && !handshake_) {
    try {
      handshake_ = std::make_unique<HandshakeSnapshot>(SnapshotHandshake(easy_.get()));
    } catch (const std::bad_alloc&) {
      // No memory for the copy: `handshake` reads undefined after this close. Closing must go on.
    }
  }
  if (easy_) {
    engine_->multi().Remove(easy_.get());
    easy_.reset();
  }
  dns_share_.reset();
  request_headers_.reset();
  assembler_.Abandon();  // a message cut off by the close is never delivered
  // permessage-deflate's zlib streams (hundreds of KiB) go with the connection, not with the
  // JS object's garbage collection. Nothing reads or sends after this (easy_ is gone).
  raw_.reset();
  deflater_.reset();
}

void Session::EmitPending() {
  if (!batch_) return;
  Napi::Env env = Env();
  for (const std::string& line : tracer_.lines())
    batch_->Add(EventType::kTrace, Napi::String::New(env, line));
  tracer_.clear();
  if (pending_sent_data_ || pending_sent_control_) {
    batch_->Add(EventType::kSent, Napi::Number::New(env, static_cast<double>(pending_sent_data_)),
                Napi::Number::New(env, static_cast<double>(pending_sent_control_)));
    pending_sent_data_ = 0;
    pending_sent_control_ = 0;
  }
  if (pending_drain_) {
    pending_drain_ = false;
    batch_->Add(EventType::kDrain);
  }
  if (pending_error_) {
    pending_error_ = false;
    batch_->Add(EventType::kError, ErrorToJs(env, ending_->error));
  }
  if (pending_closed_) {
    pending_closed_ = false;
    batch_->Add(EventType::kClosed, Napi::Number::New(env, closed_code_),
                Napi::String::New(env, ending_ ? ending_->closed_reason : std::string()),
                Napi::Boolean::New(env, closed_clean_));
    closed_emitted_ = true;
  }
}

void Session::AfterDispatch() {
  if (!closed_emitted_ || finalized_) return;
  if (release_deferred_) ReleaseNative();  // libcurl is off the stack by now; CancelSoon follows
  finalized_ = true;
  ending_.reset();  // delivered: nothing reads it again
  if (engine_) {
    engine_->CancelSoon(this);
    engine_->Unregister(this);
  }
  target_.Reset();
  Unref();
}

void Session::Detach() {
  ReleaseNative(false);  // no JS will run again
  state_ = State::kClosed;
  finalized_ = true;
  engine_ = nullptr;
}

}  // namespace curlws

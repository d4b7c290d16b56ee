#include "session.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "addon.h"
#include "curl_memory.h"
#include "curl_options.h"
#include "handshake_info.h"
#include "utf8_validator.h"

namespace curlws {
namespace {

// From this size on a message gets memory of its own: binary is received straight into its
// Buffer once its size is known (StartDirectMessage), text becomes a string of its own; below
// it, a message is copied into the batch's shared arena (binary) or string (text).
constexpr size_t kOwnBlockMin = 64 * 1024;
// Deliver to JS at least this often during one long drain, so a flood cannot build an unbounded
// batch before the application sees anything (or pauses), and so a message the application
// keeps does not pin much of the batch's arena or string with it. Below glibc's mmap threshold
// (128 KiB) the arena's memory is recycled by malloc instead of faulted in fresh every batch.
constexpr size_t kEventsPerDispatch = 1024;
// send(): a message at least this large is written at once; smaller ones wait for flush(), which
// JS calls from a microtask, so all the messages of one synchronous run go out in one write.
constexpr size_t kWriteNowMin = 64 * 1024;
constexpr size_t kBatchBytesMax = 96 * 1024;
// One readable event reads at most about this much before the loop gets a turn (the rest is
// read on the next iteration): a flooding peer must not starve timers and other sockets, and
// Buffers the application already dropped are only freed once the loop runs.
constexpr size_t kDrainBudget = 1024 * 1024;
// Fresh 64 KiB chunks one curl_ws_recv() may take for reading ahead (see curl_memory.h).
constexpr int kReadAheadChunks = 2;

// A buffer of many MB that is about to be filled: ask for transparent huge pages (where the
// system leaves that to madvise), so the kernel faults in and zeroes 2 MiB at a time instead of
// 4 KiB. Receiving 64 MiB messages took half the CPU time. Only whole 2 MiB pages inside the
// buffer are advised; it is a hint for this memory, nothing process-wide.
void AdviseHugePages(void* data, size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = 2u << 20;
  if (size < 2 * kHuge) return;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)size;
#endif
}

bool IsValidWireCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

std::string ClosePayload(uint16_t code, const std::string& reason) {
  if (code == 0 || code == 1005) return std::string();
  std::string out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out += reason;
  return out;
}

std::string StringOrEmpty(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

uint64_t NumberOrZero(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return 0;
  double d = v.As<Napi::Number>().DoubleValue();
  return d > 0 ? static_cast<uint64_t>(d) : 0;
}

Napi::Error QueueError(Napi::Env env, const char* why) {
  Napi::Error err = Napi::Error::New(env, std::string("curlws: ") + why);
  err.Set("code", "ERR_CURLWS_INTERNAL");
  return err;
}

const uint8_t* BytePtr(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string BytesOf(const Napi::Value& v) {
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<char>>();
    return std::string(b.Data(), b.Length());
  }
  return std::string();
}

}  // namespace

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
    try {
      // JS called during a delivery may have produced more events; deliver those too.
      for (int round = 0; round < 8; round++) {
        s_->EmitPending();
        if (batch_.empty()) break;
        Deliver(s_, &batch_);
      }
    } catch (const std::exception&) {
      // Node-API refuses calls while a worker is being terminated; nothing can be delivered.
    }
    s_->batch_ = nullptr;
    try {
      s_->SendFailClose();
      s_->AfterDispatch();
    } catch (const std::exception&) {
    }
  }
  DispatchScope(const DispatchScope&) = delete;
  DispatchScope& operator=(const DispatchScope&) = delete;

  // Raw napi_make_callback on purpose: in a worker being terminated JS cannot run, and
  // node-addon-api would turn that failure into a fatal error while wrapping it.
  static void Deliver(Session* s, EventBatch* batch) {
    Napi::Env env = s->Env();
    // The batch's messages become JS values in this scope and die with it: nothing from an
    // earlier batch stays referenced while a long drain goes on.
    Napi::HandleScope scope(env);
    Addon* addon = env.GetInstanceData<Addon>();
    napi_value args[5];
    batch->Take(args + 1);
    if (!addon || addon->dispatcher().IsEmpty() || s->target_.IsEmpty()) return;
    args[0] = s->target_.Value();
    napi_value result;
    napi_status status = napi_make_callback(env, s->async_context_, env.Global(),
                                            addon->dispatcher().Value(), 5, args, &result);
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

Napi::Function Session::Define(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod<&Session::Send>("send"),
                         InstanceMethod<&Session::Flush>("flush"),
                         InstanceMethod<&Session::Ping>("ping"),
                         InstanceMethod<&Session::Pong>("pong"),
                         InstanceMethod<&Session::Close>("close"),
                         InstanceMethod<&Session::Terminate>("terminate"),
                         InstanceMethod<&Session::Pause>("pause"),
                         InstanceMethod<&Session::Resume>("resume"),
                         InstanceMethod<&Session::BufferedAmount>("bufferedAmount"),
                         InstanceMethod<&Session::Stats>("stats"),
                         InstanceMethod<&Session::Hold>("hold"),
                         InstanceMethod<&Session::KeepAlive>("keepAlive"),
                     });
}

Session::Session(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Session>(info), async_context_(info.Env(), "curlws:WebSocket") {
  Napi::Env env = info.Env();
  Addon* addon = env.GetInstanceData<Addon>();
  if (!addon || !addon->engine() || addon->engine()->shutting_down())
    throw Napi::Error::New(env, "curlws: the environment is shutting down");
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsObject())
    throw Napi::TypeError::New(env, "Session(init, target): init and target must be objects");
  engine_ = addon->engine();
  target_ = Napi::Persistent(info[1].As<Napi::Object>());
  Configure(info[0].As<Napi::Object>());

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
    ReleaseNative();
    engine_->CancelSoon(this);
    engine_->Unregister(this);
  }
}

void Session::Configure(const Napi::Object& init) {
  Napi::Env env = init.Env();
  auto fail = [&](const std::string& what) {
    Napi::Error err = Napi::Error::New(env, "curlws: " + what);
    err.Set("code", "ERR_CURLWS_INTERNAL");
    throw err;
  };
  easy_.reset(curl_easy_init());
  if (!easy_) fail("curl_easy_init failed");
  CURL* e = easy_.get();
  std::string url = StringOrEmpty(init, "url");
  handshake_timeout_ms_ = NumberOrZero(init, "handshakeTimeout");
  close_timeout_ms_ = NumberOrZero(init, "closeTimeout");
  assembler_.set_max_payload(NumberOrZero(init, "maxPayload"));

  tracer_.set_level(static_cast<int>(NumberOrZero(init, "verbose")));
  auto_pong_ = !init.Get("autoPong").IsBoolean() || init.Get("autoPong").ToBoolean();

  key_ = MakeWebSocketKey();
  if (key_.empty()) fail("no random bytes for Sec-WebSocket-Key");
  if (!SlistAppend(request_headers_, ("Sec-WebSocket-Key: " + key_).c_str())) fail("out of memory");

  Napi::Value protocols = init.Get("protocols");
  if (protocols.IsArray()) {
    Napi::Array list = protocols.As<Napi::Array>();
    std::string joined;
    for (uint32_t i = 0; i < list.Length(); i++) {
      std::string p = list.Get(i).ToString().Utf8Value();
      if (!joined.empty()) joined += ", ";
      joined += p;
      protocols_.push_back(std::move(p));
    }
    if (!joined.empty() &&
        !SlistAppend(request_headers_, ("Sec-WebSocket-Protocol: " + joined).c_str()))
      fail("out of memory");
  }
  Napi::Value headers = init.Get("headers");
  if (headers.IsArray()) {
    Napi::Array list = headers.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++)
      if (!SlistAppend(request_headers_, list.Get(i).ToString().Utf8Value().c_str()))
        fail("out of memory");
  }

  bool ok = curl_easy_setopt(e, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ws,wss") == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 2L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_WS_OPTIONS, static_cast<long>(CURLWS_NOAUTOPONG)) ==
                CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, request_headers_.get()) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_) == CURLE_OK &&
            curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<Transfer*>(this)) == CURLE_OK &&
            // ws:// through an HTTP proxy must tunnel (CONNECT); before 8.21 libcurl would
            // forward-proxy a GET ws://… that most proxies refuse.
            curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L) == CURLE_OK;
  if (!ok) fail("libcurl refused a basic option");
  if (tracer_.level() > 0) tracer_.Attach(e);

  // CURLOPT_RESOLVE entries land in the DNS cache, which the multi shares between all its
  // handles: give such a session a cache of its own so its entries cannot leak into others.
  if (init.Get("privateDns").ToBoolean()) {
    dns_share_.reset(curl_share_init());
    if (!dns_share_ ||
        curl_share_setopt(dns_share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_easy_setopt(e, CURLOPT_SHARE, dns_share_.get()) != CURLE_OK)
      fail("could not create a private DNS cache");
  }

  // A CA file is preferred: libcurl parses it once per multi and shares the store (CA cache),
  // while a blob is parsed again by every connection.
  Napi::Value ca_file = init.Get("caFile");
  Napi::Value ca = init.Get("caBundle");
  if (ca_file.IsString()) {
    std::string path = ca_file.As<Napi::String>().Utf8Value();
    if (curl_easy_setopt(e, CURLOPT_CAINFO, path.c_str()) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, path.c_str()) != CURLE_OK)
      fail("libcurl refused the CA file");
  } else if (ca.IsBuffer()) {
    auto buf = ca.As<Napi::Buffer<char>>();
    curl_blob blob{buf.Data(), buf.Length(), CURL_BLOB_COPY};
    if (curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROXY_CAINFO_BLOB, &blob) != CURLE_OK)
      fail("this libcurl cannot take CA certificates from memory (CURLOPT_CAINFO_BLOB)");
  }
  // Everything else the TS layer mapped to CURLOPT_* names (tls, proxy, resolve, curl: {…}).
  Napi::Value options = init.Get("curlOptions");
  std::string error;
  if (options.IsArray() &&
      !ApplyCurlOptions(e, options.As<Napi::Array>(), &option_lists_, &error)) {
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
  } catch (const std::exception&) {
    // The environment cannot run JS (worker terminating); its cleanup hook releases us.
  }
}

void Session::HandshakeDone(CURLcode result) {
  uv_timer_stop(&timer_->uv);
  CURL* e = easy_.get();
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);

  if (result != CURLE_OK || status != 101) {
    if (result == CURLE_OK || result == CURLE_HTTP_RETURNED_ERROR) {
      error_.status = status;
      error_.headers = CollectHeaders(e, CURLH_HEADER);
      Fail("WS_ERR_UNEXPECTED_RESPONSE",
           "Unexpected server response: " + std::to_string(status), 0, CURLE_OK);
    } else {
      long proxy_status = 0;
      curl_easy_getinfo(e, CURLINFO_HTTP_CONNECTCODE, &proxy_status);
      std::string message = errbuf_[0] ? errbuf_ : curl_easy_strerror(result);
      if (proxy_status >= 300) {
        error_.proxy_status = proxy_status;
        if (message.find(std::to_string(proxy_status)) == std::string::npos)
          message += " (proxy answered " + std::to_string(proxy_status) + ")";
      }
      Fail("", message, 0, result);
    }
    return;
  }

  HeaderList headers = CollectHeaders(e, CURLH_1XX);
  std::string protocol;
  HandshakeFailure bad = ValidateUpgradeResponse(headers, key_, protocols_, &protocol);
  if (!bad.code.empty()) {
    Fail(bad.code.c_str(), bad.message, 0, CURLE_OK);
    return;
  }
  // Only the handshake needed these; an open (often idle) connection keeps none of them.
  std::string().swap(key_);
  std::vector<std::string>().swap(protocols_);
  if (curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr) == CURLE_OK) request_headers_.reset();

  curl_socket_t fd = CURL_SOCKET_BAD;
  curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd);
  int err = 0;
  if (fd != CURL_SOCKET_BAD) poll_ = engine_->NewPoll(static_cast<int>(fd), this, &err);
  if (poll_ && !keep_alive_) uv_unref(reinterpret_cast<uv_handle_t*>(&poll_->uv));
  if (!poll_) {
    Fail("", std::string("Cannot watch the connection's socket: ") +
                 (err ? uv_strerror(err) : "no socket"),
         0, CURLE_RECV_ERROR);
    return;
  }
  errbuf_[0] = '\0';  // from here on, a message in it belongs to a WebSocket-phase error
  state_ = State::kOpen;

  Napi::Object open = HandshakeInfoToJs(Env(), e, status, headers, protocol);
  batch_->Add(EventType::kOpen, open);

  UpdatePoll();
  // Frames that came with the 101 already sit in libcurl's buffer: no poll event will announce
  // them, so read right away. The first curl_ws_recv also re-attaches the connection to the
  // handle (libcurl parks it in the pool at CURLMSG_DONE), which the TLS details need.
  open_info_ = &open;
  Drain();
  if (open_info_) AddTlsInfo(Env(), easy_.get(), open);
  open_info_ = nullptr;
}

// ---- receiving -------------------------------------------------------------------------------

void Session::OnPoll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<Session*>(poll->data);
  if (!self) return;
  try {
    DispatchScope scope(self);
    if (status < 0) {
      self->Fail("", std::string("Socket error: ") + uv_strerror(status), 0, CURLE_RECV_ERROR);
      return;
    }
    if ((events & UV_WRITABLE) && self->blocked_) {
      self->blocked_ = false;
      self->PumpSend();
    }
    if ((events & UV_READABLE) && self->state_ != State::kClosed) self->Drain();
  } catch (const std::exception&) {
    // The environment cannot run JS (worker terminating); its cleanup hook releases us.
  }
}

void Session::Drain() {
  Napi::Env env = Env();
  size_t budget = kDrainBudget;
  // The first message of a drain is delivered at once, before the read that finds the socket
  // empty: libcurl cannot tell whether its buffer holds more, so that read (a recv() returning
  // EAGAIN) is always made, but a reply sent from the handler no longer waits for it. The
  // messages after the first are batched as before.
  bool first_delivered = false;
  while (easy_ && !paused_ && !held_ && (state_ == State::kOpen || state_ == State::kClosing)) {
    if (peer_closed_ && !failing_) break;  // nothing after the peer's CLOSE is read
    if (budget == 0) {
      engine_->Soon(this);  // libcurl may hold the rest: no poll event would announce it
      break;
    }
    size_t space = 0;
    uint8_t* dst = assembler_.Space(&space);
    if (!dst) {
      Fail("WS_ERR_MESSAGE_TOO_BIG", "Out of memory while receiving a message", 1009, CURLE_OK);
      break;
    }
    size_t n = 0;
    const curl_ws_frame* meta = nullptr;
    CURLcode rc;
    {
      RecvChunkBudget read_ahead(kReadAheadChunks);
      rc = curl_ws_recv(easy_.get(), dst, space, &n, &meta);
      if (rc == CURLE_AGAIN) read_ahead.ReleaseEmptyChunks();
    }
    if (open_info_) {
      AddTlsInfo(env, easy_.get(), *open_info_);
      open_info_ = nullptr;
    }
    if (rc == CURLE_AGAIN) {
      assembler_.ReleaseIdle();
      break;
    }
    if (rc != CURLE_OK || !meta) {
      HandleRecvError(rc == CURLE_OK ? CURLE_RECV_ERROR : rc);
      break;
    }
    budget -= std::min(budget, n + 1);  // + 1: empty frames count too
    if (failing_) {
      // We already sent our CLOSE: discard everything until the peer's CLOSE or EOF.
      if (direct_message_) DropDirectMessage();
      if ((meta->flags & CURLWS_CLOSE) && meta->bytesleft == 0) Finish(1006, "", false);
      continue;
    }
    if (tracer_.frames()) tracer_.Frame("<= Recv", meta->flags, n, meta->bytesleft);
    const FrameAssembler::Event event = assembler_.Consume(*meta, n);
    switch (event) {
      case FrameAssembler::Event::kNone:
        if (size_t size = assembler_.RedirectableSize(kOwnBlockMin)) StartDirectMessage(size);
        break;
      case FrameAssembler::Event::kText:
      case FrameAssembler::Event::kBinary: {
        // No JS value is made here (see EventBatch): the bytes wait in the batch.
        const bool binary = event == FrameAssembler::Event::kBinary;
        const size_t size = assembler_.message_size();
        const bool ascii = !binary && assembler_.message_ascii();
        messages_in_++;
        bytes_in_ += size;
        if (assembler_.redirected()) {
          batch_->AddBuffer(direct_message_, size);
          direct_message_ = nullptr;
          assembler_.ReleaseMessage();
        } else if (size >= kOwnBlockMin) {
          batch_->AddBlock(assembler_.DetachMessage(), size, binary, ascii);
        } else {
          if (binary) batch_->AddSlice(EventType::kBinarySlice, assembler_.message(), size);
          else batch_->AddText(assembler_.message(), size, ascii);
          assembler_.ReleaseMessage();
        }
        break;
      }
      case FrameAssembler::Event::kPing: {
        const std::string& payload = assembler_.control();
        // Nothing may follow our CLOSE on the wire; a PING after it goes unanswered.
        if (!close_queued_ && auto_pong_ &&
            !sendq_.PushControl(BytePtr(payload), payload.size(), CURLWS_PONG,
                                SendQueue::Origin::kAuto)) {
          Fail("", sendq_.failure(), 0, CURLE_SEND_ERROR);
          break;
        }
        batch_->AddSlice(EventType::kPing, reinterpret_cast<const uint8_t*>(payload.data()),
                         payload.size());
        if (!blocked_) PumpSend();
        break;
      }
      case FrameAssembler::Event::kPong: {
        const std::string& payload = assembler_.control();
        batch_->AddSlice(EventType::kPong, reinterpret_cast<const uint8_t*>(payload.data()),
                         payload.size());
        break;
      }
      case FrameAssembler::Event::kClose:
        HandlePeerClose();
        break;
      case FrameAssembler::Event::kError: {
        const FrameAssembler::Failure& f = assembler_.failure();
        Fail(f.code, f.message, f.close_code, CURLE_OK);
        break;
      }
    }
    const bool message = event == FrameAssembler::Event::kText || event == FrameAssembler::Event::kBinary;
    if ((message && !first_delivered) || batch_->events() >= kEventsPerDispatch ||
        batch_->bytes() >= kBatchBytesMax) {
      first_delivered = first_delivered || message;
      DispatchScope::Deliver(this, batch_);
    }
  }
}

// A large binary message whose size is known (its final frame has begun) is received straight
// into the Buffer JS will get: no copy at the end, and memory V8 accounts for and frees itself.
// The Buffer is as large as the peer announced (within maxPayload, checked before); its pages
// are only committed as the data arrives.
void Session::StartDirectMessage(size_t size) {
  napi_env env = Env();
  Napi::HandleScope scope(Env());
  void* data = nullptr;
  napi_value buffer;
  if (napi_create_buffer(env, size, &data, &buffer) != napi_ok) {
    // Too large for a Buffer, or JS cannot run: keep assembling in our own memory.
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    return;
  }
  if (napi_create_reference(env, buffer, 1, &direct_message_) != napi_ok) {
    direct_message_ = nullptr;
    return;
  }
  AdviseHugePages(data, size);
  assembler_.RedirectTo(static_cast<uint8_t*>(data));
}

void Session::DropDirectMessage() {
  assembler_.Abandon();
  if (direct_message_) napi_delete_reference(Env(), direct_message_);
  direct_message_ = nullptr;
}

void Session::HandleRecvError(CURLcode rc) {
  if (rc == CURLE_GOT_NOTHING) {
    // The peer closed TCP. Clean only if both CLOSE frames were exchanged.
    bool clean = peer_closed_ && close_sent_ && !failing_;
    Finish(clean ? peer_code_ : 1006, clean ? peer_reason_ : std::string(), clean);
    return;
  }
  if (failing_) {
    Finish(1006, "", false);
    return;
  }
  if (rc == CURLE_RECV_ERROR && std::strncmp(errbuf_, "[WS]", 4) == 0) {
    // libcurl's frame decoder rejected the peer's bytes: a protocol violation (RFC 6455 §7.4.1).
    bool too_big = std::strstr(errbuf_, "63 bits") != nullptr;
    Fail(too_big ? "WS_ERR_MESSAGE_TOO_BIG" : "WS_ERR_PROTOCOL", errbuf_, too_big ? 1009 : 1002,
         CURLE_OK);
    return;
  }
  Fail("", errbuf_[0] ? errbuf_ : curl_easy_strerror(rc), 0, rc);
}

void Session::HandlePeerClose() {
  const std::string& p = assembler_.control();
  uint16_t code = 1005;
  std::string reason;
  if (p.size() == 1) {
    Fail("WS_ERR_INVALID_CLOSE_PAYLOAD", "Close frame with a 1-byte payload", 1002, CURLE_OK);
    return;
  }
  if (p.size() >= 2) {
    code = static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
    if (!IsValidWireCloseCode(code)) {
      Fail("WS_ERR_INVALID_CLOSE_CODE", "Invalid close code " + std::to_string(code), 1002,
           CURLE_OK);
      return;
    }
    reason = p.substr(2);
    if (!Utf8Validator::IsValid(reinterpret_cast<const uint8_t*>(reason.data()), reason.size())) {
      Fail("WS_ERR_INVALID_UTF8", "Invalid UTF-8 in the close reason", 1007, CURLE_OK);
      return;
    }
  }
  peer_closed_ = true;
  peer_code_ = code;
  peer_reason_ = reason;
  Napi::Env env = Env();
  batch_->Add(EventType::kPeerClose, Napi::Number::New(env, code), Napi::String::New(env, reason));
  if (close_sent_) {
    Finish(code, reason, true);
    return;
  }
  if (!close_queued_) {
    // Echo the peer's code (RFC 6455 §5.5.1); queued data not yet started is dropped.
    close_queued_ = true;
    bool ok = true;
    sendq_.ReplaceWithCloseReply(ClosePayload(code, std::string()), &ok);
    if (!ok) {
      Finish(1006, "", false);
      return;
    }
  }
  state_ = State::kClosing;
  if (!blocked_) PumpSend();
  UpdatePoll();
}

// ---- sending ---------------------------------------------------------------------------------

SendQueue::Status Session::WriteQueued(SendQueue::Completions* done, CURLcode* err) {
  if (tracer_.frames()) done->sent_frames = &sent_frames_;
  SendQueue::Status status = sendq_.Pump(easy_.get(), done, err);
  for (const auto& f : sent_frames_) tracer_.Frame("=> Send", static_cast<int>(f.first), f.second, 0);
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
    Fail("", errbuf_[0] ? errbuf_ : curl_easy_strerror(err), 0, err);
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

void Session::UpdatePoll() {
  if (!poll_) return;
  bool reading = !paused_ && !held_ && (state_ == State::kOpen ||
                              (state_ == State::kClosing && (!peer_closed_ || failing_)));
  int events = (reading ? UV_READABLE : 0) | (blocked_ ? UV_WRITABLE : 0);
  if (events == poll_events_) return;
  if (events == 0) uv_poll_stop(&poll_->uv);
  else uv_poll_start(&poll_->uv, events, &Session::OnPoll);
  poll_events_ = events;
}

bool Session::Writable(const Napi::Env& env) {
  if (state_ == State::kOpen && !close_queued_) return true;
  Napi::Error err = Napi::Error::New(env, "WebSocket is not open");
  err.Set("code", state_ == State::kConnecting ? "ERR_WS_NOT_OPEN" : "ERR_WS_CLOSED");
  throw err;
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
  if (info[0].IsBuffer()) {
    // Framed and masked straight from the caller's memory: the only copy.
    auto b = info[0].As<Napi::Buffer<uint8_t>>();
    size = b.Length();
    ok = sendq_.PushData(b.Data(), size, flags);
  } else {
    std::string text = info[0].As<Napi::String>().Utf8Value();
    size = text.size();
    ok = sendq_.PushData(BytePtr(text), size, flags);
  }
  if (!ok) throw QueueError(env, sendq_.failure());
  // Blocked: the writable event goes on. Small: wait for flush() (-1 asks JS to schedule it).
  if (blocked_) return Napi::Number::New(env, 0);
  if (size < kWriteNowMin) return Napi::Number::New(env, -1);
  size_t before = pending_sent_data_;
  if (!blocked_) PumpSend();
  // Completions from this call are reported synchronously; anything else goes out with the
  // next dispatch.
  size_t completed = pending_sent_data_ - before;
  pending_sent_data_ = before;
  ScheduleIfPending();
  return Napi::Number::New(env, static_cast<double>(completed));
}

// Writes what send() queued (see kWriteNowMin). Returns how many send() calls completed.
Napi::Value Session::Flush(const Napi::CallbackInfo& info) {
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
    throw QueueError(env, sendq_.failure());
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
    if (keep_alive_) uv_ref(h);
    else uv_unref(h);
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
    SendFailClose();
    if (state_ == State::kOpen || state_ == State::kClosing) engine_->Soon(this);  // buffered frames
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

void Session::StartTimer(uint64_t ms) {
  if (timer_) uv_timer_start(&timer_->uv, &Session::OnTimeout, ms, 0);
}

void Session::OnTimeout(uv_timer_t* timer) {
  auto* self = static_cast<Session*>(timer->data);
  if (!self) return;
  try {
    DispatchScope scope(self);
    if (self->state_ == State::kConnecting)
      self->Fail("WS_ERR_HANDSHAKE_TIMEOUT", "Opening handshake has timed out", 0, CURLE_OK);
    else if (self->state_ == State::kClosing)
      self->Finish(1006, "", false);  // the peer never answered our CLOSE (closeTimeout)
  } catch (const std::exception&) {
  }
}

void Session::RunSoon() {
  if (release_deferred_) ReleaseNative();
  try {
    DispatchScope scope(this);
    if (add_deferred_) {
      add_deferred_ = false;
      CURLMcode mc = state_ == State::kConnecting && easy_ ? engine_->multi().Add(easy_.get()) : CURLM_OK;
      if (mc != CURLM_OK) Fail("", curl_multi_strerror(mc), 0, CURLE_FAILED_INIT);
    }
    if (send_deferred_) {
      send_deferred_ = false;
      if (!blocked_) PumpSend();
    }
    if (!paused_ && !held_ && poll_ && (state_ == State::kOpen || state_ == State::kClosing)) Drain();
  } catch (const std::exception&) {
  }
}

void Session::Fail(const char* code, std::string message, uint16_t close_code,
                   CURLcode curl_code) {
  if (state_ == State::kClosed) return;
  if (!pending_error_ && error_.code.empty() && error_.curl_code < 0 && !failing_) {
    pending_error_ = true;
    error_.code = code;
    error_.message = std::move(message);
    error_.curl_code = curl_code == CURLE_OK ? -1 : static_cast<int>(curl_code);
    error_.close_code = close_code;
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
  state_ = State::kClosed;
  ReleaseNative();
  pending_closed_ = true;
  closed_code_ = code;
  closed_reason_ = std::move(reason);
  closed_clean_ = clean;
  if (!batch_ && engine_) engine_->Soon(this);
}

void Session::ReleaseNative() {
  if (!engine_) return;
  if (poll_) {
    engine_->Close(poll_);  // stop polling before libcurl closes the socket
    poll_ = nullptr;
    poll_events_ = 0;
  }
  if (timer_) {
    uv_timer_stop(&timer_->uv);
    engine_->Close(timer_);
    timer_ = nullptr;
  }
  if (easy_ && engine_->multi().in_callback()) {
    // Inside a libcurl callback (JS of a curlws/curl transfer closed us): removing the handle
    // now would be refused and cleaning it up would leave the multi a dangling pointer.
    release_deferred_ = true;
    engine_->Soon(this);
    return;
  }
  release_deferred_ = false;
  if (easy_) {
    engine_->multi().Remove(easy_.get());
    easy_.reset();
  }
  dns_share_.reset();
  request_headers_.reset();
  if (direct_message_) DropDirectMessage();
}

void Session::EmitPending() {
  if (!batch_) return;
  Napi::Env env = Env();
  for (const std::string& line : tracer_.lines()) batch_->Add(EventType::kTrace, Napi::String::New(env, line));
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
    batch_->Add(EventType::kError, ErrorToJs(env, error_));
  }
  if (pending_closed_) {
    pending_closed_ = false;
    batch_->Add(EventType::kClosed, Napi::Number::New(env, closed_code_),
                Napi::String::New(env, closed_reason_), Napi::Boolean::New(env, closed_clean_));
    closed_emitted_ = true;
  }
}

void Session::AfterDispatch() {
  if (!closed_emitted_ || finalized_) return;
  if (release_deferred_) ReleaseNative();  // libcurl is off the stack by now; CancelSoon follows
  finalized_ = true;
  if (engine_) {
    engine_->CancelSoon(this);
    engine_->Unregister(this);
  }
  target_.Reset();
  Unref();
}

void Session::Detach() {
  ReleaseNative();
  state_ = State::kClosed;
  finalized_ = true;
  engine_ = nullptr;
}

}  // namespace curlws

// One WebSocket connection: a CURL* (CONNECT_ONLY=2) whose handshake runs through the Multi,
// then a uv_poll on CURLINFO_ACTIVESOCKET that drives curl_ws_recv and the SendQueue (frames
// built here, written with curl_easy_send), plus the protocol policy libcurl leaves to us:
// handshake checks and timeout, PONG replies, close handshake with closeTimeout, failing the
// connection on protocol errors. Implemented in session.cc (lifecycle, handshake, close
// policy), session_receive.cc (read side) and session_send.cc (write side).
//
// Ownership/threading: a Napi::ObjectWrap living on its environment's loop thread. It Ref()s
// its own JS object from construction until the final 'closed' event has been delivered, so an
// open connection is never collected. Native resources (CURL*, uv handles) are released at
// close, or by Detach() when the environment is torn down; after that the destructor (a GC
// finalizer) has nothing to free.
//
// Re-entrancy: JS is only ever called from DispatchScope (the end of a uv callback). JS may call
// back into Send/Close/Terminate/Pause from there; every loop re-checks state_ afterwards.
#ifndef CURLWS_NATIVE_SESSION_H_
#define CURLWS_NATIVE_SESSION_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/handles.h"
#include "engine/tls_context.h"
#include "engine/transfer.h"
#include "protocol/deflate_negotiation.h"
#include "protocol/deflater.h"
#include "protocol/frame_assembler.h"
#include "protocol/handshake.h"
#include "protocol/raw_receiver.h"
#include "protocol/send_queue.h"
#include "session/event_batch.h"
#include "session/handshake_info.h"
#include "session/session_init.h"
#include "session/tracer.h"

namespace curlws {

class Session : public Napi::ObjectWrap<Session>, public Transfer {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Session(const Napi::CallbackInfo& info);
  ~Session() override;

  // Entry points from the Engine/Multi (loop thread, never inside a libcurl callback).
  void OnTransferDone(CURLcode result) override;  // the handshake finished
  void RunSoon() override;
  // Environment teardown: releases native resources without calling JS.
  void Detach() override;

  // Tests only (the addon's refuseEndingsForTest): while on, making a session's Ending throws
  // std::bad_alloc, as it would with no memory left.
  static void RefuseEndingsForTest(bool refuse);

 private:
  enum class State { kConnecting, kOpen, kClosing, kClosed };
  friend class DispatchScope;

  // JS methods.
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Ping(const Napi::CallbackInfo& info);
  Napi::Value Pong(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Terminate(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value BufferedAmount(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Hold(const Napi::CallbackInfo& info);
  Napi::Value KeepAlive(const Napi::CallbackInfo& info);
  Napi::Value Handshake(const Napi::CallbackInfo& info);
  // Takes the TLS version and cipher names if due (tls_info_due_): once open, after the first read.
  void TakeTlsInfo();
  // Every JS method runs through this: memory running out inside one fails the connection
  // (FailOutOfMemory) and the call throws WS_ERR_OUT_OF_MEMORY, instead of a std::bad_alloc
  // crossing into V8, which would abort the process.
  template <Napi::Value (Session::*Method)(const Napi::CallbackInfo&)>
  Napi::Value Guarded(const Napi::CallbackInfo& info);

  void HandshakeDone(CURLcode result);
  void ScheduleIfPending();
  void SendFailClose();
  void SendCloseReply();
  // Our CLOSEs that wait for the current dispatch (and any JS hold) to end: SendFailClose, then
  // SendCloseReply.
  void SendHeldClose();
  // Setup.
  void Configure(const InitReader& init);
  // I/O.
  static void OnPoll(uv_poll_t* poll, int status, int events) noexcept;
  // FrameAssembler::Backlog: the bytes waiting in the socket's receive queue.
  static size_t SocketBacklog(void* self) noexcept;
  static void OnTimeout(uv_timer_t* timer) noexcept;
  void Drain();
  void HandleRecvError(CURLcode rc);
  void HandlePeerClose();
  void PumpSend();
  bool MayWriteThrough(bool queue_was_empty);
  SendQueue::Status WriteQueued(SendQueue::Completions* done, CURLcode* err);
  void UpdatePoll();
  // timer_ exists while connecting and is made again on first use once open (closeTimeout,
  // the compressor's idle release): an idle open connection holds none. EnsureTimer is false
  // when it cannot be made (the engine is shutting down, or uv refused).
  bool EnsureTimer();
  void ReleaseTimer();
  void StartTimer(uint64_t ms);
  size_t QueueControl(const Napi::CallbackInfo& info, unsigned int flags);
  // permessage-deflate (session_deflate.cc).
  // Reads the kInitDeflate* fields; when offering, adds the offer to the request headers. Returns
  // the CURLOPT_WS_OPTIONS bits it needs (CURLWS_RAW_MODE when offering).
  long ConfigureDeflate(const InitReader& init);
  // Judges the server's Sec-WebSocket-Extensions; false when the handshake fails (Fail called).
  bool NegotiateExtensions(const HeaderList& headers, std::string* extension);
  // curl_ws_recv() for this connection: libcurl's decoder, or raw_ when the extension is offered.
  CURLcode Receive(uint8_t* buf, size_t len, size_t* n, const curl_ws_frame** meta) {
    BeforeCurlCall();
    CURLcode rc =
        raw_ ? raw_->Recv(buf, len, n, meta) : curl_ws_recv(easy_.get(), buf, len, n, meta);
    AfterCurlCall();
    return rc;
  }
  // Around every libcurl call that may fail on an open connection (curl_ws_recv, curl_easy_recv,
  // curl_easy_send), whose error buffer is the engine's shared one: Before clears it, After keeps
  // what libcurl wrote in it for this handle (Ending::curl_message), so CurlMessage() answers as
  // a buffer of the session's own would. A no-op during the handshake.
  void BeforeCurlCall() {
    if (!handshake_errbuf_) errbuf_[0] = '\0';
  }
  void AfterCurlCall() noexcept {
    if (!handshake_errbuf_ && errbuf_[0]) KeepCurlMessage();
  }
  void KeepCurlMessage() noexcept;
  // The last message libcurl's error buffer received for this handle since open (before: the
  // handshake's own buffer), "" if none.
  const char* CurlMessage() const;
  // Queues one send() call: compressed when the extension was agreed and ws's threshold rule
  // says so, as is otherwise.
  bool PushMessage(const uint8_t* data, size_t size, unsigned int flags);
  static CURLcode RawRead(void* ctx, uint8_t* buf, size_t len, size_t* n);
  // Under context takeover the compressor's zlib stream (~256 KiB) would stay for the life of the
  // connection: once no message was compressed for a while, it is released and only its window
  // (<= 32 KiB) is kept (Deflater::Release). Uses timer_ (EnsureTimer), idle while the session is
  // open.
  void NoteCompressedSend();
  void OnDeflateIdle();
  // Ending.
  void Fail(const char* code, std::string message, uint16_t close_code, CURLcode curl_code);
  // Memory ran out for this connection (`while_doing`: "receiving a message", …): fails it with
  // WS_ERR_OUT_OF_MEMORY and close code 1011 (0: ends it at once, no CLOSE frame and no wait).
  // Never throws; other connections are untouched.
  void FailOutOfMemory(const char* while_doing, uint16_t close_code = 1011) noexcept;
  // A C++ exception reached a uv callback boundary: std::bad_alloc fails the connection
  // (FailOutOfMemory); anything else means JS cannot run (a worker is being terminated), and
  // the environment's cleanup hook releases the session.
  void OnCallbackException() noexcept;
  void Finish(uint16_t code, std::string reason, bool clean);
  // keep_handshake: a session JS can still ask takes the handshake record out of the handle
  // first (see handshake_);  the GC finalizer and environment teardown skip it.
  void ReleaseNative(bool keep_handshake = true);
  void EmitPending();
  void AfterDispatch();
  bool Writable(const Napi::Env& env);
  Napi::Error QueueFailure(const Napi::Env& env);

  Engine* engine_ = nullptr;
  Napi::ObjectReference target_;
  Napi::AsyncContext async_context_;
  EventBatch* batch_ = nullptr;  // the batch of the DispatchScope we are inside, if any

  SharePtr dns_share_;  // private DNS cache when the session has `resolve` entries
  // tls.keylog (empty: no key log). Declared before easy_ so that it outlives the handle.
  std::shared_ptr<KeylogFile> keylog_;
  EasyPtr easy_;
  SlistPtr request_headers_;
  std::vector<SlistPtr> option_lists_;   // slists handed to libcurl by curl options
  UvHandle<uv_poll_t>* poll_ = nullptr;  // its `events`: what it watches
  UvHandle<uv_timer_t>* timer_ = nullptr;
  // libcurl's error buffer: the session's own while the handshake runs (several handshakes end
  // in one curl_multi_socket_action, so their messages must not mix), the engine's shared one
  // once open (see BeforeCurlCall): 256 bytes less per open connection.
  std::unique_ptr<char[]> handshake_errbuf_;
  char* errbuf_ = nullptr;

  std::string key_;
  std::vector<std::string> protocols_;
  uint64_t handshake_timeout_ms_ = 0;
  uint64_t close_timeout_ms_ = 30000;
  FrameAssembler assembler_;
  SendQueue sendq_;

  // permessage-deflate. A session that offers it reads with raw_ (CURLWS_RAW_MODE: libcurl's
  // decoder rejects RSV1); one that does not keeps libcurl's decoder and has none of these.
  bool offer_deflate_ = false;
  // What was offered, and the compressor's level, memLevel and threshold: needed until the
  // server's answer is judged (NegotiateExtensions), then dropped.
  struct DeflateSetup {
    DeflateOffer offer;
    Deflater::Config config;  // the window and context takeover are set once agreed
  };
  std::unique_ptr<DeflateSetup> deflate_setup_;
  std::unique_ptr<RawReceiver> raw_;
  std::unique_ptr<Deflater> deflater_;  // once agreed; its zlib stream is made lazily
  bool sending_fragments_ = false;      // send(..., fin=false) began a message
  bool compressing_fragments_ = false;  // ... and it is compressed
  bool deflate_idle_armed_ = false;     // timer_ runs for OnDeflateIdle
  bool compressed_since_armed_ = false;

  State state_ = State::kConnecting;
  bool paused_ = false;
  bool auto_pong_ = true;       // answer PINGs (the `autoPong` option)
  bool text_as_bytes_ = false;  // text reaches JS as a Buffer (`textAs: 'bytes'`)
  bool held_ = false;           // JS holds events back (see Hold)
  bool keep_alive_ = true;      // uv handles ref'd (see KeepAlive)
  bool blocked_ = false;        // waiting for the socket to turn writable
  bool had_backpressure_ = false;
  bool failing_ = false;          // we failed the connection and only wait for the peer's close
  uint16_t fail_close_code_ = 0;  // our failure CLOSE, held until the current dispatch is done
  // The handshake record (handshake_info.h), made only when JS reads `handshake`: opened_ says
  // there is one, handshake_read_ that JS has it already (and caches it), so it needs no copy
  // when the handle goes; handshake_ is that copy otherwise, until JS reads it.
  bool opened_ = false;
  bool handshake_read_ = false;
  bool tls_info_due_ = false;  // the TLS names are taken after the first read once open
  HandshakeTls tls_;
  std::unique_ptr<HandshakeSnapshot> handshake_;
  std::vector<std::pair<unsigned int, size_t>> sent_frames_;  // for the data-mode trace
  bool close_queued_ = false;  // our CLOSE (or close reply) is queued or sent
  bool close_sent_ = false;
  bool peer_closed_ = false;
  bool close_reply_due_ = false;  // the peer's CLOSE arrived in a dispatch: our reply waits for it
  uint16_t peer_code_ = 1005;
  std::string peer_reason_;

  Tracer tracer_{[](void* self) { static_cast<Session*>(self)->ScheduleIfPending(); }, this};

  // What only a connection that fails or ends needs: the error it reports and the reason of its
  // 'close'. Made on first use (ending()), so an open connection, usually idle, holds a null
  // pointer instead of ~150 bytes; freed once 'closed' is delivered. ending() may throw
  // std::bad_alloc; Fail and Finish catch it (no 'error', a 1006 'close'), so neither throws
  // for it.
  struct Ending {
    ErrorInfo error;
    std::string closed_reason;
    std::string curl_message;  // what libcurl wrote into the shared error buffer for this handle
  };
  std::unique_ptr<Ending> ending_;
  Ending& ending();

  // Payload counters for stats().
  uint64_t messages_in_ = 0, bytes_in_ = 0, messages_out_ = 0, bytes_out_ = 0;

  // Events produced outside a DispatchScope, delivered by the next one.
  size_t pending_sent_data_ = 0;
  size_t pending_sent_control_ = 0;
  bool pending_drain_ = false;
  bool pending_error_ = false;
  bool pending_closed_ = false;
  uint16_t closed_code_ = 1006;
  bool closed_clean_ = false;
  bool closed_emitted_ = false;
  bool finalized_ = false;  // the 'closed' event went out; the self-reference is dropped
  // Closed from JS running inside another transfer's libcurl callback (curlws/curl): the
  // handle is removed from the multi by RunSoon, once libcurl is out of its callback.
  bool release_deferred_ = false;
  bool add_deferred_ = false;  // constructed there too: joins the multi from RunSoon
  // Sent on from JS inside another transfer's libcurl callback: RunSoon writes.
  bool send_deferred_ = false;
  // A small send() wrote at once (see Send): the loop time (uv_now + 1, truncated) it did so.
  // Until the next delivery, flush() or loop millisecond, later small sends wait for flush().
  uint32_t wrote_through_at_ = 0;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_SESSION_H_

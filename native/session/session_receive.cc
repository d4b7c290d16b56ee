// Session, the read side: draining curl_ws_recv until CURLE_AGAIN (bounded per event), message
// assembly into the batch (large messages in blocks of their own, grown as their bytes
// arrive), PING replies, receive errors and the peer's CLOSE.
#if defined(__linux__)
#include <sys/ioctl.h>
#endif

#include <cstring>
#include <utility>

#include "memory/curl_memory.h"
#include "protocol/utf8_validator.h"
#include "session/handshake_info.h"
#include "session/session.h"
#include "session/session_internal.h"

namespace curlws {

using namespace session_detail;  // NOLINT: this file's own internals

void Session::Drain() {
  size_t budget = kDrainBudget;
  // Where a failing connection's remaining frames are read to be thrown away: no allocation,
  // so discarding works even when memory ran out.
  uint8_t discard[16 * 1024];
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
    size_t space = sizeof(discard);
    uint8_t* dst = discard;
    if (!failing_) {
      dst = assembler_.Space(&space);
      if (!dst) {
        FailOutOfMemory("receiving a message");
        continue;  // failing now: the rest is read into `discard`, or the connection is over
      }
    }
    size_t n = 0;
    const curl_ws_frame* meta = nullptr;
    CURLcode rc;
    {
      RecvChunkBudget read_ahead(kReadAheadChunks);
      rc = Receive(dst, space, &n, &meta);
      if (rc == CURLE_AGAIN) read_ahead.ReleaseEmptyChunks();
    }
    TakeTlsInfo();  // the first read after open re-attached the connection to the handle
    if (rc == CURLE_AGAIN) {
      assembler_.ReleaseIdle();
      if (raw_) raw_->ReleaseIdle();
      break;
    }
    if (rc != CURLE_OK || !meta) {
      HandleRecvError(rc == CURLE_OK ? CURLE_RECV_ERROR : rc);
      break;
    }
    budget -= std::min(budget, n + 1);  // + 1: empty frames count too
    if (failing_) {
      // We already sent our CLOSE: discard everything until the peer's CLOSE or EOF.
      assembler_.Abandon();
      if ((meta->flags & CURLWS_CLOSE) && meta->bytesleft == 0) Finish(1006, "", false);
      continue;
    }
    if (tracer_.frames()) tracer_.Frame("<= Recv", meta->flags, n, meta->bytesleft);
    const FrameAssembler::Event event = assembler_.Consume(*meta, n);
    switch (event) {
      case FrameAssembler::Event::kNone: break;
      case FrameAssembler::Event::kText:
      case FrameAssembler::Event::kBinary: {
        // No JS value is made here (see EventBatch): the bytes wait in the batch.
        const bool binary = event == FrameAssembler::Event::kBinary;
        const size_t size = assembler_.message_size();
        const bool ascii = !binary && assembler_.message_ascii();
        messages_in_++;
        bytes_in_ += size;
        // Text as bytes (textAs: 'bytes') takes the binary paths: validated UTF-8, no string.
        const bool as_bytes = binary || text_as_bytes_;
        if (size >= kOwnBlockMin) {
          batch_->AddBlock(assembler_.DetachMessage(), size, binary, ascii, as_bytes);
        } else {
          if (as_bytes)
            batch_->AddBytes(assembler_.message(), size, binary);
          else
            batch_->AddText(assembler_.message(), size, ascii);
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
      case FrameAssembler::Event::kClose: HandlePeerClose(); break;
      case FrameAssembler::Event::kError: {
        const FrameAssembler::Failure& f = assembler_.failure();
        Fail(f.code, f.message, f.close_code, CURLE_OK);
        break;
      }
    }
    const bool message =
        event == FrameAssembler::Event::kText || event == FrameAssembler::Event::kBinary;
    if ((message && !first_delivered) || batch_->events() >= kEventsPerDispatch ||
        batch_->bytes() >= kBatchBytesMax) {
      first_delivered = first_delivered || message;
      DispatchScope::Deliver(this, batch_);
    }
  }
}

size_t Session::SocketBacklog(void* self) noexcept {
#if defined(__linux__)  // the one platform where large blocks are faulted in ahead
  const Session* s = static_cast<Session*>(self);
  uv_os_fd_t fd;
  int n = 0;
  if (s->poll_ && uv_fileno(reinterpret_cast<const uv_handle_t*>(&s->poll_->uv), &fd) == 0 &&
      ioctl(fd, FIONREAD, &n) == 0 && n > 0)
    return static_cast<size_t>(n);
#else
  (void)self;
#endif
  return 0;
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
  if (raw_ && raw_->failure().close_code != 0) {
    // The engine's own frame parser or the inflater refused the peer's bytes (raw mode).
    const WireFailure& f = raw_->failure();
    Fail(f.code, f.message, f.close_code, CURLE_OK);
    return;
  }
  if (rc == CURLE_OUT_OF_MEMORY) {  // libcurl could not allocate its receive buffer
    FailOutOfMemory("reading from the connection");
    return;
  }
  const std::string message = CurlMessage();  // Fail may replace the record it lives in
  if (rc == CURLE_RECV_ERROR && message.compare(0, 4, "[WS]") == 0) {
    // libcurl's frame decoder rejected the peer's bytes: a protocol violation (RFC 6455 §7.4.1).
    bool too_big = message.find("63 bits") != std::string::npos;
    Fail(too_big ? "WS_ERR_MESSAGE_TOO_BIG" : "WS_ERR_PROTOCOL", message, too_big ? 1009 : 1002,
         CURLE_OK);
    return;
  }
  Fail("", message.empty() ? curl_easy_strerror(rc) : message, 0, rc);
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
  if (close_queued_) {
    state_ = State::kClosing;
    if (!blocked_) PumpSend();
    UpdatePoll();
    return;
  }
  // Inside a dispatch the reply waits until the events read before the CLOSE (and the 'open'
  // that came with it) have been delivered: what the application sends from their handlers is
  // still accepted and goes out first, as with ws, whose 'open' and 'message' handlers run
  // before it parses the CLOSE. Nothing more is read meanwhile (peer_closed_).
  close_reply_due_ = true;
  UpdatePoll();
  if (!batch_) SendCloseReply();
}

void Session::SendCloseReply() {
  if (!close_reply_due_ || held_ || state_ == State::kClosed) return;
  close_reply_due_ = false;
  // The application's close() (from a handler of the events delivered first) queued a CLOSE
  // already: it is the answer.
  if (!close_queued_) {
    // Echo the peer's code (RFC 6455 §5.5.1); queued data not yet started is dropped.
    close_queued_ = true;
    bool ok = true;
    sendq_.ReplaceWithCloseReply(ClosePayload(peer_code_, std::string()), &ok);
    if (!ok) {
      Finish(1006, "", false);
      return;
    }
  }
  state_ = State::kClosing;
  if (!blocked_) PumpSend();
  UpdatePoll();
  ScheduleIfPending();
}

// ---- sending ---------------------------------------------------------------------------------

}  // namespace curlws

// Receive side: turns the chunks curl_ws_recv() returns (one frame or part of one per call)
// into whole messages and control frames, and applies the checks libcurl does not do:
// UTF-8 of text (incrementally, so invalid bytes fail at once), maxPayload over the message,
// and message-type consistency across fragments.
//
// Ownership/threading: owned by one Session, loop thread only. It owns the receive buffer that
// curl_ws_recv() writes into, so data frames land where the message is assembled (no extra
// copy). Once the size of a large binary message is known, the rest of it can be received
// straight into memory the caller provides (RedirectTo: a JS Buffer, so no copy at the end);
// large text messages can be taken over without copying (DetachMessage).
#ifndef CURLWS_NATIVE_FRAME_ASSEMBLER_H_
#define CURLWS_NATIVE_FRAME_ASSEMBLER_H_

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "utf8_validator.h"

namespace curlws {

class FrameAssembler {
 public:
  enum class Event { kNone, kText, kBinary, kPing, kPong, kClose, kError };
  struct Failure {
    uint16_t close_code = 0;  // what we send the peer: 1002, 1007, 1009
    const char* code = "";    // WS_ERR_*
    std::string message;
  };

  FrameAssembler() = default;
  ~FrameAssembler();
  FrameAssembler(const FrameAssembler&) = delete;
  FrameAssembler& operator=(const FrameAssembler&) = delete;

  void set_max_payload(uint64_t bytes) { max_payload_ = bytes; }

  // Where the next curl_ws_recv() writes and how many bytes it may write. Returns nullptr when
  // memory cannot be had (the caller fails the connection with 1009).
  uint8_t* Space(size_t* len);

  // Accounts for `n` bytes just written at Space() with this metadata.
  Event Consume(const curl_ws_frame& meta, size_t n);

  // After kNone: the size of the binary message being received if it is at least `min` bytes
  // and known (its final frame has begun) and the message could still be redirected; else 0.
  size_t RedirectableSize(size_t min) const;
  // Continues the current message in `target` (RedirectableSize() bytes, not owned): copies
  // what has arrived so far there, and writes the rest there directly.
  void RedirectTo(uint8_t* target);
  bool redirected() const { return target_ != nullptr; }
  // Drops the message in progress (the connection is failing; what follows is discarded).
  void Abandon();

  // After kText/kBinary: the message. Valid until Release()/Detach().
  const uint8_t* message() const { return base(); }
  size_t message_size() const { return len_; }
  // After kText: the message is pure ASCII.
  bool message_ascii() const { return utf8_.ascii(); }
  // Transfers the message's malloc'd block to the caller (free() it); the assembler starts a new
  // block for the next message. Only after kBinary/kText, and not for a redirected message.
  uint8_t* DetachMessage();
  // Ends the message; keeps the block for reuse unless it has grown large.
  void ReleaseMessage();
  // Frees the receive buffer when no message is in progress, so an idle connection holds none.
  void ReleaseIdle();

  // After kPing/kPong/kClose: the whole control payload (≤ 125 bytes).
  const std::string& control() const { return control_; }
  const Failure& failure() const { return failure_; }

 private:
  Event Fail(uint16_t close_code, const char* code, std::string message);
  bool Reserve(size_t free_bytes);
  uint8_t* base() const { return target_ ? target_ : buf_; }

  uint64_t max_payload_ = 0;  // 0 = no limit
  uint8_t* buf_ = nullptr;    // malloc'd: the message being assembled, then free space
  size_t cap_ = 0;
  size_t len_ = 0;             // bytes of the current message
  size_t frame_left_ = 0;      // bytes of the current data frame still to come
  uint8_t* target_ = nullptr;  // RedirectTo(): where the message is (len_ bytes so far)
  size_t target_size_ = 0;
  bool in_message_ = false;
  bool binary_ = false;
  bool final_frame_ = false;  // the current data frame ends its message
  Utf8Validator utf8_;
  std::string control_;  // the control frame being assembled
  Failure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_FRAME_ASSEMBLER_H_

// Receive side: turns the chunks curl_ws_recv() returns (one frame or part of one per call)
// into whole messages and control frames, and applies the checks libcurl does not do:
// UTF-8 of text (incrementally, so invalid bytes fail at once), maxPayload over the message,
// and message-type consistency across fragments.
//
// Ownership/threading: owned by one Session, loop thread only. It owns the receive buffer that
// curl_ws_recv() writes into, so data frames land where the message is assembled (no extra
// copy); large binary messages can then be handed to JS without copying (DetachMessage).
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

  // After kText/kBinary: the message. Valid until Release()/Detach().
  const uint8_t* message() const { return buf_; }
  size_t message_size() const { return len_; }
  // Transfers the message's malloc'd block to the caller (free() it); the assembler starts a new
  // block for the next message. Only after kBinary/kText.
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

  uint64_t max_payload_ = 0;  // 0 = no limit
  uint8_t* buf_ = nullptr;  // malloc'd: the message being assembled, then free space
  size_t cap_ = 0;
  size_t len_ = 0;          // bytes of the current message
  size_t frame_left_ = 0;   // bytes of the current data frame still to come
  bool in_message_ = false;
  bool binary_ = false;
  Utf8Validator utf8_;
  std::string control_;     // the control frame being assembled
  Failure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_FRAME_ASSEMBLER_H_

// Receive side: turns the chunks curl_ws_recv() returns (one frame or part of one per call)
// into whole messages and control frames, and applies the checks libcurl does not do:
// UTF-8 of text (incrementally, so invalid bytes fail at once), maxPayload over the message,
// message-type consistency across fragments, and the largest message JS can be given.
//
// Memory: a frame header's length is the peer's claim, not data. The receive buffer holds what
// has arrived plus a bounded read-ahead: it grows geometrically as bytes come in (doubling,
// capped by the end of the current frame and by maxPayload), never to the declared size up
// front, so a peer that announces gigabytes and sends little costs little, and a peer that
// sends a lot costs about what it sent. A failed allocation is reported (Space() returns
// nullptr), never thrown or fatal.
//
// Ownership/threading: owned by one Session, loop thread only. It owns the receive buffer that
// curl_ws_recv() writes into, so data frames land where the message is assembled (no extra
// copy); a large message's buffer is handed over whole (DetachMessage) and becomes the JS
// value's memory.
#ifndef CURLWS_NATIVE_FRAME_ASSEMBLER_H_
#define CURLWS_NATIVE_FRAME_ASSEMBLER_H_

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "memory/message_block.h"
#include "protocol/utf8_validator.h"

namespace curlws {

class FrameAssembler {
 public:
  enum class Event { kNone, kText, kBinary, kPing, kPong, kClose, kError };
  struct Failure {
    uint16_t close_code = 0;  // what we send the peer: 1002, 1007, 1009
    const char* code = "";    // WS_ERR_*
    std::string message;
  };
  // Message sizes beyond which a message is refused (1009) as soon as its size is known.
  struct Limits {
    uint64_t max_payload = 0;              // the maxPayload option; 0 = no limit
    uint64_t max_binary = UINT64_MAX;      // bytes: the largest Buffer JS can have
    uint64_t max_text_units = UINT64_MAX;  // UTF-16 code units: the longest JS string
    // Text reaches JS as a Buffer of its UTF-8 bytes (the `textAs: 'bytes'` option): it is
    // bounded by max_binary then, and never becomes a string.
    bool text_as_bytes = false;
  };

  FrameAssembler() = default;
  FrameAssembler(const FrameAssembler&) = delete;
  FrameAssembler& operator=(const FrameAssembler&) = delete;

  void set_limits(const Limits& limits) { limits_ = limits; }
  const Limits& limits() const { return limits_; }

  // How many bytes of the connection have arrived and wait to be read (the socket's receive
  // queue; 0 when unknown). Asked only when a large message's buffer grows: the part of the new
  // room those bytes will fill is faulted in at once. Not set: never asked.
  using Backlog = size_t (*)(void* ctx);
  void set_backlog(Backlog fn, void* ctx) {
    backlog_ = fn;
    backlog_ctx_ = ctx;
  }

  // Where the next curl_ws_recv() writes and how many bytes it may write. Returns nullptr when
  // memory cannot be had (the caller fails the connection).
  uint8_t* Space(size_t* len);

  // Accounts for `n` bytes just written at Space() with this metadata.
  Event Consume(const curl_ws_frame& meta, size_t n);

  // Drops the message in progress and frees the buffer (the connection is failing; what
  // follows is discarded without being assembled).
  void Abandon();

  // After kText/kBinary: the message. Valid until ReleaseMessage()/DetachMessage().
  const uint8_t* message() const { return block_.data(); }
  size_t message_size() const { return len_; }
  // After kText: the message is pure ASCII.
  bool message_ascii() const { return utf8_.ascii(); }
  // Transfers the message's block, shrunk to the message, to the caller
  // (MessageBlock::Free); the assembler starts a new block for the next message. Only after
  // kBinary/kText.
  MessageBlock::Detached DetachMessage();
  // Ends the message; keeps the block for reuse unless it has grown large.
  void ReleaseMessage();
  // Frees the receive buffer when no message is in progress, so an idle connection holds none.
  void ReleaseIdle();

  // After kPing/kPong/kClose: the whole control payload (≤ 125 bytes).
  const std::string& control() const { return control_; }
  const Failure& failure() const { return failure_; }

 private:
  Event Fail(uint16_t close_code, const char* code, std::string message);
  // Checks a data frame's announced size against the limits, before anything is buffered.
  Event CheckFrameSize(uint64_t frame_size);
  // Checks a complete text message against the longest string JS can hold.
  Event CheckTextLength();
  bool Reserve(size_t free_bytes);

  Limits limits_;
  Backlog backlog_ = nullptr;
  void* backlog_ctx_ = nullptr;
  MessageBlock block_;     // the message being assembled, then free space
  size_t len_ = 0;         // bytes of the current message
  size_t frame_left_ = 0;  // bytes of the current data frame still to come (the peer's claim)
  bool in_message_ = false;
  bool binary_ = false;
  Utf8Validator utf8_;
  std::string control_;  // the control frame being assembled
  Failure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_FRAME_ASSEMBLER_H_

// Receive side for CURLWS_RAW_MODE: parses server frames (RFC 6455 §5.2) out of the raw bytes
// curl_easy_recv() returns, in whatever pieces they arrive, and describes each piece of payload
// with the metadata curl_ws_recv() would have given (CURLWS_* flags, offset, bytesleft, len), so
// the same FrameAssembler, UTF-8 validation, limits and close policy serve both receive paths.
//
// Why it exists: libcurl's decoder rejects RSV1, so a connection that offers permessage-deflate
// must parse frames itself. It makes every check libcurl's decoder makes (same messages, so the
// same WS_ERR_* codes and close codes reach the application): server frames unmasked, no
// reserved opcode, control frames unfragmented and at most 125 bytes, a 64-bit length with its
// most significant bit clear, continuations only inside a fragmented message and a new message
// only outside one (non-minimal length encodings are accepted, as libcurl does). On top, RFC 7692
// §6: RSV1 only when permessage-deflate was negotiated, only on the first frame of a data
// message, never on a control frame or a continuation; RSV2/RSV3 are always an error.
//
// Memory: none. A chunk points into the caller's input; a declared frame length only bounds how
// many of the following bytes belong to the frame, it never reserves anything.
//
// Ownership/threading: a value type owned by one connection, used on its loop thread only.
#ifndef CURLWS_NATIVE_PROTOCOL_FRAME_PARSER_H_
#define CURLWS_NATIVE_PROTOCOL_FRAME_PARSER_H_

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/wire_failure.h"

namespace curlws {

// One piece of one frame's payload (possibly empty: a zero-length frame is reported once).
struct FrameChunk {
  // As curl_ws_recv() reports it (libcurl >= 8.13 semantics): flags CURLWS_TEXT or
  // CURLWS_BINARY on every fragment of a data message, plus CURLWS_CONT when the frame is not
  // its message's last; or CURLWS_PING / CURLWS_PONG / CURLWS_CLOSE. offset: position of this
  // chunk in the frame payload; bytesleft: payload bytes of the frame after it; len: its size.
  curl_ws_frame meta{};
  // The data message this chunk belongs to is compressed (its first frame had RSV1).
  bool compressed = false;
  // This is the first frame of a data message (so the message starts at offset 0 of it).
  bool message_start = false;
  // The payload bytes: inside the input given to Next(), or nullptr after Skip().
  const uint8_t* data = nullptr;
};

class FrameParser {
 public:
  enum class Result { kChunk, kNeedMore, kError };

  // `deflate`: permessage-deflate was negotiated (RSV1 allowed on a message's first frame).
  explicit FrameParser(bool deflate = false) : deflate_(deflate) {}
  // Set once the handshake is done, before the first frame.
  void set_deflate(bool deflate) { deflate_ = deflate; }

  // Parses from input[0, len). Returns kChunk with *out describing the next piece of payload
  // (at most `max_chunk` bytes, at least 1 when the frame has any, pointing into input), or
  // kNeedMore when the input ends before one, or kError (see failure()). *used: the bytes of
  // input consumed (header bytes included); the caller passes the rest again. After kError
  // every call returns kError.
  Result Next(const uint8_t* input, size_t len, size_t max_chunk, FrameChunk* out, size_t* used);

  // Payload bytes of the current frame still to come (0 between frames). When non-zero the
  // caller may receive up to this many bytes straight into its own memory and then call Skip().
  uint64_t payload_left() const { return in_payload_ ? payload_len_ - payload_off_ : 0; }
  // Accounts for n (1..payload_left()) payload bytes the caller received itself; *out describes
  // them as Next() would (data = nullptr).
  void Skip(size_t n, FrameChunk* out);
  // In the payload of a data frame of a compressed message (its bytes need the inflater).
  bool in_compressed_payload() const {
    return in_payload_ && (frame_flags_ & (CURLWS_TEXT | CURLWS_BINARY)) && message_compressed_;
  }

  // True while a fragmented data message has begun and its last frame has not.
  bool in_message() const { return message_flags_ != 0; }
  const WireFailure& failure() const { return failure_; }

 private:
  Result Fail(uint16_t close_code, const char* code, std::string what, int byte = -1);
  bool CheckFirstByte(uint8_t b0);
  bool CheckSecondByte(uint8_t b1);
  void Describe(size_t n, FrameChunk* out);

  bool deflate_;
  bool failed_ = false;
  // Frame header being collected (at most 2 + 8 bytes: server frames carry no mask key).
  uint8_t head_[10] = {};
  size_t head_len_ = 0;
  size_t head_need_ = 2;
  // Current frame, once its header is complete.
  bool in_payload_ = false;
  int frame_flags_ = 0;  // CURLWS_* reported for its chunks
  bool frame_starts_message_ = false;
  uint64_t payload_len_ = 0;
  uint64_t payload_off_ = 0;
  // Data message state across frames (control frames may come between its fragments).
  int message_flags_ = 0;  // CURLWS_TEXT/BINARY while a fragmented message is open
  bool message_compressed_ = false;
  WireFailure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_FRAME_PARSER_H_

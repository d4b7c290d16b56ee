#include "protocol/frame_assembler.h"

#include <algorithm>

namespace curlws {
namespace {

// Free space offered to a read when nothing is known about what comes (a new frame).
constexpr size_t kMinSpace = 16 * 1024;
// Free space offered beyond what has arrived while a frame goes on: a little more than one
// curl_ws_recv() hands over (its buffer holds a few 64 KiB chunks, see curl_memory.h).
constexpr size_t kReadAhead = 256 * 1024;
constexpr size_t kKeepCapacity = 1024 * 1024;  // free the block after messages above this
constexpr int kDataFlags = CURLWS_TEXT | CURLWS_BINARY;

}  // namespace

// Room for `free_bytes` more. Doubling keeps the copies a growing heap block may need to
// about the message size in total (large blocks grow without a copy, see message_block.h); the
// caps keep the reservation within what the current frame and maxPayload allow. If the doubled
// size cannot be had, exactly what is needed is tried before giving up.
bool FrameAssembler::Reserve(size_t free_bytes) {
  const size_t cap = block_.capacity();
  if (cap - len_ >= free_bytes) return true;
  const size_t need = len_ + free_bytes;
  size_t grown = std::max(need, cap * 2);
  if (frame_left_ && grown - len_ > frame_left_) grown = std::max(need, len_ + frame_left_);
  if (limits_.max_payload && grown > limits_.max_payload)
    grown = std::max<size_t>(need, limits_.max_payload);
  // The room that bytes already waiting on the socket will fill is faulted in at once (see
  // message_block.h): memory committed ahead is what the peer has sent, never what it announced
  // or the read-ahead. Asked only for a large block (one syscall per growth step, none for
  // small messages).
  const size_t fill =
      backlog_ && grown >= MessageBlock::kMapMin ? len_ + backlog_(backlog_ctx_) : 0;
  return block_.Resize(grown, fill) || (grown > need && block_.Resize(need, fill));
}

uint8_t* FrameAssembler::Space(size_t* len) {
  // The rest of the current data frame, as far as the read-ahead goes; else one small chunk.
  size_t want = std::max(kMinSpace, std::min(frame_left_, kReadAhead));
  if (!Reserve(want)) {
    *len = 0;
    return nullptr;
  }
  *len = block_.capacity() - len_;
  return block_.data() + len_;
}

FrameAssembler::Event FrameAssembler::Fail(uint16_t close_code, const char* code,
                                           std::string message) {
  failure_.close_code = close_code;
  failure_.code = code;
  failure_.message = std::move(message);
  return Event::kError;
}

FrameAssembler::Event FrameAssembler::CheckFrameSize(uint64_t frame_size) {
  const uint64_t total = len_ + frame_size;  // no overflow: frame_size < 2^63, len_ small
  if (limits_.max_payload && total > limits_.max_payload)
    return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                "Message exceeds maxPayload (" + std::to_string(limits_.max_payload) + " bytes)");
  const bool as_buffer = binary_ || limits_.text_as_bytes;
  if (as_buffer && total > limits_.max_binary)
    return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                std::string(binary_ ? "Binary" : "Text") + " message of " + std::to_string(total) +
                    " bytes exceeds the largest Buffer this Node.js can hold (" +
                    std::to_string(limits_.max_binary) + " bytes); set maxPayload below it");
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: more than 3 bytes per unit allowed
  // cannot fit, whatever the text turns out to be.
  if (!as_buffer && limits_.max_text_units < UINT64_MAX / 3 && total > 3 * limits_.max_text_units)
    return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                "Text message of " + std::to_string(total) +
                    " bytes exceeds the longest string JavaScript can hold (" +
                    std::to_string(limits_.max_text_units) +
                    " characters); set maxPayload below it");
  return Event::kNone;
}

FrameAssembler::Event FrameAssembler::CheckTextLength() {
  if (limits_.text_as_bytes) return Event::kNone;  // never a string: CheckFrameSize bounds it
  if (len_ <= limits_.max_text_units) return Event::kNone;  // bytes ≥ UTF-16 units
  const uint64_t units = utf8_.ascii() ? len_ : Utf8Validator::Utf16Length(block_.data(), len_);
  if (units <= limits_.max_text_units) return Event::kNone;
  return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
              "Text message of " + std::to_string(units) +
                  " characters exceeds the longest string JavaScript can hold (" +
                  std::to_string(limits_.max_text_units) + " characters); set maxPayload below it");
}

FrameAssembler::Event FrameAssembler::Consume(const curl_ws_frame& meta, size_t n) {
  const uint8_t* chunk = block_.data() + len_;
  const int flags = meta.flags;
  const bool frame_done = meta.bytesleft == 0;

  if (flags & kDataFlags) {
    const bool binary = (flags & CURLWS_BINARY) != 0;
    if (meta.offset == 0) {
      if (!in_message_) {
        in_message_ = true;
        binary_ = binary;
        utf8_.Reset();
      } else if (binary != binary_) {
        return Fail(1002, "WS_ERR_PROTOCOL",
                    "Data frame of another type inside a fragmented message");
      }
      // The whole frame's size is known now: check the limits before buffering any more.
      const Event e = CheckFrameSize(n + static_cast<uint64_t>(meta.bytesleft));
      if (e != Event::kNone) return e;
    }
    if (!binary_ && !utf8_.Feed(chunk, n))
      return Fail(1007, "WS_ERR_INVALID_UTF8", "Invalid UTF-8 in a text message");
    len_ += n;
    frame_left_ = static_cast<size_t>(meta.bytesleft);
    if (!frame_done || (flags & CURLWS_CONT)) return Event::kNone;
    if (!binary_ && !utf8_.AtBoundary())
      return Fail(1007, "WS_ERR_INVALID_UTF8", "Text message ends inside a UTF-8 sequence");
    if (!binary_) {
      const Event e = CheckTextLength();
      if (e != Event::kNone) return e;
    }
    in_message_ = false;
    return binary_ ? Event::kBinary : Event::kText;
  }

  // Control frames are never fragmented (libcurl rejects that) but may still arrive in chunks.
  // They landed after the partial message in buf_: move them out without touching len_.
  if (meta.offset == 0) control_.clear();
  control_.append(reinterpret_cast<const char*>(chunk), n);
  if (control_.size() > 125)
    return Fail(1002, "WS_ERR_PROTOCOL", "Control frame payload longer than 125 bytes");
  if (!frame_done) return Event::kNone;
  if (flags & CURLWS_PING) return Event::kPing;
  if (flags & CURLWS_PONG) return Event::kPong;
  if (flags & CURLWS_CLOSE) return Event::kClose;
  return Fail(1002, "WS_ERR_PROTOCOL", "Frame with unknown flags " + std::to_string(flags));
}

void FrameAssembler::Abandon() {
  block_.Reset();
  len_ = 0;
  frame_left_ = 0;
  in_message_ = false;
}

MessageBlock::Detached FrameAssembler::DetachMessage() {
  MessageBlock::Detached out = block_.Detach(len_);
  len_ = 0;
  frame_left_ = 0;
  return out;
}

void FrameAssembler::ReleaseIdle() {
  if (len_ != 0 || in_message_) return;
  block_.Reset();
}

void FrameAssembler::ReleaseMessage() {
  len_ = 0;
  frame_left_ = 0;
  if (block_.capacity() > kKeepCapacity) block_.Reset();
}

}  // namespace curlws

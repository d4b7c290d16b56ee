#include "frame_assembler.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace curlws {
namespace {

constexpr size_t kMinSpace = 16 * 1024;            // grows to the frame size once it is known
constexpr size_t kMaxGrowStep = 16 * 1024 * 1024;  // never trust a peer's length for more
constexpr size_t kKeepCapacity = 1024 * 1024;      // shrink back after messages above this
constexpr int kDataFlags = CURLWS_TEXT | CURLWS_BINARY;

}  // namespace

FrameAssembler::~FrameAssembler() {
  std::free(buf_);
}

bool FrameAssembler::Reserve(size_t free_bytes) {
  if (cap_ - len_ >= free_bytes) return true;
  size_t want = std::max(len_ + free_bytes, cap_ + cap_ / 2);
  void* grown = std::realloc(buf_, want);
  if (!grown) return false;
  buf_ = static_cast<uint8_t*>(grown);
  cap_ = want;
  return true;
}

uint8_t* FrameAssembler::Space(size_t* len) {
  if (target_) {
    if (len_ < target_size_) {
      *len = target_size_ - len_;  // exactly the rest of the message's final frame
      return target_ + len_;
    }
    Abandon();  // not reached: a complete message is released before the next read
  }
  // Room for the rest of the current data frame (bounded), else one receive chunk.
  size_t want = std::max(kMinSpace, std::min(frame_left_, kMaxGrowStep));
  if (!Reserve(want)) {
    *len = 0;
    return nullptr;
  }
  *len = cap_ - len_;
  return buf_ + len_;
}

FrameAssembler::Event FrameAssembler::Fail(uint16_t close_code, const char* code,
                                           std::string message) {
  failure_.close_code = close_code;
  failure_.code = code;
  failure_.message = std::move(message);
  return Event::kError;
}

FrameAssembler::Event FrameAssembler::Consume(const curl_ws_frame& meta, size_t n) {
  const uint8_t* chunk = base() + len_;
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
      // The whole frame's size is known now: check the limit before buffering any more.
      uint64_t frame_size = n + static_cast<uint64_t>(meta.bytesleft);
      if (max_payload_ && len_ + frame_size > max_payload_)
        return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                    "Message exceeds maxPayload (" + std::to_string(max_payload_) + " bytes)");
    }
    if (!binary_ && !utf8_.Feed(chunk, n))
      return Fail(1007, "WS_ERR_INVALID_UTF8", "Invalid UTF-8 in a text message");
    len_ += n;
    frame_left_ = static_cast<size_t>(meta.bytesleft);
    final_frame_ = (flags & CURLWS_CONT) == 0;
    if (!frame_done || (flags & CURLWS_CONT)) return Event::kNone;
    if (!binary_ && !utf8_.AtBoundary())
      return Fail(1007, "WS_ERR_INVALID_UTF8", "Text message ends inside a UTF-8 sequence");
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

size_t FrameAssembler::RedirectableSize(size_t min) const {
  if (!in_message_ || !binary_ || !final_frame_ || target_ || frame_left_ == 0) return 0;
  size_t total = len_ + frame_left_;
  return total >= min ? total : 0;
}

void FrameAssembler::RedirectTo(uint8_t* target) {
  target_size_ = len_ + frame_left_;
  if (len_) std::memcpy(target, buf_, len_);
  target_ = target;
}

void FrameAssembler::Abandon() {
  target_ = nullptr;
  target_size_ = 0;
  len_ = 0;
  frame_left_ = 0;
  in_message_ = false;
}

uint8_t* FrameAssembler::DetachMessage() {
  uint8_t* out = buf_;
  buf_ = nullptr;
  cap_ = 0;
  len_ = 0;
  return out;
}

void FrameAssembler::ReleaseIdle() {
  if (len_ != 0 || in_message_ || target_) return;
  std::free(buf_);
  buf_ = nullptr;
  cap_ = 0;
}

void FrameAssembler::ReleaseMessage() {
  len_ = 0;
  if (target_) {
    target_ = nullptr;  // the caller's memory; our own block was not used
    target_size_ = 0;
    return;
  }
  if (cap_ > kKeepCapacity) {
    std::free(buf_);
    buf_ = nullptr;
    cap_ = 0;
  }
}

}  // namespace curlws

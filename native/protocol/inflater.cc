#include "protocol/inflater.h"

#include <algorithm>
#include <string>
#include <utility>

namespace curlws {
namespace {

// RFC 7692 §7.2.2: the sender removed these 4 octets (the LEN/NLEN of the empty stored block a
// sync flush ends with); the receiver appends them before inflating.
const uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};

// zlib's data_type after inflate(): bit 7 is set when it stopped at a block boundary.
constexpr int kAtBlockBoundary = 128;

}  // namespace

Inflater::Inflater(const Config& config) : config_(config) {
  config_.window_bits = std::min(15, std::max(8, config_.window_bits));
}

Inflater::~Inflater() {
  FreeStream();
}

void Inflater::FreeStream() {
  if (!ready_) return;
  inflateEnd(&z_);
  ready_ = false;
  used_ = false;
}

bool Inflater::Release() {
  if (in_message_ || failed_) return !ready_;
  if (used_ && !config_.no_context_takeover) return false;  // the window is the next context
  FreeStream();
  return true;
}

Inflater::Status Inflater::Fail(uint16_t close_code, const char* code, std::string message) {
  failed_ = true;
  failure_.close_code = close_code;
  failure_.code = code;
  failure_.message = std::move(message);
  FreeStream();
  return Status::kError;
}

bool Inflater::Start() {
  z_ = z_stream();
  heap_.Attach(&z_);
  // Raw deflate (negative windowBits): permessage-deflate carries no zlib header or checksum.
  if (inflateInit2(&z_, -config_.window_bits) != Z_OK) return false;
  ready_ = true;
  used_ = false;
  return true;
}

void Inflater::Feed(const uint8_t* data, size_t len, bool last) {
  if (!in_message_) {
    in_message_ = true;
    tail_fed_ = false;
    ended_ = false;
    fed_ = 0;
    produced_ = 0;
  }
  in_ptr_ = data;
  in_left_ = len;
  fed_ += len;
  last_ = last;
}

void Inflater::EndMessage() {
  in_message_ = false;
  if (!ready_) return;
  used_ = true;
  if (ended_) {
    // The peer ended its deflate stream (BFINAL): nothing can follow in it, so the next message
    // starts a new stream (the peer's deflater had to start over too).
    if (inflateReset(&z_) != Z_OK) FreeStream();
    used_ = false;
  } else if (config_.no_context_takeover) {
    if (config_.release_after_message) {
      FreeStream();
    } else if (inflateReset(&z_) != Z_OK) {
      FreeStream();
    } else {
      used_ = false;
    }
  }
}

Inflater::Status Inflater::Inflate(uint8_t* out, size_t cap, size_t* produced) {
  *produced = 0;
  if (failed_) return Status::kError;
  if (!in_message_) return Status::kNeedInput;
  // An empty compressed payload is an empty message: no inflate (the tail alone would leave the
  // stream in the middle of a stored block header).
  if (fed_ == 0) {
    if (!last_) return Status::kNeedInput;
    EndMessage();
    return Status::kMessageEnd;
  }
  if (!ready_ && !Start())
    return Fail(1011, "WS_ERR_OUT_OF_MEMORY", "Out of memory while inflating a message");

  // Never produce more than one byte past the limit: that byte proves the message too big.
  size_t room = cap;
  if (config_.max_message) {
    const uint64_t allowed = config_.max_message - std::min(produced_, config_.max_message) + 1;
    room = static_cast<size_t>(std::min<uint64_t>(room, allowed));
  }
  z_.next_out = out;
  z_.avail_out = static_cast<uInt>(std::min<size_t>(room, UINT32_MAX));
  const uInt out_start = z_.avail_out;

  while (z_.avail_out > 0) {
    if (z_.avail_in == 0) {
      if (in_left_ > 0) {
        // zlib counts input in 32 bits: hand it over in pieces.
        const size_t take = std::min<size_t>(in_left_, UINT32_MAX);
        z_.next_in = const_cast<Bytef*>(in_ptr_);
        z_.avail_in = static_cast<uInt>(take);
        in_ptr_ += take;
        in_left_ -= take;
      } else if (last_ && !tail_fed_) {
        tail_fed_ = true;
        if (ended_) break;
        z_.next_in = const_cast<Bytef*>(kTail);
        z_.avail_in = sizeof kTail;
      } else {
        break;
      }
    }
    if (ended_ && !tail_fed_) {
      // Bytes of the peer's after its final block: not one deflate stream.
      return Fail(1007, "WS_ERR_INVALID_COMPRESSED_DATA",
                  "Invalid compressed data: bytes after the final deflate block");
    }
    const uInt in_before = z_.avail_in;
    const uInt out_before = z_.avail_out;
    const int ret = inflate(&z_, Z_SYNC_FLUSH);
    if (ret == Z_STREAM_END) {
      ended_ = true;
      if (tail_fed_) z_.avail_in = 0;  // the rest of our tail is not the peer's data
      continue;
    }
    if (ret == Z_MEM_ERROR)
      return Fail(1011, "WS_ERR_OUT_OF_MEMORY", "Out of memory while inflating a message");
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR) {
      return Fail(
          1007, "WS_ERR_INVALID_COMPRESSED_DATA",
          std::string("Invalid compressed data: ") + (ret == Z_NEED_DICT ? "needs a dictionary"
                                                      : z_.msg           ? z_.msg
                                                                         : "corrupt"));
    }
    if (z_.avail_in == in_before && z_.avail_out == out_before) break;  // Z_BUF_ERROR: stuck
  }

  const size_t n = out_start - z_.avail_out;
  *produced = n;
  produced_ += n;
  if (config_.max_message && produced_ > config_.max_message)
    return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                "Message exceeds maxPayload (" + std::to_string(config_.max_message) + " bytes)");
  if (z_.avail_out == 0) return Status::kOutputFull;
  if (!last_) return Status::kNeedInput;
  // Everything, tail included, is inflated. A complete message ends where a block ends (after
  // the empty stored block the tail completes) or with the final block; anything else is a
  // truncated or corrupt message whose leftovers would poison the next one.
  if (!ended_ && !(z_.data_type & kAtBlockBoundary))
    return Fail(1007, "WS_ERR_INVALID_COMPRESSED_DATA",
                "Invalid compressed data: the message ends inside a deflate block");
  EndMessage();
  return Status::kMessageEnd;
}

}  // namespace curlws

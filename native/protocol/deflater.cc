#include "protocol/deflater.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace curlws {
namespace {

const uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};
constexpr size_t kMinOut = 4096;

// zlib refuses a raw deflate stream with an 8-bit window (since 1.2.9); with 9 it never refers
// further back than 2^9 - 262 = 250 bytes (MAX_DIST), so its output is valid for a peer that
// allowed only 2^8: the same answer Node's zlib gives (it turns 8 into 9 for deflateRaw).
int ZlibWindowBits(int negotiated) {
  return negotiated == 8 ? 9 : negotiated;
}
// Output kept between messages; a larger buffer (a large message) is freed when it ends.
constexpr size_t kKeepOut = 64 * 1024;

}  // namespace

Deflater::Deflater(const Config& config) : config_(config) {
  config_.window_bits = std::min(15, std::max(8, config_.window_bits));
  config_.mem_level = std::min(9, std::max(1, config_.mem_level));
  config_.level = std::min(9, std::max(-1, config_.level));
}

Deflater::~Deflater() {
  FreeStream();
  std::free(out_);
  std::free(parked_);
}

void Deflater::FreeStream() {
  if (!ready_) return;
  deflateEnd(&z_);
  ready_ = false;
  used_ = false;
}

bool Deflater::Fail(const char* why) {
  failed_ = true;
  failure_ = why;
  FreeStream();
  return false;
}

bool Deflater::Start() {
  z_ = z_stream();
  heap_.Attach(&z_);
  if (deflateInit2(&z_, config_.level, Z_DEFLATED, -ZlibWindowBits(config_.window_bits),
                   config_.mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  ready_ = true;
  used_ = false;
  if (parked_) {
    // Context takeover across a Release(): the peer's inflater still has these bytes as its
    // window, so the new stream may refer to them.
    if (deflateSetDictionary(&z_, parked_, static_cast<uInt>(parked_len_)) != Z_OK) return false;
    std::free(parked_);
    parked_ = nullptr;
    parked_len_ = 0;
    used_ = true;
  }
  return true;
}

bool Deflater::Grow(size_t min_free) {
  if (out_cap_ - out_len_ >= min_free) return true;
  const size_t want = std::max(out_len_ + min_free, out_cap_ * 2);
  void* grown = std::realloc(out_, want);
  if (!grown) return false;
  out_ = static_cast<uint8_t*>(grown);
  out_cap_ = want;
  return true;
}

bool Deflater::Compress(const uint8_t* data, size_t len, bool fin) {
  out_len_ = 0;
  if (failed_) return false;
  if (!in_message_ && out_cap_ > kKeepOut) {
    // The last message was large: do not keep its output buffer for the small ones.
    std::free(out_);
    out_ = nullptr;
    out_cap_ = 0;
  }
  if (!in_message_) message_in_ = 0;
  message_in_ += len;
  if (fin && message_in_ == 0) {
    // An empty message is the single byte 0x00 (an empty stored block without its LEN/NLEN).
    // zlib cannot make it: a sync flush with no input since the last one produces nothing.
    if (!Grow(1)) return Fail("Out of memory while compressing a message");
    out_[0] = 0x00;
    out_len_ = 1;
    in_message_ = false;
    return true;
  }
  if (!ready_ && !Start()) return Fail("Out of memory while compressing a message");
  in_message_ = true;
  const int flush = fin ? Z_SYNC_FLUSH : Z_NO_FLUSH;
  size_t left = len;
  const uint8_t* next = data;
  for (;;) {
    if (z_.avail_in == 0 && left > 0) {
      const size_t take = std::min<size_t>(left, UINT32_MAX);  // zlib counts in 32 bits
      z_.next_in = const_cast<Bytef*>(next);
      z_.avail_in = static_cast<uInt>(take);
      next += take;
      left -= take;
    }
    if (!Grow(std::max(kMinOut, std::min<size_t>(z_.avail_in + left, 1 << 20))))
      return Fail("Out of memory while compressing a message");
    const size_t free_before = std::min<size_t>(out_cap_ - out_len_, UINT32_MAX);
    z_.next_out = out_ + out_len_;
    z_.avail_out = static_cast<uInt>(free_before);
    const int ret = deflate(&z_, left > 0 ? Z_NO_FLUSH : flush);
    out_len_ += free_before - z_.avail_out;
    if (ret == Z_STREAM_ERROR || ret == Z_MEM_ERROR)
      return Fail("Out of memory while compressing a message");
    // Done when zlib had room to spare: all input taken and, for a flush, all of it written.
    if (z_.avail_out != 0 && z_.avail_in == 0 && left == 0) break;
  }
  z_.next_in = Z_NULL;
  if (!fin) return true;
  // A sync flush ends with an empty stored block; RFC 7692 §7.2.1 removes its LEN/NLEN.
  if (out_len_ < sizeof kTail || std::memcmp(out_ + out_len_ - sizeof kTail, kTail, 4) != 0)
    return Fail("zlib did not end the message with a sync flush");
  out_len_ -= sizeof kTail;
  in_message_ = false;
  used_ = true;
  if (config_.no_context_takeover) {
    if (config_.release_after_message) {
      FreeStream();
    } else if (deflateReset(&z_) == Z_OK) {
      used_ = false;
    } else {
      FreeStream();
    }
  }
  return true;
}

bool Deflater::Release() {
  if (in_message_) return false;
  if (out_cap_ > 0) {
    std::free(out_);
    out_ = nullptr;
    out_cap_ = 0;
    out_len_ = 0;
  }
  if (!ready_) return true;
  if (used_ && !config_.no_context_takeover && !failed_) {
    // Keep the context: the last bytes of what was sent, up to the window zlib really uses
    // (deflateGetDictionary copies up to that much).
    const size_t window = size_t{1} << ZlibWindowBits(config_.window_bits);
    uint8_t* saved = static_cast<uint8_t*>(std::malloc(window));
    if (!saved) return false;
    uInt n = 0;
    if (deflateGetDictionary(&z_, saved, &n) != Z_OK) {
      std::free(saved);
      return false;
    }
    if (n == 0) {
      std::free(saved);
    } else {
      void* fitted = std::realloc(saved, n);
      parked_ = static_cast<uint8_t*>(fitted ? fitted : saved);
      parked_len_ = n;
    }
  }
  FreeStream();
  return true;
}

}  // namespace curlws

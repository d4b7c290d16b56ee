#include "protocol/raw_receiver.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace curlws {
namespace {

// One read from the transport: libcurl's own WebSocket receive chunk size.
constexpr size_t kInSize = 64 * 1024;
constexpr int kDataFlags = CURLWS_TEXT | CURLWS_BINARY;

// One empty input buffer kept per thread: ReleaseIdle() parks it here and the next Fill() of any
// connection on the thread takes it. Every drain ends with ReleaseIdle() (an idle connection
// holds no buffer), so without it each drain, the one right after every handshake included,
// malloc'd and freed 64 KiB; while connections were opening glibc served most of those from
// fresh heap the kernel had to fault in (a tenth of a WHATWG WebSocket's handshake CPU).
class SpareInput {
 public:
  ~SpareInput() {
    std::free(buf_);
    buf_ = nullptr;
    closed_ = true;  // a receiver destroyed during the thread's exit frees its buffer directly
  }
  uint8_t* Take() {
    uint8_t* b = buf_;
    buf_ = nullptr;
    return b ? b : static_cast<uint8_t*>(std::malloc(kInSize));
  }
  void Give(uint8_t* b) {
    if (buf_ || closed_) {
      std::free(b);
      return;
    }
    buf_ = b;
  }

 private:
  uint8_t* buf_ = nullptr;
  bool closed_ = false;
};
thread_local SpareInput spare_input;

}  // namespace

RawReceiver::~RawReceiver() {
  if (in_) spare_input.Give(in_);
}

void RawReceiver::EnableDeflate(const Inflater::Config& config) {
  Inflater::Config c = config;
  if (max_message_) c.max_message = max_message_;
  inflater_ = std::make_unique<Inflater>(c);
  parser_.set_deflate(true);
}

void RawReceiver::set_max_message(uint64_t bytes) {
  max_message_ = bytes;
  if (inflater_) inflater_->set_max_message(bytes);
}

size_t RawReceiver::memory() const {
  return (in_ ? kInSize : 0) + (inflater_ ? inflater_->memory() : 0);
}

void RawReceiver::ReleaseIdle() {
  if (inflating_) return;
  if (in_ && in_start_ == in_end_) {
    spare_input.Give(in_);
    in_ = nullptr;
    in_start_ = in_end_ = 0;
  }
  if (inflater_) inflater_->Release();
}

CURLcode RawReceiver::Fail(const WireFailure& f) {
  failed_ = true;
  failure_ = f;
  return CURLE_RECV_ERROR;
}

// Refills the (empty) input buffer from the transport.
CURLcode RawReceiver::Fill() {
  if (!in_) {
    in_ = spare_input.Take();
    if (!in_)
      return Fail({1011, "WS_ERR_OUT_OF_MEMORY", "Out of memory while receiving a message"});
  }
  in_start_ = in_end_ = 0;
  size_t got = 0;
  const CURLcode rc = read_(ctx_, in_, kInSize, &got);
  if (rc != CURLE_OK) return rc;
  if (got == 0) {
    eof_ = true;
    return CURLE_GOT_NOTHING;
  }
  in_end_ = got;
  return CURLE_OK;
}

// The next piece of the compressed message being inflated, as a data chunk of its own.
CURLcode RawReceiver::InflateInto(uint8_t* buf, size_t len, size_t* n) {
  size_t produced = 0;
  const Inflater::Status s = inflater_->Inflate(buf, len, &produced);
  if (s == Inflater::Status::kError) return Fail(inflater_->failure());
  const bool end = s == Inflater::Status::kMessageEnd;
  if (s != Inflater::Status::kOutputFull) inflating_ = false;
  if (produced == 0 && !end) return CURLE_AGAIN;  // nothing to report: parse on
  meta_ = curl_ws_frame();
  meta_.flags = message_type_ | (end ? 0 : CURLWS_CONT);
  meta_.len = produced;
  *n = produced;
  return CURLE_OK;
}

CURLcode RawReceiver::Recv(uint8_t* buf, size_t len, size_t* n, const curl_ws_frame** meta) {
  *n = 0;
  *meta = nullptr;
  if (failed_) return CURLE_RECV_ERROR;
  if (eof_) return CURLE_GOT_NOTHING;
  if (len == 0) return CURLE_BAD_FUNCTION_ARGUMENT;
  for (;;) {
    if (inflating_) {
      const CURLcode rc = InflateInto(buf, len, n);
      if (rc == CURLE_OK) *meta = &meta_;
      if (rc != CURLE_AGAIN) return rc;
      continue;  // the chunk is used up without output: on to the next frame
    }
    if (in_start_ < in_end_) {
      FrameChunk c;
      size_t used = 0;
      const FrameParser::Result r =
          parser_.Next(in_ + in_start_, in_end_ - in_start_, len, &c, &used);
      in_start_ += used;
      if (r == FrameParser::Result::kError) return Fail(parser_.failure());
      if (r == FrameParser::Result::kChunk) {
        if (c.compressed) {
          // Its bytes stay in in_ (not refilled while inflating_) until the inflater took them.
          message_type_ = c.meta.flags & kDataFlags;
          inflater_->Feed(c.data, c.meta.len,
                          !(c.meta.flags & CURLWS_CONT) && c.meta.bytesleft == 0);
          inflating_ = true;
          continue;
        }
        if (c.meta.len) std::memcpy(buf, c.data, c.meta.len);
        meta_ = c.meta;
        *n = c.meta.len;
        *meta = &meta_;
        return CURLE_OK;
      }
      continue;  // kNeedMore consumed everything: read
    }
    const uint64_t left = parser_.payload_left();
    if (left > 0 && !parser_.in_compressed_payload()) {
      // Nothing buffered and the middle of an uncompressed frame: read its payload straight
      // into the caller's memory.
      size_t got = 0;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(left, len));
      const CURLcode rc = read_(ctx_, buf, want, &got);
      if (rc != CURLE_OK) return rc;
      if (got == 0) {
        eof_ = true;
        return CURLE_GOT_NOTHING;
      }
      FrameChunk c;
      parser_.Skip(got, &c);
      meta_ = c.meta;
      *n = got;
      *meta = &meta_;
      return CURLE_OK;
    }
    const CURLcode rc = Fill();
    if (rc != CURLE_OK) return rc;
  }
}

}  // namespace curlws

#include "protocol/frame_parser.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace curlws {
namespace {

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kRsv1 = 0x40;
constexpr uint8_t kRsv23 = 0x30;
constexpr uint8_t kMask = 0x80;
constexpr size_t kMaxControl = 125;

enum Opcode { kCont = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

const char* ControlName(int opcode) {
  return opcode == kPing ? "PING" : opcode == kPong ? "PONG" : "CLOSE";
}

}  // namespace

FrameParser::Result FrameParser::Fail(uint16_t close_code, const char* code, std::string what,
                                      int byte) {
  failed_ = true;
  failure_.close_code = close_code;
  failure_.code = code;
  failure_.message = std::move(what);
  if (byte >= 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, ": %02x", byte & 0xff);
    failure_.message += hex;
  }
  return Result::kError;
}

// The first header byte: FIN, RSV1-3, opcode, judged against the message state. The messages
// are libcurl's (lib/ws.c) where libcurl makes the same check, so both paths read alike.
bool FrameParser::CheckFirstByte(uint8_t b0) {
  const int opcode = b0 & 0x0f;
  const bool fin = (b0 & kFin) != 0;
  const bool rsv1 = (b0 & kRsv1) != 0;
  if ((b0 & kRsv23) || (rsv1 && !deflate_)) {
    Fail(1002, "WS_ERR_PROTOCOL", "[WS] invalid reserved bits", b0);
    return false;
  }
  switch (opcode) {
    case kCont:
      if (!message_flags_) {
        Fail(1002, "WS_ERR_PROTOCOL", "[WS] no ongoing fragmented message to resume");
        return false;
      }
      if (rsv1) {
        Fail(1002, "WS_ERR_PROTOCOL", "[WS] RSV1 set on a continuation frame");
        return false;
      }
      frame_flags_ = message_flags_ | (fin ? 0 : CURLWS_CONT);
      frame_starts_message_ = false;
      if (fin) message_flags_ = 0;
      return true;
    case kText:
    case kBinary:
      if (message_flags_) {
        Fail(1002, "WS_ERR_PROTOCOL",
             opcode == kText ? "[WS] fragmented message interrupted by new TEXT msg"
                             : "[WS] fragmented message interrupted by new BINARY msg");
        return false;
      }
      message_compressed_ = rsv1;
      frame_starts_message_ = true;
      frame_flags_ = (opcode == kText ? CURLWS_TEXT : CURLWS_BINARY) | (fin ? 0 : CURLWS_CONT);
      if (!fin) message_flags_ = opcode == kText ? CURLWS_TEXT : CURLWS_BINARY;
      return true;
    case kClose:
    case kPing:
    case kPong:
      if (rsv1) {
        Fail(1002, "WS_ERR_PROTOCOL", "[WS] RSV1 set on a control frame", b0);
        return false;
      }
      if (!fin) {
        static const char* const kFragmented[] = {"[WS] invalid fragmented CLOSE frame",
                                                  "[WS] invalid fragmented PING frame",
                                                  "[WS] invalid fragmented PONG frame"};
        Fail(1002, "WS_ERR_PROTOCOL", kFragmented[opcode - kClose]);
        return false;
      }
      frame_flags_ = opcode == kClose ? CURLWS_CLOSE : opcode == kPing ? CURLWS_PING : CURLWS_PONG;
      frame_starts_message_ = false;
      return true;
    default: Fail(1002, "WS_ERR_PROTOCOL", "[WS] invalid opcode", b0); return false;
  }
}

bool FrameParser::CheckSecondByte(uint8_t b1) {
  if (b1 & kMask) {
    Fail(1002, "WS_ERR_PROTOCOL", "[WS] masked input frame");
    return false;
  }
  const size_t len7 = b1 & 0x7f;
  const bool control = (frame_flags_ & (CURLWS_CLOSE | CURLWS_PING | CURLWS_PONG)) != 0;
  if (control && len7 > kMaxControl) {
    Fail(1002, "WS_ERR_PROTOCOL",
         std::string("[WS] received ") + ControlName(head_[0] & 0x0f) + " frame is too big");
    return false;
  }
  head_need_ = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
  return true;
}

void FrameParser::Describe(size_t n, FrameChunk* out) {
  out->meta.age = 0;
  out->meta.flags = frame_flags_;
  out->meta.offset = static_cast<curl_off_t>(payload_off_);
  out->meta.bytesleft = static_cast<curl_off_t>(payload_len_ - payload_off_ - n);
  out->meta.len = n;
  const bool data = (frame_flags_ & (CURLWS_TEXT | CURLWS_BINARY)) != 0;
  out->compressed = data && message_compressed_;
  out->message_start = frame_starts_message_ && payload_off_ == 0;
  payload_off_ += n;
  if (payload_off_ == payload_len_) {
    in_payload_ = false;
    head_len_ = 0;
    head_need_ = 2;
  }
}

FrameParser::Result FrameParser::Next(const uint8_t* input, size_t len, size_t max_chunk,
                                      FrameChunk* out, size_t* used) {
  *used = 0;
  if (failed_) return Result::kError;
  size_t p = 0;
  if (!in_payload_) {
    while (head_len_ < head_need_) {
      if (p == len) {
        *used = p;
        return Result::kNeedMore;
      }
      head_[head_len_++] = input[p++];
      if (head_len_ == 1 && !CheckFirstByte(head_[0])) return Result::kError;
      if (head_len_ == 2 && !CheckSecondByte(head_[1])) return Result::kError;
    }
    uint64_t n = head_[1] & 0x7f;
    if (head_need_ == 4) {
      n = (uint64_t{head_[2]} << 8) | head_[3];
    } else if (head_need_ == 10) {
      if (head_[2] & 0x80)
        return Fail(1009, "WS_ERR_MESSAGE_TOO_BIG",
                    "[WS] frame length longer than 63 bits not supported");
      n = 0;
      for (int i = 2; i < 10; i++) n = (n << 8) | head_[i];
    }
    payload_len_ = n;
    payload_off_ = 0;
    in_payload_ = true;
    if (n == 0) {
      *used = p;
      Describe(0, out);
      out->data = input + p;
      return Result::kChunk;
    }
  }
  if (p == len) {
    *used = p;
    return Result::kNeedMore;
  }
  const uint64_t left = payload_len_ - payload_off_;
  const size_t n = static_cast<size_t>(
      std::min<uint64_t>({left, static_cast<uint64_t>(len - p), std::max<size_t>(max_chunk, 1)}));
  out->data = input + p;
  Describe(n, out);
  *used = p + n;
  return Result::kChunk;
}

void FrameParser::Skip(size_t n, FrameChunk* out) {
  const uint64_t left = payload_left();
  if (n > left) n = static_cast<size_t>(left);
  if (n == 0) {  // between frames there is nothing to skip
    *out = FrameChunk();
    return;
  }
  Describe(n, out);
  out->data = nullptr;
}

}  // namespace curlws

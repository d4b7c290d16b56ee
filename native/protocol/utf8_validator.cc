#include "protocol/utf8_validator.h"

#include <cstring>

namespace curlws {

bool Utf8Validator::Feed(const uint8_t* p, size_t len) {
  if (failed_) return false;
  const uint8_t* end = p + len;
  while (p < end) {
    if (need_ == 0) {
      // Fast path: skip ASCII eight bytes at a time.
      while (end - p >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ULL) break;
        p += 8;
      }
      if (p == end) break;
      uint8_t b = *p++;
      if (b < 0x80) continue;
      ascii_ = false;
      lo_ = 0x80;
      hi_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        if (b == 0xE0)
          lo_ = 0xA0;  // overlong 3-byte forms
        else if (b == 0xED)
          hi_ = 0x9F;  // UTF-16 surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        if (b == 0xF0)
          lo_ = 0x90;  // overlong 4-byte forms
        else if (b == 0xF4)
          hi_ = 0x8F;  // beyond U+10FFFF
      } else {
        failed_ = true;  // 80..C1 lead bytes, F5..FF
        return false;
      }
    } else {
      uint8_t b = *p++;
      if (b < lo_ || b > hi_) {
        failed_ = true;
        return false;
      }
      lo_ = 0x80;
      hi_ = 0xBF;
      --need_;
    }
  }
  return true;
}

bool Utf8Validator::IsValid(const uint8_t* data, size_t len) {
  Utf8Validator v;
  return v.Feed(data, len) && v.AtBoundary();
}

size_t Utf8Validator::Utf16Length(const uint8_t* data, size_t len) {
  // Every byte but continuation bytes starts a code point; 4-byte ones need a surrogate pair.
  size_t units = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t b = data[i];
    units += (b & 0xC0) != 0x80;
    units += b >= 0xF0;
  }
  return units;
}

}  // namespace curlws

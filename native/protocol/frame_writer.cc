#include "protocol/frame_writer.h"

#include <cstring>

namespace curlws {

size_t FrameHeaderSize(uint64_t payload_len) {
  return (payload_len < 126 ? 2 : payload_len <= 0xffff ? 4 : 10) + 4;
}

size_t WriteFrameHeader(uint8_t* out, uint8_t first, uint64_t payload_len, const uint8_t key[4]) {
  size_t n;
  out[0] = first;
  if (payload_len < 126) {
    out[1] = static_cast<uint8_t>(0x80 | payload_len);
    n = 2;
  } else if (payload_len <= 0xffff) {
    out[1] = 0x80 | 126;
    out[2] = static_cast<uint8_t>(payload_len >> 8);
    out[3] = static_cast<uint8_t>(payload_len);
    n = 4;
  } else {
    out[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) out[2 + i] = static_cast<uint8_t>(payload_len >> (56 - 8 * i));
    n = 10;
  }
  std::memcpy(out + n, key, 4);
  return n + 4;
}

void MaskCopy(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4], size_t phase) {
  uint8_t k[8];
  for (int i = 0; i < 8; i++) k[i] = key[(phase + i) & 3];
  uint64_t k64;
  std::memcpy(&k64, k, 8);
  size_t i = 0;
  // Word steps keep the key phase (8 is a multiple of 4); memcpy loads/stores are unaligned-safe
  // and compile to plain moves, and the 4-word body vectorizes.
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, src + i, 32);
    w[0] ^= k64;
    w[1] ^= k64;
    w[2] ^= k64;
    w[3] ^= k64;
    std::memcpy(dst + i, w, 32);
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= k64;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; i++) dst[i] = src[i] ^ k[i & 3];
}

}  // namespace curlws

// Client frame encoding (RFC 6455 §5.2): the header for a masked frame and the masking itself.
//
// libcurl's encoder masks one byte per bufq call and sends one frame per call; curlws frames in
// the binding instead (see send_queue.h), so the hot loops live here: masking works on 8-byte
// words, which the compiler turns into SIMD loads on x86-64 and arm64.
//
// Pure functions, no state, any thread.
#ifndef CURLWS_NATIVE_FRAME_WRITER_H_
#define CURLWS_NATIVE_FRAME_WRITER_H_

#include <cstddef>
#include <cstdint>

namespace curlws {

// The largest header a client frame can have: 2 + 8 (64-bit length) + 4 (mask key).
constexpr size_t kMaxFrameHeader = 14;

// Header bytes for a masked frame with `payload_len` bytes of payload.
size_t FrameHeaderSize(uint64_t payload_len);

// Writes the header (FIN/opcode byte `first`, MASK bit, length, key) to `out`, which must have
// room for FrameHeaderSize(payload_len) bytes. Returns the bytes written.
size_t WriteFrameHeader(uint8_t* out, uint8_t first, uint64_t payload_len, const uint8_t key[4]);

// dst[i] = src[i] ^ key[(phase + i) % 4] for i < n. `phase` is the offset of src[0] within the
// frame payload. dst may equal src (mask in place); otherwise the ranges must not overlap.
void MaskCopy(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4], size_t phase);

}  // namespace curlws

#endif  // CURLWS_NATIVE_FRAME_WRITER_H_

// permessage-deflate send side (RFC 7692 §7.2.1): compresses outgoing messages, in slices, so a
// large message is compressed (and can be framed and written) a bounded piece at a time instead
// of in one long stall of the event loop.
//
// How a message flows: Compress() each slice of the message in order, `fin` on the last; after
// each call output() holds the compressed bytes of that slice (possibly none: zlib keeps input
// until it has a block's worth). Each non-empty output can go out as one frame of the message
// (RSV1 on the first frame only, FIN on the last; RFC 7692 §6.1 lets the compressed payload be
// fragmented anywhere). The final slice is flushed with Z_SYNC_FLUSH and the 0x00 0x00 0xff 0xff
// it ends with is removed. With context takeover the window carries over to the next message;
// under client_no_context_takeover each message starts from an empty window.
//
// Whether a message is compressed at all is the caller's choice (ShouldCompress(): ws's
// threshold rule).
//
// Memory: the zlib stream (about 2^(window_bits+2) + 2^(mem_level+9) bytes: 256 KiB at 15/8,
// see zlib_heap.h) is created lazily with the first compressed message. Release() frees it
// between messages; under context takeover it keeps only the last 2^window_bits bytes sent (the
// context), which become the dictionary of the next stream (the peer's inflater still holds the
// same bytes, so the next message may refer to them as if the stream had never stopped).
//
// Ownership/threading: owned by one connection, used on its loop thread only.
#ifndef CURLWS_NATIVE_PROTOCOL_DEFLATER_H_
#define CURLWS_NATIVE_PROTOCOL_DEFLATER_H_

#include <zlib.h>

#include <cstddef>
#include <cstdint>

#include "protocol/zlib_heap.h"

namespace curlws {

class Deflater {
 public:
  struct Config {
    int window_bits = 15;  // client_max_window_bits, 8..15 (8 deflates with 9: see deflater.cc)
    int mem_level = 8;     // zlib memLevel, 1..9
    int level = Z_DEFAULT_COMPRESSION;  // -1 or 0..9
    bool no_context_takeover = false;   // client_no_context_takeover: messages stand alone
    // Under no_context_takeover: free the stream after each message instead of resetting it.
    bool release_after_message = true;
    // ws's `threshold`: under no context takeover, messages smaller than this are sent as is.
    size_t threshold = 1024;
  };

  explicit Deflater(const Config& config);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // ws's rule (lib/sender.js): with context takeover every message is compressed (even a small
  // one shrinks against the shared window); without it only those of at least `threshold` bytes.
  bool ShouldCompress(size_t message_size) const {
    return !config_.no_context_takeover || message_size >= config_.threshold;
  }

  // Compresses the next `len` bytes of the current message (a new message starts if none is in
  // progress); `fin`: they end it. False when zlib fails (out of memory): see failure(); the
  // message cannot be completed and the connection must fail.
  bool Compress(const uint8_t* data, size_t len, bool fin);
  // The compressed bytes of the last Compress() call; valid until the next call or Release().
  const uint8_t* output() const { return out_; }
  size_t output_size() const { return out_len_; }

  // Between messages: frees the zlib stream and the output buffer. Under context takeover the
  // window is kept (at most 2^window_bits bytes, 2^9 for 8) and primes the next stream. False if a
  // message is in progress (nothing freed) or the window could not be saved (the stream is kept).
  bool Release();

  bool in_message() const { return in_message_; }
  // Bytes this deflater holds: zlib's, the output buffer and a parked window.
  size_t memory() const { return heap_.live + out_cap_ + parked_len_; }
  // Of which zlib's stream.
  size_t zlib_memory() const { return heap_.live; }
  // For tests: caps what zlib may allocate for this stream (allocation failure paths).
  void set_memory_limit(size_t bytes) { heap_.limit = bytes; }
  const char* failure() const { return failure_; }

 private:
  bool Start();
  bool Grow(size_t min_free);
  void FreeStream();
  bool Fail(const char* why);

  Config config_;
  ZlibHeap heap_;
  z_stream z_{};
  bool ready_ = false;
  bool used_ = false;  // the stream holds context from an earlier message
  bool in_message_ = false;
  bool failed_ = false;
  uint64_t message_in_ = 0;  // input bytes of the current message
  uint8_t* out_ = nullptr;   // malloc'd
  size_t out_cap_ = 0;
  size_t out_len_ = 0;
  uint8_t* parked_ = nullptr;  // malloc'd: the window saved by Release()
  size_t parked_len_ = 0;
  const char* failure_ = "";
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_DEFLATER_H_

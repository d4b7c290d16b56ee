// permessage-deflate receive side (RFC 7692 §7.2.2): inflates the payload of compressed messages
// with a bounded output, so maxPayload limits the inflated size and a compression bomb stops at
// the limit: at most max_message + 1 bytes are ever inflated for one message, whatever the
// compressed data claims, and the rest of it is never decompressed.
//
// How a message flows: Feed() each compressed payload chunk as the frame parser delivers it
// (`last` on the message's final chunk), then call Inflate() with the room the caller has until
// it asks for more input or reports the end of the message. The 0x00 0x00 0xff 0xff tail that
// the sender removed is appended here. With context takeover the LZ77 window carries over to
// the next message; under server_no_context_takeover every message starts from an empty one.
//
// Memory: the zlib stream (about 7 KiB plus a window of 2^window_bits bytes, 40 KiB at 15, see
// zlib_heap.h) is created lazily with the first compressed message, and freed after each
// message under no_context_takeover (release_after_message) or on Release() between messages.
//
// Ownership/threading: owned by one connection, used on its loop thread only. Input is not
// copied: the caller keeps it valid until Inflate() has consumed it.
#ifndef CURLWS_NATIVE_PROTOCOL_INFLATER_H_
#define CURLWS_NATIVE_PROTOCOL_INFLATER_H_

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/wire_failure.h"
#include "protocol/zlib_heap.h"

namespace curlws {

class Inflater {
 public:
  struct Config {
    int window_bits = 15;              // the peer's LZ77 window: server_max_window_bits, 8..15
    bool no_context_takeover = false;  // server_no_context_takeover: messages stand alone
    uint64_t max_message = 0;          // inflated bytes allowed per message (0: no limit)
    // Under no_context_takeover: free the stream after each message (idle connections then
    // hold nothing) instead of resetting it for the next one (saves an init per message).
    bool release_after_message = true;
  };
  enum class Status { kNeedInput, kOutputFull, kMessageEnd, kError };

  explicit Inflater(const Config& config);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // The next compressed payload bytes of the current message (a new message starts if none is
  // in progress). `last`: they are its final bytes. Call only when Inflate() last returned
  // kNeedInput or kMessageEnd (or before the first Inflate()).
  void Feed(const uint8_t* data, size_t len, bool last);

  // Inflates into out[0, cap). *produced: bytes written there.
  //   kOutputFull: out is full; call again with more room (output may be pending in zlib).
  //   kNeedInput:  everything fed so far is inflated; Feed() the next chunk.
  //   kMessageEnd: the message is complete (message_size() bytes in all).
  //   kError:      see failure(): 1007 corrupt data, 1009 over max_message or out of memory.
  // After kError the inflater is unusable (the connection is failing).
  Status Inflate(uint8_t* out, size_t cap, size_t* produced);

  // Frees the zlib stream if that loses nothing: between messages, and only when messages do
  // not refer to earlier ones (no_context_takeover) or none was inflated yet. Returns whether
  // the stream is gone.
  bool Release();

  void set_max_message(uint64_t bytes) { config_.max_message = bytes; }
  bool in_message() const { return in_message_; }
  uint64_t message_size() const { return produced_; }
  // Bytes zlib holds for this stream now.
  size_t memory() const { return heap_.live; }
  // For tests: caps what zlib may allocate for this stream (allocation failure paths).
  void set_memory_limit(size_t bytes) { heap_.limit = bytes; }
  const WireFailure& failure() const { return failure_; }

 private:
  Status Fail(uint16_t close_code, const char* code, std::string message);
  bool Start();
  void EndMessage();
  void FreeStream();

  Config config_;
  ZlibHeap heap_;
  z_stream z_{};
  bool ready_ = false;  // z_ is initialized
  bool used_ = false;   // z_ holds context from an earlier message
  bool failed_ = false;
  bool in_message_ = false;
  const uint8_t* in_ptr_ = nullptr;  // fed input not yet handed to zlib
  size_t in_left_ = 0;
  bool last_ = false;      // the final input of the message has been fed
  bool tail_fed_ = false;  // the 4-byte tail has been handed to zlib
  bool ended_ = false;     // zlib saw a final block (BFINAL): the message must end now
  uint64_t fed_ = 0;       // compressed bytes fed for this message
  uint64_t produced_ = 0;  // inflated bytes of this message
  WireFailure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_INFLATER_H_

// Send side: the frames waiting to go out, framed and masked here, and the pump that writes them
// with curl_easy_send() (raw bytes through libcurl's connection: TLS and proxy tunnels included).
//
// Why not curl_ws_send(): libcurl masks one byte per call into its own buffer and does one
// send() per frame (~150 MB/s, ~8 µs per small frame). Here every frame gets its header and a
// fresh masking key (random_pool.h) when it is queued, and the payload is masked word-wide while
// it is copied in (frame_writer.h) — the copy send() always had to make. Small frames are packed
// into shared 64 KiB blocks, so one write carries thousands of them; a large frame gets a block of
// its own and is written straight from it.
//
// Wire rules:
// - libcurl never writes on this connection by itself (CURLWS_NOAUTOPONG, and curl_ws_send is
//   never called), so these bytes are the only writer and cannot interleave with libcurl's.
// - After CURLE_AGAIN the same bytes are offered again, at least as many (OpenSSL requires a
//   retried SSL_write to repeat its length): those bytes are "pinned" and nothing is reordered
//   or dropped in front of them.
// - Control frames go only between frames: they may overtake queued data at a frame boundary
//   (between the fragments of a message too), never split a frame.
// - At most kMaxWrite bytes per call and kPumpBudget per Pump(): a huge message is masked (if it
//   was too big to mask at send() time) and written in bounded slices, and other work on the
//   event loop runs between them.
//
// Ownership/threading: owned by one Session, loop thread only. Blocks own their bytes.
#ifndef CURLWS_NATIVE_SEND_QUEUE_H_
#define CURLWS_NATIVE_SEND_QUEUE_H_

#include <curl/curl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "memory/lazy_deque.h"
#include "protocol/frame_writer.h"

namespace curlws {

class SendQueue {
 public:
  // Who asked for a frame: decides which completion counter it bumps.
  enum class Origin { kUser, kAuto };

  struct Completions {
    size_t user_data = 0;     // send() calls now fully handed to the kernel
    size_t user_bytes = 0;    // their payload bytes
    size_t user_control = 0;  // ping()/pong() calls now fully handed to the kernel
    bool close_sent = false;  // our CLOSE frame went out completely
    // When set, every completed frame's flags and payload size (for the verbose trace).
    std::vector<std::pair<unsigned int, size_t>>* sent_frames = nullptr;
  };

  enum class Status { kIdle, kBlocked, kError };

  // `flags`: CURLWS_TEXT or CURLWS_BINARY, plus CURLWS_CONT for a fragment with more to follow.
  // `compressed`: the payload is permessage-deflate data (RSV1 on the message's first frame).
  // False (nothing queued) when no memory or no masking key could be had: see failure().
  bool PushData(const uint8_t* payload, size_t size, unsigned int flags, bool compressed = false);
  bool PushControl(const uint8_t* payload, size_t size, unsigned int flags, Origin origin);
  // Queues our CLOSE behind all data already queued.
  bool PushClose(const std::string& payload);
  // Peer closed first: drops data not yet started (nor offered to a blocked write) and queues
  // `payload` as a CLOSE after what remains. Returns how many send() calls were dropped.
  size_t ReplaceWithCloseReply(const std::string& payload, bool* ok);

  // Sends as much as the socket takes. kBlocked: wait for writable and call again.
  Status Pump(CURL* easy, Completions* done, CURLcode* error);

  size_t buffered_amount() const;
  // Why the last Push* returned false.
  const char* failure() const { return failure_; }
  // The last Push* failed because memory could not be had (the connection must fail).
  bool out_of_memory() const { return failure_ == kNoMemory; }
  bool empty() const { return blocks_.empty() && control_.empty(); }
  // Frames queued by send() and not yet completed (for rejecting them at close).
  size_t pending_user_data() const;
  size_t pending_user_control() const;

 private:
  enum class Kind { kData, kControl, kClose };
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  // Blocks are released to a per-thread cache (Recycle); the deleter covers the other exits.
  // Contiguous wire bytes: several small frames, or one large frame.
  struct Block {
    std::unique_ptr<uint8_t, Free> data;
    size_t cap = 0;
    size_t len = 0;
    size_t sent = 0;
    uint64_t base = 0;    // stream position of data[0]
    bool single = false;  // one large frame: nothing is appended after it
    // [0, ready) is masked. A frame too large to mask at queue time is masked from `ready` on
    // in slices just before they are written.
    size_t ready = 0;
    size_t payload_start = 0;
    uint8_t key[4] = {0, 0, 0, 0};
  };
  // One frame of the data stream, by stream position.
  struct Record {
    uint64_t start;
    uint64_t end;
    size_t header;
    uint64_t payload;
    unsigned int flags;
    Kind kind;
  };
  struct Control {
    std::array<uint8_t, 6 + 125> bytes;  // header (2 + key 4) and payload
    size_t len;
    size_t sent;
    size_t payload;
    unsigned int flags;
    Kind kind;
    Origin origin;
  };

  bool PushFrame(const uint8_t* payload, size_t size, unsigned int flags, Kind kind,
                 bool compressed = false);
  bool EncodeControl(Control* c, const uint8_t* payload, size_t size, unsigned int flags);
  Block* BlockFor(size_t frame_size);
  void Recycle(Block&& b);
  CURLcode WriteData(CURL* easy, size_t* wrote, size_t* offered);
  CURLcode WriteControl(CURL* easy, size_t* wrote, size_t* offered);
  void Complete(Completions* done, unsigned int flags, uint64_t payload, Kind kind, Origin origin);

  LazyDeque<Block> blocks_;       // data stream: user messages and our CLOSE, in order
  LazyDeque<Record> records_;     // the frames in blocks_ not yet fully written
  LazyDeque<Control> control_;    // PING/PONG and a CLOSE reply, ahead of queued data
  uint64_t queued_ = 0;           // stream position after the last queued byte
  uint64_t written_ = 0;          // stream position of the next byte to write
  uint64_t pinned_ = 0;           // end of a data write that got CURLE_AGAIN (0: none)
  bool control_started_ = false;  // the front control frame is partly written or pinned
  bool fragmenting_ = false;      // a data message was started with CURLWS_CONT
  uint64_t buffered_ = 0;         // payload bytes of user messages not yet fully written
  const char* failure_ = "";
  static constexpr const char* kNoMemory = "out of memory while queueing a message";
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_SEND_QUEUE_H_

// Send side: the frames waiting to go out, and the pump that feeds them to curl_ws_send().
//
// Rules (see shared/notes/libcurl-ws.md §3): one frame in flight; after CURLE_AGAIN or a partial
// send, the same remaining slice is offered again when the socket turns writable; a message
// larger than one slice goes out as a single CURLWS_OFFSET frame fed in slices, so no single
// call masks a huge payload on the event loop; control frames only between frames, ahead of
// queued data.
//
// Ownership/threading: owned by one Session, loop thread only. Frames own their bytes.
#ifndef CURLWS_NATIVE_SEND_QUEUE_H_
#define CURLWS_NATIVE_SEND_QUEUE_H_

#include <curl/curl.h>

#include <cstddef>
#include <deque>
#include <string>
#include <utility>
#include <vector>

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

  void PushData(std::string payload, unsigned int flags);
  void PushControl(std::string payload, unsigned int flags, Origin origin);
  // Queues our CLOSE behind all data already queued.
  void PushClose(std::string payload);
  // Peer closed first: drops data not yet started and sends `payload` as the next frame after
  // the one in flight. Returns how many send() calls were dropped.
  size_t ReplaceWithCloseReply(std::string payload);

  // Sends as much as the socket takes. kBlocked: wait for writable and call again.
  Status Pump(CURL* easy, Completions* done, CURLcode* error);

  size_t buffered_amount() const { return buffered_; }
  bool empty() const { return data_.empty() && control_.empty(); }
  // Frames queued by send() and not yet completed (for rejecting them at close).
  size_t pending_user_data() const;
  size_t pending_user_control() const;

 private:
  enum class Kind { kData, kControl, kClose };
  struct Frame {
    std::string payload;
    unsigned int flags;
    Kind kind;
    Origin origin;
    size_t sent = 0;       // payload bytes handed to the kernel
    bool started = false;  // libcurl has begun this frame (its header may be buffered)
  };

  // Offers the next slice of `f`; returns CURLE_OK, CURLE_AGAIN or an error.
  static CURLcode SendSlice(CURL* easy, Frame* f, size_t* wrote, size_t* offered);

  std::deque<Frame> data_;     // user messages, then our CLOSE
  std::deque<Frame> control_;  // PING/PONG and a CLOSE reply
  bool control_in_flight_ = false;  // which queue's front frame libcurl is in the middle of
  bool data_in_flight_ = false;
  size_t buffered_ = 0;             // unsent payload bytes of user messages
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_SEND_QUEUE_H_

#include "send_queue.h"

#include <algorithm>

namespace curlws {
namespace {

// libcurl masks payload one byte at a time into its send buffer; 64 KiB per call keeps each
// call short and libcurl's buffer bounded.
constexpr size_t kSlice = 64 * 1024;
// A peer that pings faster than it reads must not grow our memory without bound (RFC 6455
// §5.5.3 allows answering only the most recent PING).
constexpr size_t kMaxQueuedAutoPongs = 64;

}  // namespace

void SendQueue::PushData(std::string payload, unsigned int flags) {
  buffered_ += payload.size();
  data_.push_back(Frame{std::move(payload), flags, Kind::kData, Origin::kUser});
}

void SendQueue::PushControl(std::string payload, unsigned int flags, Origin origin) {
  if (origin == Origin::kAuto && control_.size() >= kMaxQueuedAutoPongs) {
    Frame& last = control_.back();
    bool replaceable = !(control_in_flight_ && control_.size() == 1) &&
                       last.origin == Origin::kAuto && last.kind == Kind::kControl;
    if (replaceable) {
      last.payload = std::move(payload);
      return;
    }
  }
  control_.push_back(Frame{std::move(payload), flags, Kind::kControl, origin});
}

void SendQueue::PushClose(std::string payload) {
  data_.push_back(Frame{std::move(payload), CURLWS_CLOSE, Kind::kClose, Origin::kUser});
}

size_t SendQueue::ReplaceWithCloseReply(std::string payload) {
  size_t dropped = 0;
  size_t keep = data_in_flight_ ? 1 : 0;
  while (data_.size() > keep) {
    const Frame& f = data_.back();
    if (f.kind == Kind::kData) {
      buffered_ -= f.payload.size() - f.sent;
      dropped++;
    }
    data_.pop_back();
  }
  // The reply goes right after whatever libcurl is in the middle of.
  Frame reply{std::move(payload), CURLWS_CLOSE, Kind::kClose, Origin::kAuto};
  auto pos = control_.begin() + ((control_in_flight_ && !control_.empty()) ? 1 : 0);
  control_.insert(pos, std::move(reply));
  return dropped;
}

size_t SendQueue::pending_user_data() const {
  return std::count_if(data_.begin(), data_.end(),
                       [](const Frame& f) { return f.kind == Kind::kData; });
}

size_t SendQueue::pending_user_control() const {
  return std::count_if(control_.begin(), control_.end(), [](const Frame& f) {
    return f.kind == Kind::kControl && f.origin == Origin::kUser;
  });
}

CURLcode SendQueue::SendSlice(CURL* easy, Frame* f, size_t* wrote, size_t* offered) {
  const size_t total = f->payload.size();
  const size_t remaining = total - f->sent;
  const bool sliced = total > kSlice;
  *offered = std::min(remaining, kSlice);
  unsigned int flags = f->flags | (sliced ? CURLWS_OFFSET : 0);
  // fragsize is read only when libcurl starts the frame; later calls must pass 0.
  curl_off_t fragsize = (sliced && !f->started) ? static_cast<curl_off_t>(total) : 0;
  *wrote = 0;
  CURLcode rc = curl_ws_send(easy, f->payload.data() + f->sent, *offered, wrote, fragsize, flags);
  if (rc == CURLE_OK || rc == CURLE_AGAIN) f->started = true;
  return rc;
}

SendQueue::Status SendQueue::Pump(CURL* easy, Completions* done, CURLcode* error) {
  for (;;) {
    // The frame libcurl is in the middle of comes first; then control frames; then data.
    bool use_control;
    if (control_in_flight_) use_control = true;
    else if (data_in_flight_) use_control = false;
    else if (!control_.empty()) use_control = true;
    else if (!data_.empty()) use_control = false;
    else return Status::kIdle;

    std::deque<Frame>& queue = use_control ? control_ : data_;
    Frame& f = queue.front();
    size_t wrote = 0, offered = 0;
    CURLcode rc = SendSlice(easy, &f, &wrote, &offered);
    (use_control ? control_in_flight_ : data_in_flight_) = f.started;
    if (rc == CURLE_AGAIN) return Status::kBlocked;
    if (rc != CURLE_OK) {
      *error = rc;
      return Status::kError;
    }
    f.sent += wrote;
    if (f.kind == Kind::kData) buffered_ -= wrote;
    if (f.sent < f.payload.size()) {
      if (wrote < offered) return Status::kBlocked;  // the socket took only part of the slice
      continue;                                       // next slice of the same frame
    }
    // Frame complete: libcurl's send buffer is empty again.
    if (done->sent_frames) done->sent_frames->emplace_back(f.flags, f.payload.size());
    if (f.kind == Kind::kData) {
      done->user_data++;
      done->user_bytes += f.payload.size();
    }
    else if (f.kind == Kind::kClose) done->close_sent = true;
    else if (f.origin == Origin::kUser) done->user_control++;
    (use_control ? control_in_flight_ : data_in_flight_) = false;
    queue.pop_front();
  }
}

}  // namespace curlws

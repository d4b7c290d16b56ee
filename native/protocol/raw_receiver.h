// The receive path of a CURLWS_RAW_MODE connection behind curl_ws_recv()'s contract, so the
// Session's drain loop and FrameAssembler work unchanged on it: Recv() hands out one chunk of
// one frame per call, written into the caller's buffer, with the same curl_ws_frame metadata and
// the same return codes (CURLE_OK, CURLE_AGAIN, CURLE_GOT_NOTHING at EOF, an error otherwise).
//
// Inside: raw bytes from a transport function (curl_easy_recv() in the Session, a fake in the
// tests) go through FrameParser; a compressed message (permessage-deflate, once EnableDeflate()
// is called) goes through Inflater, and its inflated bytes come out as data chunks of their own:
// each with offset 0 and bytesleft 0, CURLWS_CONT on all but the message's last (so
// FrameAssembler's per-frame checks, maxPayload included, run on every piece, and a compressed
// message never looks like a frame whose full size is known). Control frames come out between
// them in wire order; no output of an earlier frame is held back behind a later one.
//
// A protocol violation, invalid compressed data or a message over max_message returns
// CURLE_RECV_ERROR with failure() set (close code, WS_ERR_* code, message); every later call
// returns it again.
//
// Memory: a 64 KiB input buffer while bytes wait in it (ReleaseIdle() gives it up when empty,
// to a spare kept per thread that the next connection to read on the thread reuses);
// payload of an uncompressed frame is read straight into the caller's buffer when nothing else is
// buffered (no copy); the inflater's stream as described in inflater.h.
//
// Ownership/threading: owned by one connection, loop thread only.
#ifndef CURLWS_NATIVE_PROTOCOL_RAW_RECEIVER_H_
#define CURLWS_NATIVE_PROTOCOL_RAW_RECEIVER_H_

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocol/frame_parser.h"
#include "protocol/inflater.h"
#include "protocol/wire_failure.h"

namespace curlws {

class RawReceiver {
 public:
  // Reads up to `len` bytes into `buf`: CURLE_OK with *n > 0; CURLE_OK with *n == 0 at EOF;
  // CURLE_AGAIN when nothing is there; any other code is a transport error, passed on.
  using ReadFn = CURLcode (*)(void* ctx, uint8_t* buf, size_t len, size_t* n);

  RawReceiver(ReadFn read, void* ctx) : read_(read), ctx_(ctx) {}
  ~RawReceiver();
  RawReceiver(const RawReceiver&) = delete;
  RawReceiver& operator=(const RawReceiver&) = delete;

  // permessage-deflate was negotiated: RSV1 marks compressed messages, inflated with `config`.
  void EnableDeflate(const Inflater::Config& config);
  void set_max_message(uint64_t bytes);

  // curl_ws_recv() for this connection. `len` >= 1.
  CURLcode Recv(uint8_t* buf, size_t len, size_t* n, const curl_ws_frame** meta);

  const WireFailure& failure() const { return failure_; }
  // Gives up the input buffer if it holds nothing (an idle connection keeps none).
  void ReleaseIdle();
  // Bytes held: input buffer and the inflater's stream.
  size_t memory() const;

 private:
  CURLcode Fail(const WireFailure& f);
  CURLcode Fill();
  CURLcode InflateInto(uint8_t* buf, size_t len, size_t* n);

  ReadFn read_;
  void* ctx_;
  FrameParser parser_;
  std::unique_ptr<Inflater> inflater_;
  uint64_t max_message_ = 0;
  uint8_t* in_ = nullptr;  // input buffer, from the thread's spare or malloc
  size_t in_start_ = 0;    // unparsed bytes are in_[in_start_, in_end_)
  size_t in_end_ = 0;
  // A compressed chunk handed to the inflater: its bytes stay in in_ until it is consumed.
  bool inflating_ = false;
  bool inflate_last_ = false;  // that chunk ends the message
  int message_type_ = 0;       // CURLWS_TEXT or CURLWS_BINARY of the compressed message
  bool eof_ = false;
  bool failed_ = false;
  curl_ws_frame meta_{};
  WireFailure failure_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_RAW_RECEIVER_H_

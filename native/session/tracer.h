// The verbose trace (`verbose` option): libcurl's debug callback (`curl -v` style lines) and,
// in data mode, one line per WebSocket frame sent or received.
//
// Ownership/threading: a member of one Session, loop thread only. libcurl calls OnDebug from
// inside its own functions, where JS must not run, so lines are only collected here and the
// Session delivers them with its next batch (`notify` asks it to schedule one).
#ifndef CURLWS_NATIVE_TRACER_H_
#define CURLWS_NATIVE_TRACER_H_

#include <curl/curl.h>

#include <string>
#include <vector>

namespace curlws {

class Tracer {
 public:
  // `notify(ctx)` is called after each line is collected. A plain function and its argument,
  // not a std::function (32 bytes): every connection has a Tracer, verbose or not.
  Tracer(void (*notify)(void*), void* ctx) : notify_(notify), ctx_(ctx) {}

  // 0 off, 1 text and headers, 2 also data sizes and frames.
  void set_level(int level) { level_ = level; }
  int level() const { return level_; }
  bool frames() const { return level_ >= 2; }

  // Installs the debug callback on the handle (CURLOPT_VERBOSE + CURLOPT_DEBUGFUNCTION).
  void Attach(CURL* easy);
  // One frame (or chunk of one) sent or received: "<= Recv TEXT 12 bytes".
  void Frame(const char* direction, int flags, size_t len, curl_off_t left);

  const std::vector<std::string>& lines() const { return lines_; }
  bool empty() const { return lines_.empty(); }
  void clear() { lines_.clear(); }

 private:
  static int OnDebug(CURL* easy, curl_infotype type, char* data, size_t size, void* userp) noexcept;
  void Debug(curl_infotype type, const char* data, size_t size);
  void Add(std::string line);

  void (*notify_)(void*);
  void* ctx_;
  int level_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_TRACER_H_

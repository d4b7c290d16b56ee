#include "session/tracer.h"

namespace curlws {

void Tracer::Attach(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &Tracer::OnDebug);
  curl_easy_setopt(easy, CURLOPT_DEBUGDATA, this);
  curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
}

void Tracer::Add(std::string line) {
  lines_.push_back(std::move(line));
  notify_(ctx_);
}

void Tracer::Frame(const char* direction, int flags, size_t len, curl_off_t left) {
  const char* kind = (flags & CURLWS_TEXT)     ? "TEXT"
                     : (flags & CURLWS_BINARY) ? "BINARY"
                     : (flags & CURLWS_PING)   ? "PING"
                     : (flags & CURLWS_PONG)   ? "PONG"
                     : (flags & CURLWS_CLOSE)  ? "CLOSE"
                                               : "frame";
  std::string line = std::string(direction) + " " + kind + " " + std::to_string(len) + " bytes";
  if (left > 0) line += " (" + std::to_string(left) + " more in this frame)";
  if (flags & CURLWS_CONT) line += " (more fragments follow)";
  Add(std::move(line));
}

// A libcurl callback: nothing may be thrown through libcurl's C frames. A line that cannot be
// stored (no memory) is dropped; the trace is diagnostics, the connection goes on.
int Tracer::OnDebug(CURL* /*easy*/, curl_infotype type, char* data, size_t size,
                    void* userp) noexcept {
  try {
    static_cast<Tracer*>(userp)->Debug(type, data, size);
  } catch (...) {
  }
  return 0;
}

void Tracer::Debug(curl_infotype type, const char* data, size_t size) {
  const char* prefix = nullptr;
  switch (type) {
    case CURLINFO_TEXT: prefix = "* "; break;
    case CURLINFO_HEADER_IN: prefix = "< "; break;
    case CURLINFO_HEADER_OUT: prefix = "> "; break;
    case CURLINFO_DATA_IN:
    case CURLINFO_DATA_OUT:
    case CURLINFO_SSL_DATA_IN:
    case CURLINFO_SSL_DATA_OUT: {
      if (!frames()) return;
      bool in = type == CURLINFO_DATA_IN || type == CURLINFO_SSL_DATA_IN;
      bool ssl = type == CURLINFO_SSL_DATA_IN || type == CURLINFO_SSL_DATA_OUT;
      Add(std::string(in ? "<= Recv " : "=> Send ") + (ssl ? "SSL data, " : "data, ") +
          std::to_string(size) + " bytes");
      return;
    }
    default: return;
  }
  // One call may carry several lines (a request's headers): one trace line each.
  size_t start = 0;
  while (start < size) {
    size_t end = start;
    while (end < size && data[end] != '\n') end++;
    size_t len = end - start;
    if (len && data[start + len - 1] == '\r') len--;
    if (len || type == CURLINFO_TEXT) Add(prefix + std::string(data + start, len));
    start = end + 1;
  }
}

}  // namespace curlws

// CA bundles as in-memory files that libcurl opens by name (CURLOPT_CAINFO).
//
// libcurl keeps the parsed certificate store of a CA *file* per multi handle and reuses it for
// every connection with the same file name; a CA *blob* (CURLOPT_CAINFO_BLOB) is parsed again by
// every connection (Node's ~140 roots: ~1.75 MB and ~40 ms more per wss handshake, measured with
// 200 connections). A file on disk would leave copies behind whenever the process dies without
// running exit handlers (SIGTERM, SIGKILL, a crash). So the bundle goes into a sealed anonymous
// memory file (Linux memfd) named by /proc/self/fd/N: nothing on disk, gone with the process.
//
// Ownership: one CaFiles per environment (environment.h), closing its descriptors when the
// environment ends, after the engine that used them. Loop thread only.
#ifndef CURLWS_NATIVE_CA_FILE_H_
#define CURLWS_NATIVE_CA_FILE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace curlws {

class CaFiles {
 public:
  CaFiles() = default;
  ~CaFiles();
  CaFiles(const CaFiles&) = delete;
  CaFiles& operator=(const CaFiles&) = delete;

  // The name of a new read-only in-memory file holding `data`, or "" where the platform has
  // none (not Linux, no memfd, no /proc): the caller then passes the bundle as a blob.
  std::string Create(const char* data, size_t length);

 private:
  std::vector<int> fds_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_CA_FILE_H_

// What curlws does to every TLS context libcurl creates for a connection (the server's, or an
// HTTPS proxy's), through CURLOPT_SSL_CTX_FUNCTION: TLS key logging.
//
// libcurl's OpenSSL backend reads SSLKEYLOGFILE once, in curl_global_init, and from then on
// writes the secrets of every TLS connection of the process to that file. Node's own TLS logs
// only with --tls-keylog; an environment variable meant for another program (a browser) must not
// make curlws hand out its secrets. So every context gets curlws' own key-log callback instead of
// libcurl's: none, unless the connection asked for a file (tls.keylog).
//
// Ownership: a KeylogFile is shared (shared_ptr) by the connection that asked for it and by every
// SSL_CTX libcurl made for that connection (in the context's ex_data, released when OpenSSL frees
// the context), so it outlives any handshake that may still write to it. Loop thread only: libcurl
// runs the TLS handshake, and so OpenSSL's key-log callback, on the thread that drives it.
#ifndef CURLWS_NATIVE_TLS_CONTEXT_H_
#define CURLWS_NATIVE_TLS_CONTEXT_H_

#include <curl/curl.h>

#include <memory>
#include <string>

namespace curlws {

// A file the TLS secrets of one connection are appended to, in the NSS key log format that
// Wireshark reads (one "LABEL client_random secret" line each), as Node's --tls-keylog writes.
class KeylogFile {
 public:
  // Opens (creates with mode 0600) `path` for appending; nullptr and `*error` on failure.
  static std::shared_ptr<KeylogFile> Open(const std::string& path, std::string* error);
  ~KeylogFile();
  KeylogFile(const KeylogFile&) = delete;
  KeylogFile& operator=(const KeylogFile&) = delete;

  void WriteLine(const char* line);

 private:
  explicit KeylogFile(int fd) : fd_(fd) {}
  int fd_;
};

// Installs curlws' TLS context hook on `easy`. `keylog` (may point to an empty pointer: no key
// log) must stay valid while libcurl may create TLS contexts for the handle, i.e. until the
// handle is cleaned up or reset. Returns false if libcurl refused the option (no TLS backend).
bool InstallTlsContextHook(CURL* easy, std::shared_ptr<KeylogFile>* keylog);

}  // namespace curlws

#endif  // CURLWS_NATIVE_TLS_CONTEXT_H_

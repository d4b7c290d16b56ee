#include "engine/tls_context.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>

namespace curlws {
namespace {

using KeylogRef = std::shared_ptr<KeylogFile>;

// OpenSSL frees what a context's ex_data slot holds when the context is freed.
void FreeKeylogRef(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                   void* /*argp*/) {  // NOLINT(runtime/int): OpenSSL's signature
  delete static_cast<KeylogRef*>(ptr);
}

// One ex_data slot for the process: OpenSSL's index table is process-wide, like OpenSSL itself.
int KeylogIndex() {
  static std::once_flag once;
  static int index = -1;
  std::call_once(once, [] {
    index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nullptr, nullptr, nullptr,
                                    &FreeKeylogRef);
  });
  return index;
}

void OnKeylogLine(const SSL* ssl, const char* line) {
  int index = KeylogIndex();
  if (index < 0 || !ssl || !line) return;
  auto* ref = static_cast<KeylogRef*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), index));
  if (ref && *ref) (*ref)->WriteLine(line);
}

CURLcode OnSslContext(CURL* /*easy*/, void* ssl_ctx, void* userptr) noexcept {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  auto* keylog = static_cast<KeylogRef*>(userptr);
  // Replaces libcurl's SSLKEYLOGFILE callback, which it installed just before calling us.
  SSL_CTX_set_keylog_callback(ctx, nullptr);
  if (!keylog || !*keylog) return CURLE_OK;
  int index = KeylogIndex();
  if (index < 0) return CURLE_OUT_OF_MEMORY;
  auto* ref = new (std::nothrow) KeylogRef(*keylog);
  if (!ref) return CURLE_OUT_OF_MEMORY;
  delete static_cast<KeylogRef*>(SSL_CTX_get_ex_data(ctx, index));
  if (!SSL_CTX_set_ex_data(ctx, index, ref)) {
    delete ref;
    return CURLE_OUT_OF_MEMORY;
  }
  SSL_CTX_set_keylog_callback(ctx, &OnKeylogLine);
  return CURLE_OK;
}

}  // namespace

std::shared_ptr<KeylogFile> KeylogFile::Open(const std::string& path, std::string* error) {
  // O_NONBLOCK: opening a FIFO nobody reads fails (ENXIO) instead of blocking the event loop,
  // and a full pipe drops lines instead of stalling a handshake.
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) {
    *error = std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<KeylogFile> file(new (std::nothrow) KeylogFile(fd));
  if (!file) {
    close(fd);
    *error = "out of memory";
  }
  return file;
}

KeylogFile::~KeylogFile() {
  if (fd_ >= 0) close(fd_);
}

void KeylogFile::WriteLine(const char* line) {
  // One writev() per line: with O_APPEND, the lines of concurrent handshakes (and of other
  // processes logging to the same file) never interleave. A failed write (a full disk, a full
  // pipe) is dropped, as Node does; nothing here may block or throw (OpenSSL calls it).
  iovec parts[2] = {{const_cast<char*>(line), std::strlen(line)}, {const_cast<char*>("\n"), 1}};
  ssize_t n;
  do {
    n = writev(fd_, parts, 2);
  } while (n < 0 && errno == EINTR);
}

bool InstallTlsContextHook(CURL* easy, std::shared_ptr<KeylogFile>* keylog) {
  return curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &OnSslContext) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, static_cast<void*>(keylog)) == CURLE_OK;
}

}  // namespace curlws

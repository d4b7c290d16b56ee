#include "engine/ca_file.h"

#include <unistd.h>

#include <cerrno>

#ifdef __linux__
#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/syscall.h>
#endif

namespace curlws {

CaFiles::~CaFiles() {
  for (int fd : fds_) close(fd);
}

std::string CaFiles::Create(const char* data, size_t length) {
#if defined(__linux__) && defined(SYS_memfd_create) && defined(F_ADD_SEALS)
  // The raw system call: glibc's memfd_create() wrapper would tie the binary to glibc >= 2.27.
  int fd =
      static_cast<int>(syscall(SYS_memfd_create, "curlws-ca", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd < 0) return std::string();
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return std::string();
    }
    done += static_cast<size_t>(n);
  }
  // Sealed: no one (not even code in this process writing to /proc/self/fd/N) can change the
  // roots libcurl will trust.
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0 ||
      access(path.c_str(), R_OK) != 0) {
    close(fd);
    return std::string();
  }
  fds_.push_back(fd);
  return path;
#else
  (void)data;
  (void)length;
  return std::string();
#endif
}

}  // namespace curlws

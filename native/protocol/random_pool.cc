#include "protocol/random_pool.h"

#include <openssl/rand.h>

#include <cstddef>
#include <cstring>

namespace curlws {
namespace {

constexpr size_t kPoolSize = 4096;

struct Pool {
  uint8_t bytes[kPoolSize];
  size_t next = kPoolSize;  // empty until first use
};

thread_local Pool pool;

}  // namespace

bool NextMaskKey(uint8_t key[4]) {
  if (pool.next + 4 > kPoolSize) {
    if (RAND_bytes(pool.bytes, static_cast<int>(kPoolSize)) != 1) return false;
    pool.next = 0;
  }
  std::memcpy(key, pool.bytes + pool.next, 4);
  pool.next += 4;
  return true;
}

}  // namespace curlws

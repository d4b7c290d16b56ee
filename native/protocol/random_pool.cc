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

constexpr size_t kMaxDraw = 64;  // a small part of the pool, so refills stay rare; larger: direct

}  // namespace

bool NextRandomBytes(uint8_t* out, size_t count) {
  if (count > kMaxDraw) return RAND_bytes(out, static_cast<int>(count)) == 1;
  if (pool.next + count > kPoolSize) {
    if (RAND_bytes(pool.bytes, static_cast<int>(kPoolSize)) != 1) return false;
    pool.next = 0;
  }
  std::memcpy(out, pool.bytes + pool.next, count);
  pool.next += count;
  return true;
}

bool NextMaskKey(uint8_t key[4]) {
  return NextRandomBytes(key, 4);
}

}  // namespace curlws

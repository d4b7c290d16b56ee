// Masking keys for outgoing frames: RFC 6455 §5.3 wants a fresh, unpredictable key per frame.
//
// Asking the CSPRNG for 4 bytes per frame costs more than framing a small message, so keys come
// from a pool refilled with OpenSSL's RAND_bytes (a seeded DRBG, the generator libcurl itself
// uses for its masks) 4 KiB at a time: one refill per 1024 frames.
//
// Threading: one pool per thread (thread_local), so Node workers never share or race on it.
// The pool holds no JS values.
#ifndef CURLWS_NATIVE_RANDOM_POOL_H_
#define CURLWS_NATIVE_RANDOM_POOL_H_

#include <cstdint>

namespace curlws {

// Writes a fresh 4-byte masking key to `key`. False only if the CSPRNG failed.
bool NextMaskKey(uint8_t key[4]);

}  // namespace curlws

#endif  // CURLWS_NATIVE_RANDOM_POOL_H_

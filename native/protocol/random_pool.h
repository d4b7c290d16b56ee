// Masking keys for outgoing frames and the handshake's Sec-WebSocket-Key: RFC 6455 §5.3 wants a
// fresh, unpredictable key per frame, §4.1 a fresh random nonce per connection.
//
// Asking the CSPRNG for 4 bytes per frame costs more than framing a small message, so keys come
// from a pool refilled with OpenSSL's RAND_bytes (a seeded DRBG, the generator libcurl itself
// uses for its masks) 4 KiB at a time: one refill per 1024 frames or 256 handshakes. Every byte
// of the pool is handed out once.
//
// Threading: one pool per thread (thread_local), so Node workers never share or race on it.
// The pool holds no JS values.
#ifndef CURLWS_NATIVE_RANDOM_POOL_H_
#define CURLWS_NATIVE_RANDOM_POOL_H_

#include <cstddef>
#include <cstdint>

namespace curlws {

// Writes `count` (at most 64) fresh random bytes to `out`. False only if the CSPRNG failed.
bool NextRandomBytes(uint8_t* out, size_t count);

// Writes a fresh 4-byte masking key to `key`. False only if the CSPRNG failed. (Its own
// function: test/native/send-queue-model.cc replaces it with predictable keys.)
bool NextMaskKey(uint8_t key[4]);

}  // namespace curlws

#endif  // CURLWS_NATIVE_RANDOM_POOL_H_

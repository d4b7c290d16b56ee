// libcurl's memory functions (curl_global_init_mem): plain malloc/free plus a small cache of the
// one block size that libcurl allocates and frees over and over while receiving, the 64 KiB
// chunks of its WebSocket receive buffer (lib/bufq.c, WS_CHUNK_SIZE).
//
// Why: libcurl frees those chunks as soon as they are read and callocs new ones for the next
// read; glibc then trims the top of its heap and the kernel hands back freshly zeroed pages, so
// receiving large messages spent most of its time in page faults (design notes: 0.35 GB/s
// against 3-5 GB/s with trimming disabled). Process-wide malloc settings are not ours to change
// (no mallopt); libcurl's allocator is.
//
// It also bounds how far ahead libcurl reads. curl_ws_recv() refills its receive buffer only
// when it is empty, but then keeps reading 64 KiB chunks for as long as the socket has a full
// chunk to give: with a fast peer that was measured at 6,000 chunks (400 MB) in one call. Inside
// a RecvChunkBudget the allocator refuses chunks beyond the budget; libcurl's buffer queue takes
// a refused chunk beyond its nominal two as "full" (lib/bufq.c, Curl_bufq_sipn returns
// CURLE_AGAIN, and the read ends with what it has), so a read stops after a few chunks and the
// data is consumed while it is still in the cache. This relies on curl_ws_recv() allocating
// chunks of that size for its receive buffer only, which holds while libcurl's own auto-PONG
// is off (CURLWS_NOAUTOPONG, always set by Session): an auto-PONG would be queued in its send
// buffer from inside curl_ws_recv(). Chunks allocated inside a RecvChunkBudget are zeroed only
// up to the end of their first page (libcurl's chunk header): their data bytes are never read
// before being written, and pages that are never touched never become resident.
//
// Threading: any thread (libcurl allocates on resolver threads too); the cache is locked.
// Installed once per process, before anything else initializes this libcurl; with a libcurl
// that was already initialized (a shared system libcurl another module set up), libcurl keeps
// its functions and the cache is simply never used.
#ifndef CURLWS_NATIVE_CURL_MEMORY_H_
#define CURLWS_NATIVE_CURL_MEMORY_H_

#include <curl/curl.h>

namespace curlws {

// curl_global_init(flags) with the caching allocator where the platform can tell a block's
// size (malloc_usable_size); plain curl_global_init elsewhere.
CURLcode CurlGlobalInitWithCache(long flags);

// Tests only (the addon's refuseChunksForTest): while on, every 64 KiB chunk libcurl asks for is
// refused, as if memory had run out, so the paths that handle a failed chunk allocation (an idle
// connection's next read, a send) can be driven deterministically. No effect without the
// caching allocator (a platform without malloc_usable_size).
void RefuseChunksForTest(bool refuse);

// While one is alive on this thread, libcurl gets at most `fresh_chunks` newly allocated 64 KiB
// chunks (its spare chunks are reused regardless). At least 2, libcurl's nominal chunk count
// for a WebSocket buffer: fewer could fail a read with CURLE_OUT_OF_MEMORY.
class RecvChunkBudget {
 public:
  explicit RecvChunkBudget(int fresh_chunks);
  ~RecvChunkBudget();
  // Call when curl_ws_recv() returned CURLE_AGAIN: its receive buffer is empty then, so the
  // chunks libcurl allocated for it during this scope hold nothing, and their pages go back to
  // the system. The first read of every connection allocates one: a fresh block is untouched
  // (nothing to hand back, and madvise costs no TLB shootdown then), a recycled one would
  // otherwise stay resident: up to 60 KiB of every idle connection's RSS. The bundled libcurl
  // has freed them into the cache by then and this finds none (its patch
  // scripts/curl-patches/0004-ws-recvbuf-release-when-drained.patch); a system libcurl keeps them.
  void ReleaseEmptyChunks();
  RecvChunkBudget(const RecvChunkBudget&) = delete;
  RecvChunkBudget& operator=(const RecvChunkBudget&) = delete;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_CURL_MEMORY_H_

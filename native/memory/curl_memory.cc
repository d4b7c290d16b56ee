#include "memory/curl_memory.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "memory/malloc_usable.h"

namespace curlws {
#ifdef CURLWS_USABLE_SIZE
namespace {

// Requests in [kClassMin, kBlockSize] get a block of kBlockSize: libcurl's chunk is 65535 bytes
// plus a 40-byte header. Blocks whose usable size is in [kBlockSize, kBlockSize + 64) are
// cached when freed, whoever allocated them: any such block can serve any request of the class.
constexpr size_t kClassMin = 64 * 1024 - 64;
constexpr size_t kBlockSize = 64 * 1024 + 256;
// Enough for a few connections' receive and send buffers to cycle without touching the heap
// (a receiving connection cycles about two); 1 MiB at most stays around after a burst.
constexpr size_t kMaxCached = 16;

std::mutex cache_mutex;
void* cache[kMaxCached];
size_t cached = 0;

// Chunks this thread may still allocate (RecvChunkBudget); -1 = no limit.
thread_local int chunk_budget = -1;
// Chunks allocated inside the current RecvChunkBudget and not freed since (at most a few: the
// budget bounds them).
constexpr int kMaxCaptured = 8;
thread_local void* captured[kMaxCaptured];
thread_local int captured_count = 0;

void Capture(void* p) {
  if (p && chunk_budget >= 0 && captured_count < kMaxCaptured) captured[captured_count++] = p;
}

void Uncapture(void* p) {
  for (int i = 0; i < captured_count; i++) {
    if (captured[i] == p) {
      captured[i] = captured[--captured_count];
      return;
    }
  }
}

bool InClass(size_t size) {
  return size >= kClassMin && size <= kBlockSize;
}

// RefuseChunksForTest: read on any thread that allocates.
std::atomic<bool> refuse_chunks{false};

// False when the budget is spent (or a test refuses chunks): the caller returns nullptr.
bool Spend() {
  if (refuse_chunks.load(std::memory_order_relaxed)) return false;
  if (chunk_budget == 0) return false;
  if (chunk_budget > 0) --chunk_budget;
  return true;
}

void* TakeCached() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cached ? cache[--cached] : nullptr;
}

void* Malloc(size_t size) {
  if (!InClass(size)) return std::malloc(size);
  if (!Spend()) return nullptr;
  void* p = TakeCached();
  if (!p) p = std::malloc(kBlockSize);
  Capture(p);
  return p;
}

void Free(void* p) {
  if (!p) return;
  size_t usable = CURLWS_USABLE_SIZE(p);
  if (usable >= kBlockSize && captured_count) Uncapture(p);  // only chunks are captured
  if (usable >= kBlockSize && usable < kBlockSize + 64) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cached < kMaxCached) {
      cache[cached++] = p;
      return;
    }
  }
  std::free(p);
}

void* Realloc(void* p, size_t size) {
  return p ? std::realloc(p, size) : Malloc(size);
}

// Bytes of a receive chunk that are zeroed: up to the end of its first page, and at least
// libcurl's chunk header (lib/bufq.c, struct buf_chunk: next, dlen, r_offset, w_offset).
size_t ChunkHeadBytes(const void* p, size_t total) {
  constexpr uintptr_t kPage = 4096;
  constexpr size_t kHeaderMin = 64;
  uintptr_t at = reinterpret_cast<uintptr_t>(p);
  size_t to_page_end = static_cast<size_t>(((at + kPage) & ~(kPage - 1)) - at);
  return std::min(total, std::max(kHeaderMin, to_page_end));
}

void* Calloc(size_t count, size_t size) {
  if (size && count > static_cast<size_t>(-1) / size) return nullptr;
  size_t total = count * size;
  if (!InClass(total)) return std::calloc(count, size);
  if (!Spend()) return nullptr;
  const bool receive_chunk = chunk_budget >= 0;  // inside a RecvChunkBudget (see the header)
  void* p = TakeCached();
  if (receive_chunk) {
    // A receive chunk's data bytes are never read before libcurl writes them (reads stop at
    // w_offset; the spare chunks it recycles are not zeroed either), so only the header is
    // cleared. Zeroing all 64 KiB faulted in 16 pages on every connection's first read, which
    // ReleaseEmptyChunks then had to hand back (a TLB shootdown on every CPU): most of the CPU
    // time of opening thousands of connections.
    if (!p) p = std::malloc(kBlockSize);
    if (p) std::memset(p, 0, ChunkHeadBytes(p, total));
  } else if (p) {
    // A warm cached block: zeroing it costs far less than the page faults it replaces.
    std::memset(p, 0, total);
  } else {
    p = std::calloc(1, kBlockSize);
  }
  Capture(p);
  return p;
}

char* Strdup(const char* s) {
  size_t len = std::strlen(s) + 1;
  void* p = Malloc(len);
  if (p) std::memcpy(p, s, len);
  return static_cast<char*>(p);
}

}  // namespace

CURLcode CurlGlobalInitWithCache(long flags) {
  return curl_global_init_mem(flags, Malloc, Free, Realloc, Strdup, Calloc);
}

void RefuseChunksForTest(bool refuse) {
  refuse_chunks.store(refuse, std::memory_order_relaxed);
}

RecvChunkBudget::RecvChunkBudget(int fresh_chunks) {
  chunk_budget = fresh_chunks < 2 ? 2 : fresh_chunks;
  captured_count = 0;
}

RecvChunkBudget::~RecvChunkBudget() {
  chunk_budget = -1;
  captured_count = 0;
}

void RecvChunkBudget::ReleaseEmptyChunks() {
#if defined(__linux__) && defined(MADV_DONTNEED)
  // Whole pages only, and not the first one: libcurl's chunk header (and glibc's) live there.
  const uintptr_t page = 4096;
  for (int i = 0; i < captured_count; i++) {
    uintptr_t block = reinterpret_cast<uintptr_t>(captured[i]);
    uintptr_t begin = (block + page) & ~(page - 1);
    uintptr_t end = (block + kBlockSize) & ~(page - 1);  // every block has at least kBlockSize
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
#endif
  captured_count = 0;
}

#else

CURLcode CurlGlobalInitWithCache(long flags) {
  return curl_global_init(flags);
}
void RefuseChunksForTest(bool) {}
RecvChunkBudget::RecvChunkBudget(int) {}
RecvChunkBudget::~RecvChunkBudget() {}
void RecvChunkBudget::ReleaseEmptyChunks() {}

#endif
}  // namespace curlws

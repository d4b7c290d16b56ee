#include "curl_memory.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__linux__)
#include <malloc.h>
#define CURLWS_USABLE_SIZE(p) malloc_usable_size(p)
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#define CURLWS_USABLE_SIZE(p) malloc_size(p)
#endif

namespace curlws {
#ifdef CURLWS_USABLE_SIZE
namespace {

// Requests in [kClassMin, kBlockSize] get a block of kBlockSize: libcurl's chunk is 65535 bytes
// plus a 40-byte header. Blocks whose usable size is in [kBlockSize, kBlockSize + 64) are
// cached when freed, whoever allocated them: any such block can serve any request of the class.
constexpr size_t kClassMin = 64 * 1024 - 64;
constexpr size_t kBlockSize = 64 * 1024 + 256;
// Enough for a few connections' receive and send buffers to cycle without touching the heap;
// 2 MiB at most stays around after a burst.
constexpr size_t kMaxCached = 32;

std::mutex cache_mutex;
void* cache[kMaxCached];
size_t cached = 0;

// Chunks this thread may still allocate (RecvChunkBudget); -1 = no limit.
thread_local int chunk_budget = -1;

bool InClass(size_t size) { return size >= kClassMin && size <= kBlockSize; }

// False when the budget is spent: the caller returns nullptr.
bool Spend() {
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
  return p ? p : std::malloc(kBlockSize);
}

void Free(void* p) {
  if (!p) return;
  size_t usable = CURLWS_USABLE_SIZE(p);
  if (usable >= kBlockSize && usable < kBlockSize + 64) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cached < kMaxCached) {
      cache[cached++] = p;
      return;
    }
  }
  std::free(p);
}

void* Realloc(void* p, size_t size) { return p ? std::realloc(p, size) : Malloc(size); }

void* Calloc(size_t count, size_t size) {
  if (size && count > static_cast<size_t>(-1) / size) return nullptr;
  size_t total = count * size;
  if (!InClass(total)) return std::calloc(count, size);
  if (!Spend()) return nullptr;
  void* p = TakeCached();
  if (!p) return std::calloc(1, kBlockSize);
  // A warm cached block: zeroing it costs far less than the page faults it replaces.
  std::memset(p, 0, total);
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

RecvChunkBudget::RecvChunkBudget(int fresh_chunks) { chunk_budget = fresh_chunks < 2 ? 2 : fresh_chunks; }
RecvChunkBudget::~RecvChunkBudget() { chunk_budget = -1; }

#else

CURLcode CurlGlobalInitWithCache(long flags) { return curl_global_init(flags); }
RecvChunkBudget::RecvChunkBudget(int) {}
RecvChunkBudget::~RecvChunkBudget() {}

#endif
}  // namespace curlws

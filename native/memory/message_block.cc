#include "memory/message_block.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "memory/malloc_usable.h"

namespace curlws {
namespace {

#if defined(__linux__) && defined(MREMAP_MAYMOVE)
#define CURLWS_MAPPED_BLOCKS 1
// Blocks of kMapMin and more are mappings of their own. glibc would map them too (its mmap
// threshold starts at 128 KiB and only rises when it frees a mapped block, which the cache
// below keeps it from doing), but a fresh, zeroed mapping for every message: a stream of 1 MiB
// messages paid half again as much CPU in page faults.
constexpr size_t kMapMin = MessageBlock::kMapMin;
// From this size on, a mapping is 2 MiB-aligned and grows in whole 2 MiB huge pages (a huge
// page needs a 2 MiB-aligned range inside the mapping).
constexpr size_t kHugePage = 2 * 1024 * 1024;

size_t Round(size_t n, size_t unit) {
  return (n + unit - 1) & ~(unit - 1);
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

uint8_t* MapPlain(size_t len) {
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

#if !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels refuse it (EINVAL), harmlessly
#endif

// Faults in [p, p + len) for writing in one call (see message_block.h). A hint: on failure the
// pages are faulted in when written, as without it.
void Populate(uint8_t* p, size_t len) {
  if (len) madvise(p, len, MADV_POPULATE_WRITE);
}

// A mapping of `len` bytes (a multiple of kHugePage) that starts on a 2 MiB boundary: one more
// huge page is mapped and the unaligned ends are given back. mremap keeps the alignment when
// it moves the block (measured: 38 page faults per 64 MiB message against 543 unaligned).
uint8_t* MapHuge(size_t len) {
  uint8_t* p = MapPlain(len + kHugePage);
  if (!p) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = Round(start, kHugePage);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = start + len + kHugePage;
  if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - aligned - len);
#if defined(MADV_HUGEPAGE)
  // The whole mapping, so it stays one mapping that mremap can grow (a hint: errors ignored).
  madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<uint8_t*>(aligned);
}
#endif

void Release(uint8_t* data, size_t mapped) {
#ifdef CURLWS_MAPPED_BLOCKS
  if (mapped) {
    munmap(data, mapped);
    return;
  }
#endif
  std::free(data);
}

#ifdef CURLWS_USABLE_SIZE
#define CURLWS_BLOCK_CACHE 1
// Sized for a flood of 1 MiB messages (see message_block.h): V8 collected their Buffers every
// ~30 messages, and a GC can return two cycles' worth at once. Page faults per 2,000 messages:
// 55,000 with 32 blocks / 32 MiB, 17,000-20,000 with 64 / 64 MiB (receiving into Buffers of the
// final size: 22,000-49,000). Bounded in bytes too, whatever the message sizes.
constexpr size_t kCacheMax = 4 * 1024 * 1024;     // larger blocks are released at once
constexpr size_t kCacheBytes = 64 * 1024 * 1024;  // all cached blocks together
constexpr int kCacheBlocks = 64;

// Freed blocks for reuse on this thread (see message_block.h).
class BlockCache {
 public:
  ~BlockCache() {
    for (int i = 0; i < count_; i++) Release(entries_[i].data, entries_[i].mapped);
    count_ = 0;
    closed_ = true;  // a Buffer finalized during the thread's exit frees its block directly
  }
  bool Put(uint8_t* data, size_t mapped) {
    const size_t cap = mapped ? mapped : CURLWS_USABLE_SIZE(data);
    if (closed_ || count_ == kCacheBlocks || cap > kCacheMax || bytes_ + cap > kCacheBytes)
      return false;
    entries_[count_++] = Entry{data, cap, mapped};
    bytes_ += cap;
    return true;
  }
  // The largest cached block (a message that needs less leaves it at the next ReleaseIdle;
  // one that needs more would otherwise grow a small block again, copying and faulting in
  // fresh pages while the right one waits here); false if there is none.
  bool Take(uint8_t** data, size_t* cap, size_t* mapped) {
    if (count_ == 0) return false;
    int best = 0;
    for (int i = 1; i < count_; i++)
      if (entries_[i].cap > entries_[best].cap) best = i;
    const Entry e = entries_[best];
    entries_[best] = entries_[--count_];
    bytes_ -= e.cap;
    *data = e.data;
    *cap = e.cap;
    *mapped = e.mapped;
    return true;
  }

 private:
  struct Entry {
    uint8_t* data;
    size_t cap;
    size_t mapped;
  };
  Entry entries_[kCacheBlocks] = {};
  int count_ = 0;
  size_t bytes_ = 0;
  bool closed_ = false;
};
thread_local BlockCache cache;
#endif

}  // namespace

bool MessageBlock::Resize(size_t cap, size_t fill) {
  if (cap == 0) cap = 1;
#ifdef CURLWS_BLOCK_CACHE
  if (!data_ && cache.Take(&data_, &cap_, &mapped_) && cap_ >= cap) return true;
#endif
#ifdef CURLWS_MAPPED_BLOCKS
  const bool grow = cap > cap_;
  if (mapped_ || (grow && cap >= kMapMin)) {  // a heap block shrinks in the heap
    const bool huge = grow && cap >= kHugePage;
    const size_t len = Round(cap, huge ? kHugePage : PageSize());
    if (len == mapped_) {
      cap_ = len;
      return true;
    }
    // The bytes kept: they are in place already (moved, or copied below).
    const size_t kept = cap_ < len ? cap_ : len;
    if (mapped_ && (!huge || mapped_ >= kHugePage)) {
      void* p = mremap(data_, mapped_, len, MREMAP_MAYMOVE);
      if (p == MAP_FAILED) return false;
      data_ = static_cast<uint8_t*>(p);
    } else {
      // From the heap into a mapping, or from a small mapping into an aligned one: one copy of
      // less than 2 MiB.
      uint8_t* p = huge ? MapHuge(len) : MapPlain(len);
      if (!p) return false;
      if (cap_) std::memcpy(p, data_, kept);
      Free(data_, mapped_);
      data_ = p;
    }
    // Not a huge-page mapping: it takes one fault per 2 MiB anyway, and zeroing megabytes ahead
    // of the copy only pushes them out of the cache (receiving 64 MiB messages cost more).
    if (fill > kept && !huge && mapped_ < kHugePage) {
      const size_t from = kept & ~(PageSize() - 1);  // madvise wants a page-aligned start
      const size_t to = fill < len ? Round(fill, PageSize()) : len;
      Populate(data_ + from, to - from);
    }
    mapped_ = len;
    cap_ = len;  // the whole mapping is usable
    return true;
  }
#endif
  void* p = std::realloc(data_, cap);
  if (!p) return false;  // data_ is unchanged and still ours
  data_ = static_cast<uint8_t*>(p);
  cap_ = cap;
  return true;
}

void MessageBlock::Reset() {
  Free(data_, mapped_);
  data_ = nullptr;
  cap_ = 0;
  mapped_ = 0;
}

MessageBlock::Detached MessageBlock::Detach(size_t len) {
  // The block stays alive as long as the application keeps the message: give back the
  // read-ahead. Shrinking moves nothing; if it fails, the block is handed over as it is.
  if (len < cap_) Resize(len);
  Detached out{data_, mapped_};
  data_ = nullptr;
  cap_ = 0;
  mapped_ = 0;
  return out;
}

void MessageBlock::Free(uint8_t* data, size_t mapped) {
  if (!data) return;
#ifdef CURLWS_BLOCK_CACHE
  if (cache.Put(data, mapped)) return;
#endif
  Release(data, mapped);
}

}  // namespace curlws

#include "message_block.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "malloc_usable.h"

namespace curlws {
namespace {

#if defined(__linux__) && defined(MREMAP_MAYMOVE)
#define CURLWS_MAPPED_BLOCKS 1
// Blocks of this size and more are mappings of their own, in whole 2 MiB huge pages: smaller
// ones could not hold one (a huge page needs a 2 MiB-aligned range inside the mapping), and
// a stream of 1 MiB messages is served best from the heap and the cache below.
constexpr size_t kHugePage = 2 * 1024 * 1024;
constexpr size_t kMapMin = kHugePage;

size_t HugeRound(size_t n) {
  return (n + kHugePage - 1) & ~(kHugePage - 1);
}

// A mapping of `len` bytes (a multiple of kHugePage) that starts on a 2 MiB boundary: one more
// huge page is mapped and the unaligned ends are given back. mremap keeps the alignment when
// it moves the block (measured: 38 page faults per 64 MiB message against 543 unaligned).
uint8_t* Map(size_t len) {
  void* p =
      mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
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
// Sized for a flood of 1 MiB messages: blocks come back only when V8 collects their Buffers,
// about 64 MiB of them at a time, and with 4 cached blocks instead of 32 the CPU per message
// was 2.5 times as high (page faults). Bounded in bytes too, whatever the message sizes.
constexpr size_t kCacheMax = 4 * 1024 * 1024;     // larger blocks are released at once
constexpr size_t kCacheBytes = 32 * 1024 * 1024;  // all cached blocks together
constexpr int kCacheBlocks = 32;

// Freed blocks for reuse on this thread (see message_block.h).
class BlockCache {
 public:
  ~BlockCache() {
    for (int i = 0; i < count_; i++) Release(entries_[i].data, entries_[i].mapped);
  }
  bool Put(uint8_t* data, size_t mapped) {
    const size_t cap = mapped ? mapped : CURLWS_USABLE_SIZE(data);
    if (count_ == kCacheBlocks || cap > kCacheMax || bytes_ + cap > kCacheBytes) return false;
    entries_[count_++] = Entry{data, cap, mapped};
    bytes_ += cap;
    return true;
  }
  // The most recently freed block (the warmest); false if there is none.
  bool Take(uint8_t** data, size_t* cap, size_t* mapped) {
    if (count_ == 0) return false;
    const Entry& e = entries_[--count_];
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
};
thread_local BlockCache cache;
#endif

}  // namespace

bool MessageBlock::Resize(size_t cap) {
  if (cap == 0) cap = 1;
#ifdef CURLWS_BLOCK_CACHE
  if (!data_ && cache.Take(&data_, &cap_, &mapped_) && cap_ >= cap) return true;
#endif
#ifdef CURLWS_MAPPED_BLOCKS
  if (mapped_ || (cap >= kMapMin && cap > cap_)) {  // a heap block shrinks in the heap
    const size_t len = HugeRound(cap);
    if (mapped_) {
      if (len != mapped_) {
        void* p = mremap(data_, mapped_, len, MREMAP_MAYMOVE);
        if (p == MAP_FAILED) return false;
        data_ = static_cast<uint8_t*>(p);
        mapped_ = len;
      }
    } else {
      // From the heap into a mapping: one copy of less than 2 MiB.
      uint8_t* p = Map(len);
      if (!p) return false;
      if (cap_) std::memcpy(p, data_, cap_ < cap ? cap_ : cap);
      std::free(data_);
      data_ = p;
      mapped_ = len;
    }
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

#include "protocol/zlib_heap.h"

#include <atomic>
#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace curlws {
namespace {

// The block size sits in front of the block; 16 bytes keep malloc's alignment for zlib's data.
constexpr size_t kHeader = 16;
std::atomic<size_t> process_live{0};

#if defined(__linux__)
// A deflate stream's four big blocks (64 KiB each at 15/8) come from mmap: freed, they go back to
// the system at once. From malloc they would stay in its heap (they sit below its mmap
// threshold), so an idle connection whose compressor was released (Deflater::Release) would keep
// them in the process's RSS for good.
constexpr size_t kMapMin = 64 * 1024;

void* AllocBlock(size_t bytes) {
  if (bytes < kMapMin + kHeader) return std::malloc(bytes);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void FreeBlock(void* block, size_t bytes) {
  if (bytes < kMapMin + kHeader)
    std::free(block);
  else
    munmap(block, bytes);
}
#else
void* AllocBlock(size_t bytes) {
  return std::malloc(bytes);
}
void FreeBlock(void* block, size_t) {
  std::free(block);
}
#endif

}  // namespace

size_t ZlibHeap::ProcessLive() {
  return process_live.load(std::memory_order_relaxed);
}

voidpf ZlibHeap::Alloc(voidpf opaque, uInt items, uInt size) {
  ZlibHeap* heap = static_cast<ZlibHeap*>(opaque);
  if (size != 0 && items > SIZE_MAX / size) return Z_NULL;
  const size_t n = static_cast<size_t>(items) * static_cast<size_t>(size);
  if (n > SIZE_MAX - kHeader || n > heap->limit || heap->live > heap->limit - n) return Z_NULL;
  void* block = AllocBlock(kHeader + n);
  if (!block) return Z_NULL;
  *static_cast<size_t*>(block) = n;
  heap->live += n;
  if (heap->live > heap->peak) heap->peak = heap->live;
  process_live.fetch_add(n, std::memory_order_relaxed);
  return static_cast<uint8_t*>(block) + kHeader;
}

void ZlibHeap::Free(voidpf opaque, voidpf address) {
  if (!address) return;
  ZlibHeap* heap = static_cast<ZlibHeap*>(opaque);
  void* block = static_cast<uint8_t*>(address) - kHeader;
  const size_t n = *static_cast<size_t*>(block);
  heap->live -= n;
  process_live.fetch_sub(n, std::memory_order_relaxed);
  FreeBlock(block, kHeader + n);
}

}  // namespace curlws

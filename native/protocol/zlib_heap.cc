#include "protocol/zlib_heap.h"

#include <atomic>
#include <cstdlib>

namespace curlws {
namespace {

// The block size sits in front of the block; 16 bytes keep malloc's alignment for zlib's data.
constexpr size_t kHeader = 16;
std::atomic<size_t> process_live{0};

}  // namespace

size_t ZlibHeap::ProcessLive() {
  return process_live.load(std::memory_order_relaxed);
}

voidpf ZlibHeap::Alloc(voidpf opaque, uInt items, uInt size) {
  ZlibHeap* heap = static_cast<ZlibHeap*>(opaque);
  if (size != 0 && items > SIZE_MAX / size) return Z_NULL;
  const size_t n = static_cast<size_t>(items) * static_cast<size_t>(size);
  if (n > SIZE_MAX - kHeader || n > heap->limit || heap->live > heap->limit - n) return Z_NULL;
  void* block = std::malloc(kHeader + n);
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
  std::free(block);
}

}  // namespace curlws

// The allocator behind every zlib stream of permessage-deflate (z_stream.zalloc/zfree): plain
// malloc/free with a size header, so each stream knows the bytes it holds.
//
// Why: a deflate stream at windowBits 15 / memLevel 8 holds about 256 KiB, an inflate stream
// about 40 KiB; with thousands of idle connections that decides the process's size. Counting
// per stream makes it measurable (tests, diagnostics) and lets an owner cap it (`limit`: an
// allocation past it fails like malloc would, and zlib reports Z_MEM_ERROR, which fails one
// connection, never the process). The process-wide total is kept too.
//
// zlib is the one inside the Node process (Node exports its deflate*/inflate* symbols, or has
// libz loaded when built against a shared zlib); the addon links no copy of its own.
//
// Threading: a ZlibHeap belongs to one stream owner on one thread; the process total is atomic.
#ifndef CURLWS_NATIVE_PROTOCOL_ZLIB_HEAP_H_
#define CURLWS_NATIVE_PROTOCOL_ZLIB_HEAP_H_

#include <zlib.h>

#include <cstddef>
#include <cstdint>

namespace curlws {

struct ZlibHeap {
  size_t live = 0;          // bytes allocated by the stream and not yet freed
  size_t peak = 0;          // the most `live` has been
  size_t limit = SIZE_MAX;  // allocations that would take `live` past this fail

  // Points `z`'s allocator at this heap (before deflateInit2/inflateInit2).
  void Attach(z_stream* z) {
    z->zalloc = &ZlibHeap::Alloc;
    z->zfree = &ZlibHeap::Free;
    z->opaque = this;
  }

  // Bytes held by all zlib streams of all connections of the process.
  static size_t ProcessLive();

 private:
  static voidpf Alloc(voidpf opaque, uInt items, uInt size);
  static void Free(voidpf opaque, voidpf address);
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_ZLIB_HEAP_H_

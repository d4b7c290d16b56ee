// The memory a received message is assembled in, grown as its bytes arrive, and handed over
// whole to become the JS value's memory (an external Buffer) without a copy.
//
// Blocks under 128 KiB are malloc'd and grown with realloc. Larger ones (Linux) are private
// anonymous mappings of our own, grown with mremap, which moves page tables instead of bytes;
// from 2 MiB on they are 2 MiB-aligned, grow in whole 2 MiB steps and are advised for
// transparent huge pages, so the kernel faults in and zeroes 2 MiB at a time instead of 4 KiB
// (receiving 64 MiB messages spent half its time in page faults without). Advising only part
// of a malloc'd block is no substitute: it splits the mapping in two, after which glibc's
// realloc can no longer mremap it and copies the whole block on every growth.
//
// The part of a mapping's new room that the caller knows will be written at once (`fill`: bytes
// that have arrived) is faulted in by one madvise call: a fresh 1 MiB block written page by page
// cost 3.4 ms on the benchmark machine (a virtual machine where each page fault costs ~13 µs),
// populated first 1.4 ms, a reused one 0.04 ms. A burst of large messages needs a fresh block
// per message until V8 collects the first Buffers (~30-60 messages in), so this was most of
// what those cost. Nothing is faulted in ahead of bytes that have arrived.
//
// Freed blocks of up to 4 MiB are kept in a per-thread cache (at most 64 blocks and 64 MiB)
// and reused by the next messages, the largest first. Blocks come back only when V8 collects
// the Buffers that hold them, a few dozen at a time during a flood; without the cache (or with
// one of 32 MiB) most messages got fresh memory that the kernel had to fault in and zero, and a
// stream of 1 MiB messages cost about 1.5 times the CPU of receiving into a Buffer of the final
// size. Reusing memory the process already holds is not a reservation by a peer's claim: the
// cache is bounded whatever the peers send.
//
// Every failure is reported (false / nullptr), never thrown: the caller fails its connection.
//
// Ownership/threading: a value owned by one FrameAssembler, loop thread only. A detached block
// is freed with MessageBlock::Free(data, mapped) on the same thread (a Buffer finalizer runs on
// its environment's thread); each thread (main, worker) has its own cache, freed at its exit.
#ifndef CURLWS_NATIVE_MESSAGE_BLOCK_H_
#define CURLWS_NATIVE_MESSAGE_BLOCK_H_

#include <cstddef>
#include <cstdint>

namespace curlws {

class MessageBlock {
 public:
  // A block taken out of its MessageBlock: `mapped` is the mapping's length (0: malloc'd).
  struct Detached {
    uint8_t* data = nullptr;
    size_t mapped = 0;
  };

  MessageBlock() = default;
  ~MessageBlock() { Reset(); }
  MessageBlock(const MessageBlock&) = delete;
  MessageBlock& operator=(const MessageBlock&) = delete;

  uint8_t* data() const { return data_; }
  size_t capacity() const { return cap_; }

  // Blocks of this size and more are mappings of their own (Linux; see the .cc).
  static constexpr size_t kMapMin = 128 * 1024;

  // Resizes to `cap` bytes (more or less), keeping the first min(cap, capacity()) bytes. False
  // when the memory cannot be had: the block is unchanged then. `fill`: the first `fill` bytes
  // will be written at once (they have arrived); those of them that are new room in a mapping
  // are faulted in by one call (Linux: MADV_POPULATE_WRITE) instead of a page fault per page.
  bool Resize(size_t cap, size_t fill = 0);
  // Frees the block.
  void Reset();
  // Gives up the block without freeing it, shrunk to `len` bytes (at least 1).
  Detached Detach(size_t len);

  // Frees a detached block.
  static void Free(uint8_t* data, size_t mapped);

 private:
  uint8_t* data_ = nullptr;
  size_t cap_ = 0;
  size_t mapped_ = 0;  // length of the mapping when the block is one, else 0
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_MESSAGE_BLOCK_H_

// FrameAssembler's receive buffer (native/protocol/frame_assembler.cc over
// native/memory/message_block.cc): large messages assembled intact from reads of any size, the
// memory faulted in ahead of the bytes (only what the backlog says has arrived), maxPayload at
// the byte.
#include "protocol/frame_assembler.h"

#include <curl/curl.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"

namespace {

using curlws::FrameAssembler;

// What the fake socket says is waiting (FrameAssembler::Backlog).
size_t g_backlog = 0;
size_t Backlog(void* /*ctx*/) {
  return g_backlog;
}

curl_ws_frame Meta(int flags, size_t offset, size_t bytesleft) {
  curl_ws_frame m{};
  m.flags = flags;
  m.offset = static_cast<curl_off_t>(offset);
  m.bytesleft = static_cast<curl_off_t>(bytesleft);
  return m;
}

uint8_t Byte(size_t i, int seed) {
  return static_cast<uint8_t>((i * 31 + static_cast<size_t>(seed)) & 0xff);
}

#if defined(__linux__)
size_t Page() {
  return static_cast<size_t>(sysconf(_SC_PAGESIZE));
}
// Pages of [from, to) (page-aligned) that are in memory; SIZE_MAX if mincore fails.
size_t Resident(const uint8_t* from, const uint8_t* to) {
  if (to <= from) return 0;
  const size_t n = static_cast<size_t>(to - from) / Page();
  std::vector<unsigned char> v(n);
  if (mincore(const_cast<uint8_t*>(from), n * Page(), v.data()) != 0) return SIZE_MAX;
  size_t r = 0;
  for (unsigned char c : v) r += c & 1;
  return r;
}
const uint8_t* PageUp(const uint8_t* p) {
  return reinterpret_cast<const uint8_t*>((reinterpret_cast<uintptr_t>(p) + Page() - 1) &
                                          ~(Page() - 1));
}
#endif

enum class Ahead { kNone, kAll, kRandom };

// Receives one binary message of `size` bytes in reads of random sizes (at most `max_read`),
// the backlog set per read by `ahead`; checks what is resident beyond the bytes (kNone: nothing,
// kAll: everything up to the capacity) when `check_resident`, then the message's bytes.
bool ReceiveOne(FrameAssembler* fa, size_t size, size_t max_read, Ahead ahead, int seed,
                bool check_resident) {
  size_t got = 0;
  while (true) {
    const size_t left = size - got;
    g_backlog = ahead == Ahead::kAll ? left : ahead == Ahead::kRandom ? check::Rand(left + 1) : 0;
    size_t space = 0;
    uint8_t* dst = fa->Space(&space);
    CHECK_B(dst != nullptr, "Space failed");
    CHECK_B(space > 0);
#if defined(__linux__)
    // Only a block of its own (a mapping: kMapMin and more) is faulted in ahead; its end is
    // page-aligned.
    if (check_resident && space >= curlws::MessageBlock::kMapMin) {
      const uint8_t* end = dst + space;
      const size_t pages = static_cast<size_t>(end - PageUp(dst)) / Page();
      const size_t ahead_pages = Resident(PageUp(dst), end);
      CHECK_B(ahead_pages != SIZE_MAX, "mincore failed");
      // Nothing waits: nothing beyond the bytes but the first small block's room, which moved
      // into the mapping with them (16 KiB).
      if (ahead == Ahead::kNone)
        CHECK_B(ahead_pages * Page() <= 16 * 1024,
                std::to_string(ahead_pages) + " pages faulted in ahead of " + std::to_string(got) +
                    " bytes with nothing waiting");
      // Everything waits: all the room, in a mapping of 4 KiB pages (below 2 MiB; huge pages
      // are left to fault, one per 2 MiB).
      if (ahead == Ahead::kAll && got + space < 2 * 1024 * 1024)
        CHECK_B(ahead_pages == pages,
                "room for bytes that arrived not faulted in: " + std::to_string(ahead_pages) +
                    " of " + std::to_string(pages) + " pages");
    }
#endif
    // A read returns at most the rest of the frame (the header's bytes come with the first).
    size_t n = 1 + check::Rand(std::min({space, left, max_read}));
    if (got == 0 && left == 0) n = 0;
    for (size_t i = 0; i < n; i++) dst[i] = Byte(got + i, seed);
    const FrameAssembler::Event e = fa->Consume(Meta(CURLWS_BINARY, got, left - n), n);
    got += n;
    if (got == size) {
      CHECK_B(e == FrameAssembler::Event::kBinary, "no message at its last byte");
      break;
    }
    CHECK_B(e == FrameAssembler::Event::kNone, "event before the message is complete");
  }
  CHECK_B(fa->message_size() == size);
  for (size_t i = 0; i < size; i++)
    CHECK_B(fa->message()[i] == Byte(i, seed), "byte " + std::to_string(i) + " differs");
  return true;
}

}  // namespace

// Large messages in reads of every size, with nothing waiting, everything waiting, and random
// backlogs; each message's block detached and freed (into the thread's block cache) as the
// session does, so later messages grow reused blocks.
SUITE(frame_assembler_growth) {
  constexpr size_t MiB = 1024 * 1024;
  // A fresh thread cache: the first message's mappings are new, so nothing may be resident
  // ahead of its bytes when nothing waits.
  {
    FrameAssembler fa;
    fa.set_backlog(&Backlog, nullptr);
    CHECK(ReceiveOne(&fa, MiB + 4097, 300 * 1024, Ahead::kNone, 1, true));
    curlws::MessageBlock::Detached d = fa.DetachMessage();
    curlws::MessageBlock::Free(d.data, d.mapped);
  }
  // Larger than the cached block: the grown room is new, and faulted in for what waits.
  {
    FrameAssembler fa;
    fa.set_backlog(&Backlog, nullptr);
    CHECK(ReceiveOne(&fa, MiB + MiB / 2 + 5, 512 * 1024, Ahead::kAll, 2, true));
    curlws::MessageBlock::Detached d = fa.DetachMessage();
    curlws::MessageBlock::Free(d.data, d.mapped);
  }
  for (int it = 0; it < check::ctx().iterations; it++) {
    FrameAssembler fa;
    if (check::Rand(4) != 0) fa.set_backlog(&Backlog, nullptr);
    const size_t size = check::Rand(5 * MiB);
    const Ahead ahead = static_cast<Ahead>(check::Rand(3));
    const size_t max_read = 1 + check::Rand(check::Rand(2) ? 4096 : MiB);
    CHECK(ReceiveOne(&fa, size, max_read, ahead, it, false), "message " + std::to_string(it));
    if (check::Rand(2)) {
      curlws::MessageBlock::Detached d = fa.DetachMessage();
      curlws::MessageBlock::Free(d.data, d.mapped);
    } else {
      fa.ReleaseMessage();
    }
  }
}

// maxPayload at the byte for large messages: exactly the limit is delivered, one byte more is
// refused (1009) at the header, before any of its payload is buffered.
SUITE(frame_assembler_max_payload) {
  constexpr size_t limit = 1024 * 1024;
  for (size_t size : {limit, limit - 1, limit + 1}) {
    FrameAssembler fa;
    FrameAssembler::Limits limits;
    limits.max_payload = limit;
    fa.set_limits(limits);
    fa.set_backlog(&Backlog, nullptr);
    g_backlog = size;
    size_t space = 0;
    uint8_t* dst = fa.Space(&space);
    CHECK(dst != nullptr);
    const size_t n = std::min<size_t>(space, 16);
    std::memset(dst, 0x61, n);
    FrameAssembler::Event e = fa.Consume(Meta(CURLWS_BINARY, 0, size - n), n);
    if (size > limit) {
      CHECK(e == FrameAssembler::Event::kError);
      CHECK(fa.failure().close_code == 1009);
      CHECK(std::string(fa.failure().code) == "WS_ERR_MESSAGE_TOO_BIG");
      continue;
    }
    size_t got = n;
    while (got < size) {
      dst = fa.Space(&space);
      CHECK(dst != nullptr);
      CHECK(got + space <= limit, "room past maxPayload: " + std::to_string(got + space));
      const size_t m = std::min(space, size - got);
      std::memset(dst, 0x61, m);
      e = fa.Consume(Meta(CURLWS_BINARY, got, size - got - m), m);
      got += m;
    }
    CHECK(e == FrameAssembler::Event::kBinary);
    CHECK(fa.message_size() == size);
  }
}

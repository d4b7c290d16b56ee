// native/protocol/inflater + deflater against a reference peer that uses zlib directly, the way
// a server's permessage-deflate does (raw deflate, Z_SYNC_FLUSH, tail removed):
//   round trips over random configurations, slicings and output room; context takeover (the
//   second copy of a message must shrink to almost nothing) and no_context_takeover (each
//   message inflatable alone; a peer that breaks the promise is caught); window bits 8..15
//   (our output fits the window we promised, 8 included; we follow a peer using all of ours);
//   bombs (256 MiB from one payload stop at maxPayload + 1 byte); corrupt, truncated and
//   BFINAL data; allocation failure; memory per stream (lazy, released, parked).
#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "protocol/deflater.h"
#include "protocol/inflater.h"

namespace {

using check::Rand;
using curlws::Deflater;
using curlws::Inflater;
using Bytes = std::vector<uint8_t>;

const uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};

// ---- data ---------------------------------------------------------------------------------------
Bytes Random(size_t n) {
  Bytes v(n);
  for (auto& b : v) b = static_cast<uint8_t>(Rand(256));
  return v;
}

Bytes Text(size_t n) {
  static const char* const kWords[] = {
      "{\"id\":", "\"price\":", "1234.5", "\"symbol\":", "\"EURUSD\"",
      "},",       "\"bid\":",   "true",   " ",           "\n"};
  Bytes v;
  v.reserve(n);
  while (v.size() < n) {
    const char* w = kWords[Rand(10)];
    v.insert(v.end(), w, w + std::strlen(w));
  }
  v.resize(n);
  return v;
}

Bytes Message() {
  static const size_t kSizes[] = {0, 1, 2, 100, 1024, 16384, 65536, 100000, 1 << 20};
  const size_t n = Rand(3) ? Rand(2000) : kSizes[Rand(sizeof kSizes / sizeof *kSizes)];
  return Rand(3) ? Text(n) : Rand(2) ? Random(n) : Bytes(n, 0);
}

// ---- the reference peer -------------------------------------------------------------------------
struct PeerDeflate {
  z_stream z{};
  bool no_context_takeover;
  int bits;
  PeerDeflate(int window_bits, bool nct) : no_context_takeover(nct), bits(window_bits) {
    deflateInit2(&z, 6, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY);
  }
  ~PeerDeflate() { deflateEnd(&z); }
  // One message's payload; `final_block`: end the stream with BFINAL (Z_FINISH) instead.
  Bytes Message(const Bytes& data, bool final_block = false) {
    // zlib makes nothing of a second sync flush without input: an empty message is 0x00.
    if (data.empty() && !final_block) return {0x00};
    Bytes out(deflateBound(&z, data.size()) + 64);
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, final_block ? Z_FINISH : Z_SYNC_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (!final_block) out.resize(out.size() - 4);  // 00 00 ff ff
    if (final_block || no_context_takeover) deflateReset(&z);
    return out;
  }
};

struct PeerInflate {
  z_stream z{};
  explicit PeerInflate(int window_bits) { inflateInit2(&z, -window_bits); }
  ~PeerInflate() { inflateEnd(&z); }
  // Inflates one message's payload (tail appended); false on a zlib error.
  bool Message(const Bytes& payload, Bytes* out) {
    Bytes in = payload;
    in.insert(in.end(), kTail, kTail + 4);
    out->clear();
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(in.size());
    uint8_t buf[65536];
    for (;;) {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      int r = inflate(&z, Z_SYNC_FLUSH);
      if (r != Z_OK && r != Z_BUF_ERROR && r != Z_STREAM_END) return false;
      out->insert(out->end(), buf, buf + (sizeof buf - z.avail_out));
      if (z.avail_out != 0) return true;
    }
  }
};

// ---- drivers for our side -----------------------------------------------------------------------
// Compresses `data` in random slices; the concatenated outputs are the message's payload.
bool DeflateMessage(Deflater* d, const Bytes& data, Bytes* payload, size_t max_slice = 0) {
  payload->clear();
  size_t pos = 0;
  do {
    size_t slice = max_slice ? max_slice : Rand(2) ? data.size() : 1 + Rand(70000);
    slice = std::min(slice, data.size() - pos);
    const bool fin = pos + slice == data.size();
    CHECK_B(d->Compress(data.data() + pos, slice, fin), std::string("Compress: ") + d->failure());
    payload->insert(payload->end(), d->output(), d->output() + d->output_size());
    pos += slice;
  } while (pos < data.size());
  CHECK_B(!d->in_message(), "message still open after fin");
  return true;
}

// Feeds `payload` in random pieces (as frames would split it) with random output room; returns
// the final status, the output in *out.
Inflater::Status InflateMessage(Inflater* inf, const Bytes& payload, Bytes* out,
                                size_t max_room = 100000) {
  out->clear();
  size_t pos = 0;
  Bytes room(max_room);
  for (;;) {
    size_t piece = Rand(3) == 0 ? Rand(8) : Rand(2) ? payload.size() : Rand(5000);
    piece = std::min(piece, payload.size() - pos);
    const bool last = pos + piece == payload.size() && Rand(4) != 0;  // sometimes an empty last
    inf->Feed(payload.data() + pos, piece, last);
    pos += piece;
    for (;;) {
      size_t produced = 0;
      const size_t cap = Rand(4) == 0 ? 1 + Rand(10) : 1 + Rand(max_room);
      Inflater::Status s = inf->Inflate(room.data(), cap, &produced);
      if (produced > cap) return Inflater::Status::kError;  // caught by the callers' checks
      out->insert(out->end(), room.data(), room.data() + produced);
      if (s == Inflater::Status::kOutputFull) continue;
      if (s == Inflater::Status::kNeedInput) break;
      return s;
    }
    if (pos == payload.size() && !last) {
      inf->Feed(nullptr, 0, true);
      for (;;) {
        size_t produced = 0;
        Inflater::Status s = inf->Inflate(room.data(), max_room, &produced);
        out->insert(out->end(), room.data(), room.data() + produced);
        if (s != Inflater::Status::kOutputFull) return s;
      }
    }
  }
}

int RandomBits() {
  return 8 + static_cast<int>(Rand(8));
}

// ---- suites -------------------------------------------------------------------------------------
SUITE(deflate_round_trip) {
  for (int it = 0; it < check::ctx().iterations && !check::ctx().failed; it++) {
    Deflater::Config dc;
    dc.window_bits = RandomBits();
    dc.mem_level = 1 + static_cast<int>(Rand(9));
    dc.level = static_cast<int>(Rand(11)) - 1;
    dc.no_context_takeover = Rand(2);
    dc.release_after_message = Rand(2);
    Inflater::Config ic;
    ic.window_bits = dc.window_bits;
    ic.no_context_takeover = dc.no_context_takeover;
    ic.release_after_message = Rand(2);
    Deflater ours_out(dc);
    Inflater ours_in(ic);
    PeerInflate peer_in(dc.window_bits);  // exactly the window we promised (8 stays 8)
    const int server_bits = RandomBits();
    const bool server_nct = Rand(2);
    PeerDeflate peer_out(server_bits == 8 ? 9 : server_bits, server_nct);
    Inflater::Config sc;
    sc.window_bits = server_bits;
    sc.no_context_takeover = server_nct;
    Inflater ours_from_peer(sc);
    const std::string cfg = " (window " + std::to_string(dc.window_bits) + ", memLevel " +
                            std::to_string(dc.mem_level) + ", level " + std::to_string(dc.level) +
                            ", nct " + std::to_string(dc.no_context_takeover) + ")";
    const int messages = 1 + static_cast<int>(Rand(8));
    for (int m = 0; m < messages; m++) {
      const Bytes msg = Message();
      Bytes payload, back;
      if (!DeflateMessage(&ours_out, msg, &payload)) return;
      CHECK(!payload.empty(), "a compressed message is never empty" + cfg);
      CHECK(InflateMessage(&ours_in, payload, &back) == Inflater::Status::kMessageEnd,
            "our inflater: " + ours_in.failure().message + cfg);
      CHECK(back == msg, "our round trip differs" + cfg);
      CHECK(peer_in.Message(payload, &back) && back == msg, "the peer cannot inflate ours" + cfg);
      if (dc.no_context_takeover) {
        PeerInflate fresh(dc.window_bits);
        CHECK(fresh.Message(payload, &back) && back == msg,
              "no_context_takeover message needs context" + cfg);
      }
      const Bytes from_peer = peer_out.Message(msg);
      CHECK(InflateMessage(&ours_from_peer, from_peer, &back) == Inflater::Status::kMessageEnd,
            "peer's message: " + ours_from_peer.failure().message);
      CHECK(back == msg, "peer's message inflated wrong");
    }
  }
}

SUITE(deflate_context_takeover) {
  const Bytes msg = Random(4096);  // incompressible alone, free the second time with context
  Bytes p1, p2, back;
  {
    Deflater d(Deflater::Config{});
    PeerInflate peer(15);
    if (!DeflateMessage(&d, msg, &p1) || !DeflateMessage(&d, msg, &p2)) return;
    CHECK(p1.size() > 4000 && p2.size() < 100,
          "context takeover: " + std::to_string(p1.size()) + " then " + std::to_string(p2.size()));
    CHECK(peer.Message(p1, &back) && back == msg && peer.Message(p2, &back) && back == msg,
          "peer inflates both");
    // Parked between messages: only the window is kept, and the next message still refers to it.
    CHECK(d.Release(), "Release between messages");
    CHECK(d.memory() > 0 && d.memory() <= 32768, "parked memory " + std::to_string(d.memory()));
    Bytes p3;
    if (!DeflateMessage(&d, msg, &p3)) return;
    CHECK(p3.size() < 100, "context lost across Release: " + std::to_string(p3.size()));
    CHECK(peer.Message(p3, &back) && back == msg, "peer inflates after unpark");
  }
  {
    Deflater::Config c;
    c.no_context_takeover = true;
    Deflater d(c);
    if (!DeflateMessage(&d, msg, &p1) || !DeflateMessage(&d, msg, &p2)) return;
    CHECK(p2.size() > 4000, "no_context_takeover still used context");
    PeerInflate fresh(15);
    CHECK(fresh.Message(p2, &back) && back == msg, "second message alone");
    CHECK(d.zlib_memory() == 0, "stream not released after the message");
    CHECK(d.Release() && d.memory() == 0, "memory after Release " + std::to_string(d.memory()));
  }
  {
    // Our inflater keeps context by default, and refuses a peer that uses it when it promised
    // server_no_context_takeover.
    PeerDeflate peer(15, false);
    const Bytes q1 = peer.Message(msg), q2 = peer.Message(msg);
    CHECK(q2.size() < 100, "peer uses context");
    Inflater with(Inflater::Config{});
    CHECK(InflateMessage(&with, q1, &back) == Inflater::Status::kMessageEnd && back == msg, "q1");
    CHECK(!with.Release(), "Release would lose the context");
    CHECK(InflateMessage(&with, q2, &back) == Inflater::Status::kMessageEnd && back == msg, "q2");
    Inflater::Config c;
    c.no_context_takeover = true;
    Inflater without(c);
    CHECK(InflateMessage(&without, q1, &back) == Inflater::Status::kMessageEnd, "q1 alone");
    CHECK(InflateMessage(&without, q2, &back) == Inflater::Status::kError,
          "a reference into the previous message was accepted under no_context_takeover");
    CHECK(without.failure().close_code == 1007 &&
              std::string(without.failure().code) == "WS_ERR_INVALID_COMPRESSED_DATA",
          "close code " + std::to_string(without.failure().close_code));
    CHECK(without.failure().message.find("too far back") != std::string::npos,
          without.failure().message);
  }
}

// Data whose only redundancy is a copy `distance` bytes back.
Bytes RepeatAt(size_t distance) {
  Bytes head = Random(std::min<size_t>(300, distance / 2));
  Bytes v = head;
  Bytes gap = Random(distance - head.size());
  v.insert(v.end(), gap.begin(), gap.end());
  v.insert(v.end(), head.begin(), head.end());
  return v;
}

SUITE(deflate_window_bits) {
  for (int bits = 8; bits <= 15; bits++) {
    const std::string b = " (bits " + std::to_string(bits) + ")";
    // Ours: whatever the data, a peer inflating with exactly our window can follow.
    Deflater::Config dc;
    dc.window_bits = bits;
    Deflater d(dc);
    PeerInflate peer(bits);
    for (size_t distance : {size_t{310}, (size_t{1} << bits) - 10, (size_t{1} << bits) + 100}) {
      const Bytes data = RepeatAt(distance);
      Bytes payload, back;
      if (!DeflateMessage(&d, data, &payload)) return;
      CHECK(peer.Message(payload, &back) && back == data, "peer window too small for ours" + b);
    }
    // Theirs: a peer using all of the window we allowed is followed even when the output room
    // is tiny, so every reference must be served from our window, not from the output buffer.
    // (zlib does not refuse a reference past the window when the output buffer still holds the
    // bytes it points at, so a peer breaking the limit is not reliably detected: the window
    // bounds our memory, not the peer.)
    PeerDeflate peer_out(bits == 8 ? 9 : bits, false);
    const Bytes data = RepeatAt((size_t{1} << bits) - 10);
    const Bytes payload = peer_out.Message(data);
    Inflater::Config ic;
    ic.window_bits = bits;
    Inflater inf(ic);
    inf.Feed(payload.data(), payload.size(), true);
    Bytes back;
    uint8_t one[3];
    Inflater::Status s;
    do {
      size_t n = 0;
      s = inf.Inflate(one, sizeof one, &n);
      back.insert(back.end(), one, one + n);
    } while (s == Inflater::Status::kOutputFull);
    CHECK(s == Inflater::Status::kMessageEnd && back == data,
          "a full-window reference through a 3-byte room" + b + ": " + inf.failure().message);
  }
}

// 256 MiB of zeros deflated by the peer: about 256 KiB on the wire.
Bytes Bomb() {
  PeerDeflate peer(15, false);
  Bytes zeros(1 << 20, 0);
  Bytes payload;
  uint8_t buf[65536];
  for (int i = 0; i < 256; i++) {
    peer.z.next_in = zeros.data();
    peer.z.avail_in = static_cast<uInt>(zeros.size());
    do {
      peer.z.next_out = buf;
      peer.z.avail_out = sizeof buf;
      deflate(&peer.z, i == 255 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
      payload.insert(payload.end(), buf, buf + (sizeof buf - peer.z.avail_out));
    } while (peer.z.avail_out == 0);
  }
  payload.resize(payload.size() - 4);
  return payload;
}

SUITE(deflate_bomb) {
  const Bytes bomb = Bomb();
  std::printf("MEASURE bomb: 256 MiB of zeros deflated to %zu bytes\n", bomb.size());
  CHECK(bomb.size() < 400 * 1024, "bomb size " + std::to_string(bomb.size()));
  // Without a limit it really is 256 MiB (so the limit below is what stops it).
  {
    Inflater inf(Inflater::Config{});
    Bytes room(1 << 20);
    inf.Feed(bomb.data(), bomb.size(), true);
    uint64_t total = 0;
    Inflater::Status s;
    do {
      size_t n = 0;
      s = inf.Inflate(room.data(), room.size(), &n);
      total += n;
    } while (s == Inflater::Status::kOutputFull);
    CHECK(s == Inflater::Status::kMessageEnd && total == uint64_t{256} << 20,
          "unlimited bomb inflated " + std::to_string(total));
  }
  // With maxPayload 1 MiB: stops having inflated at most 1 MiB + 1 byte, whatever the room and
  // however the payload is split.
  for (int round = 0; round < 6 && !check::ctx().failed; round++) {
    Inflater::Config c;
    c.max_message = 1 << 20;
    Inflater inf(c);
    Bytes out;
    const Inflater::Status s = InflateMessage(&inf, bomb, &out, round % 2 ? 65536 : 3 << 20);
    CHECK(s == Inflater::Status::kError, "bomb not stopped");
    CHECK(out.size() <= (1u << 20) + 1, "inflated " + std::to_string(out.size()) + " bytes");
    CHECK(inf.failure().close_code == 1009 &&
              std::string(inf.failure().code) == "WS_ERR_MESSAGE_TOO_BIG" &&
              inf.failure().message == "Message exceeds maxPayload (1048576 bytes)",
          inf.failure().message);
    CHECK(inf.memory() == 0, "stream kept after the failure");
    size_t n = 1;
    Bytes room(10);
    CHECK(inf.Inflate(room.data(), room.size(), &n) == Inflater::Status::kError && n == 0,
          "usable after failing");
  }
  // A message of exactly maxPayload bytes passes.
  {
    Inflater::Config c;
    c.max_message = 100000;
    Inflater inf(c);
    PeerDeflate peer(15, false);
    const Bytes msg(100000, 'x');
    Bytes out;
    CHECK(InflateMessage(&inf, peer.Message(msg), &out) == Inflater::Status::kMessageEnd &&
              out == msg,
          "exactly maxPayload: " + inf.failure().message);
    const Bytes over(100001, 'x');
    CHECK(InflateMessage(&inf, peer.Message(over), &out) == Inflater::Status::kError,
          "maxPayload + 1 accepted");
  }
}

SUITE(deflate_corrupt) {
  Bytes out;
  const auto fails_1007 = [&](const Bytes& payload, const char* what, const char* needle) {
    Inflater inf(Inflater::Config{});
    CHECK_B(InflateMessage(&inf, payload, &out) == Inflater::Status::kError,
            std::string(what) + ": accepted");
    CHECK_B(inf.failure().close_code == 1007 &&
                std::string(inf.failure().code) == "WS_ERR_INVALID_COMPRESSED_DATA",
            std::string(what) + ": " + inf.failure().message);
    CHECK_B(inf.failure().message.find(needle) != std::string::npos,
            std::string(what) + ": " + inf.failure().message);
    return true;
  };
  if (!fails_1007({0xff}, "BTYPE 11", "invalid block type")) return;
  if (!fails_1007({0x04, 0x00, 0x12}, "bad stored block", "Invalid compressed data")) return;
  PeerDeflate peer(15, false);
  const Bytes msg = Text(5000);
  Bytes fin = peer.Message(msg, true);
  {
    // BFINAL: valid, and the next message starts a new stream.
    Inflater inf(Inflater::Config{});
    CHECK(InflateMessage(&inf, fin, &out) == Inflater::Status::kMessageEnd && out == msg,
          "BFINAL message: " + inf.failure().message);
    const Bytes next = peer.Message(msg, true);
    CHECK(InflateMessage(&inf, next, &out) == Inflater::Status::kMessageEnd && out == msg,
          "message after a BFINAL one: " + inf.failure().message);
  }
  fin.push_back(0x00);
  if (!fails_1007(fin, "bytes after BFINAL", "after the final deflate block")) return;
  // Truncated: never the original message, never a crash.
  PeerDeflate p2(15, true);
  const Bytes whole = p2.Message(msg);
  for (size_t cut = 1; cut < 40 && !check::ctx().failed; cut++) {
    Bytes t(whole.begin(), whole.end() - cut);
    Inflater inf(Inflater::Config{});
    const Inflater::Status s = InflateMessage(&inf, t, &out);
    CHECK(s == Inflater::Status::kError || out != msg, "truncated by " + std::to_string(cut));
  }
  // Mutations: an error or some output within the limit; ASan/UBSan watch the rest.
  for (int i = 0; i < check::ctx().iterations * 20 && !check::ctx().failed; i++) {
    Bytes m = whole;
    for (int k = 1 + static_cast<int>(Rand(4)); k > 0; k--) m[Rand(m.size())] ^= 1 << Rand(8);
    Inflater::Config c;
    c.max_message = 8000;
    Inflater inf(c);
    const Inflater::Status s = InflateMessage(&inf, m, &out);
    CHECK(s == Inflater::Status::kError || s == Inflater::Status::kMessageEnd, "status");
    CHECK(out.size() <= 8001, "over the limit");
  }
  // Empty messages: an empty payload, and what we send for one (a single 0x00).
  {
    Inflater inf(Inflater::Config{});
    CHECK(InflateMessage(&inf, {}, &out) == Inflater::Status::kMessageEnd && out.empty(),
          "empty payload");
    CHECK(inf.memory() == 0, "an empty message created the stream");
    Deflater d(Deflater::Config{});
    Bytes payload;
    if (!DeflateMessage(&d, {}, &payload)) return;
    CHECK(payload == Bytes{0x00}, "empty message payload size " + std::to_string(payload.size()));
    CHECK(InflateMessage(&inf, payload, &out) == Inflater::Status::kMessageEnd && out.empty(),
          "our empty message");
  }
}

SUITE(deflate_slices) {
  // A 16 MiB message compressed 64 KiB at a time: every slice's output is bounded, and the
  // outputs, concatenated, are the message (each could go out as one frame).
  Bytes msg = Text(8 << 20);
  const Bytes noise = Random(8 << 20);
  msg.insert(msg.end(), noise.begin(), noise.end());
  Deflater d(Deflater::Config{});
  Bytes payload;
  size_t biggest = 0;
  for (size_t pos = 0; pos < msg.size(); pos += 65536) {
    const size_t n = std::min<size_t>(65536, msg.size() - pos);
    CHECK(d.Compress(msg.data() + pos, n, pos + n == msg.size()), d.failure());
    biggest = std::max(biggest, d.output_size());
    payload.insert(payload.end(), d.output(), d.output() + d.output_size());
  }
  CHECK(biggest <= 65536 + 128 * 1024, "a slice produced " + std::to_string(biggest));
  PeerInflate peer(15);
  Bytes back;
  CHECK(peer.Message(payload, &back) && back == msg, "sliced message");
  CHECK(d.Release() && d.memory() <= 32768, "after Release " + std::to_string(d.memory()));
  // ws's threshold rule.
  Deflater::Config c;
  c.threshold = 100;
  CHECK(Deflater(c).ShouldCompress(1), "context takeover: every message");
  c.no_context_takeover = true;
  CHECK(!Deflater(c).ShouldCompress(99) && Deflater(c).ShouldCompress(100), "threshold");
}

SUITE(deflate_oom) {
  Deflater d(Deflater::Config{});
  d.set_memory_limit(1000);
  const Bytes msg = Text(1000);
  CHECK(!d.Compress(msg.data(), msg.size(), true), "Compress without memory");
  CHECK(std::string(d.failure()) == "Out of memory while compressing a message", d.failure());
  CHECK(!d.Compress(msg.data(), msg.size(), true), "usable after failing");
  for (size_t limit : {size_t{100}, size_t{9000}}) {
    // 100: no state at all; 9000: the state but not the 32 KiB window (allocated mid-inflate).
    Inflater inf(Inflater::Config{});
    inf.set_memory_limit(limit);
    PeerDeflate peer(15, false);
    Bytes out;
    CHECK(InflateMessage(&inf, peer.Message(Text(50000)), &out) == Inflater::Status::kError,
          "Inflate without memory, limit " + std::to_string(limit));
    CHECK(inf.failure().close_code == 1011 &&
              inf.failure().message == "Out of memory while inflating a message",
          inf.failure().message);
  }
}

SUITE(deflate_memory) {
  for (int bits : {15, 12, 9, 8}) {
    for (int mem : {8, 1}) {
      Deflater::Config c;
      c.window_bits = bits;
      c.mem_level = mem;
      Deflater d(c);
      CHECK(d.memory() == 0, "deflater not lazy");
      const Bytes msg = Text(1000);
      Bytes payload;
      if (!DeflateMessage(&d, msg, &payload)) return;
      const size_t live = d.memory();
      // zlib's documented size, (1 << (windowBits + 2)) + (1 << (memLevel + 9)), plus its state
      // and our 4 KiB output buffer.
      const int eff = bits == 8 ? 9 : bits;  // zlib deflates raw 8-bit windows with 9
      const size_t bound = (size_t{1} << (eff + 2)) + (size_t{1} << (mem + 9)) + 16384;
      std::printf("MEASURE deflate stream windowBits %d memLevel %d: %zu bytes (bound %zu)\n", bits,
                  mem, live, bound);
      CHECK(live > 0 && live <= bound, "deflate memory " + std::to_string(live));
      CHECK(d.Release(), "Release");
      std::printf("MEASURE deflate parked windowBits %d: %zu bytes\n", bits, d.memory());
      CHECK(d.memory() <= (size_t{1} << eff), "parked " + std::to_string(d.memory()));
      // The parked window still primes the next message (the peer kept the same bytes): 200
      // random bytes sent again, within every window's reach, cost almost nothing.
      const Bytes noise = Random(200);
      Bytes first, again, back;
      PeerInflate peer(bits);
      if (!DeflateMessage(&d, noise, &first)) return;
      CHECK(d.Release(), "Release");
      if (!DeflateMessage(&d, noise, &again)) return;
      CHECK(peer.Message(payload, &back) && peer.Message(first, &back) &&
                peer.Message(again, &back) && back == noise,
            "after unpark, bits " + std::to_string(bits));
      CHECK(again.size() < 20, "context lost across Release, bits " + std::to_string(bits) + ": " +
                                   std::to_string(again.size()));
    }
    Inflater::Config ic;
    ic.window_bits = bits;
    Inflater inf(ic);
    CHECK(inf.memory() == 0, "inflater not lazy");
    PeerDeflate peer(bits == 8 ? 9 : bits, false);
    Bytes out;
    CHECK(InflateMessage(&inf, peer.Message(Text(70000)), &out) == Inflater::Status::kMessageEnd,
          "inflate");
    const size_t live = inf.memory();
    std::printf("MEASURE inflate stream windowBits %d: %zu bytes\n", bits, live);
    CHECK(live > (size_t{1} << bits) && live <= (size_t{1} << bits) + 16384,
          "inflate memory " + std::to_string(live));
    ic.no_context_takeover = true;
    Inflater released(ic);
    PeerDeflate alone(bits == 8 ? 9 : bits, true);
    CHECK(InflateMessage(&released, alone.Message(Text(70000)), &out) ==
                  Inflater::Status::kMessageEnd &&
              released.memory() == 0,
          "no_context_takeover stream kept after the message");
  }
}

}  // namespace

// Model check of native/protocol/send_queue.cc and frame_writer.cc, built by send-queue-model.test.ts
// with the system C++ compiler (ASan/UBSan when available) against fakes of curl_easy_send and
// the masking-key source. Random pushes (every length class, fragments, PING/PONG, our CLOSE or
// the peer's) interleave with Pump() calls whose writes the fake accepts fully, partly, or refuses
// with CURLE_AGAIN, by the rules of the transport:
//   plain: after CURLE_AGAIN anything may be offered; writes may be partial.
//   tls:   OpenSSL's rule: a retry after CURLE_AGAIN repeats the same bytes, at least as many
//          (libcurl caps it to the blocked length); a write goes out whole or not at all.
// The bytes "on the wire" are then parsed as client frames and checked against RFC 6455 and the
// queue's contract: every frame masked and minimally encoded, control frames whole, ≤ 125 bytes
// and never inside another frame, data frames in order with the right opcode/FIN, the dropped
// ones a suffix, exactly one CLOSE and nothing after it, every completion counted once.
// Usage: send-queue-model <plain|tls> <iterations> <seed>. Prints "OK ..." or the first failure.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "protocol/random_pool.h"
#include "protocol/send_queue.h"

using curlws::SendQueue;

namespace {

std::mt19937_64 rng;
bool tls = false;
bool no_random = false;  // the fake CSPRNG fails
std::vector<uint8_t> wire;
std::vector<uint8_t> blocked;  // the bytes of a write refused with CURLE_AGAIN
bool failed = false;

void Fail(const char* what, int iteration) {
  if (!failed) std::printf("FAIL iteration %d: %s\n", iteration, what);
  failed = true;
}

struct Frame {
  int opcode;
  bool fin;
  std::vector<uint8_t> payload;
};

// Parses the whole wire; false on any encoding problem.
bool Parse(std::vector<Frame>* out, std::string* why) {
  size_t p = 0;
  while (p < wire.size()) {
    const uint8_t* w = wire.data() + p;
    size_t left = wire.size() - p;
    if (left < 2) return *why = "truncated header", false;
    if (!(w[1] & 0x80)) return *why = "unmasked frame", false;
    if (w[0] & 0x70) return *why = "RSV bits set", false;
    uint64_t len = w[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
      if (left < 4) return *why = "truncated header", false;
      len = (uint64_t{w[2]} << 8) | w[3];
      h = 4;
      if (len < 126) return *why = "16-bit length for a short payload", false;
    } else if (len == 127) {
      if (left < 10) return *why = "truncated header", false;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | w[2 + i];
      h = 10;
      if (len <= 0xffff) return *why = "64-bit length for a short payload", false;
    }
    if (left < h + 4 + len) return *why = "truncated payload", false;
    Frame f{w[0] & 0x0f, (w[0] & 0x80) != 0, std::vector<uint8_t>(len)};
    for (uint64_t i = 0; i < len; i++) f.payload[i] = w[h + 4 + i] ^ w[h + (i & 3)];
    if (f.opcode >= 8 && (len > 125 || !f.fin)) return *why = "control frame too long or fragmented", false;
    if (f.opcode != 0 && f.opcode != 1 && f.opcode != 2 && f.opcode != 8 && f.opcode != 9 &&
        f.opcode != 10)
      return *why = "reserved opcode (a control frame inside a data frame?)", false;
    out->push_back(std::move(f));
    p += h + 4 + len;
  }
  return true;
}

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  uint64_t x = rng() | 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[i] = static_cast<uint8_t>(x);
  }
  return v;
}

}  // namespace

// The fakes the queue links against.
namespace curlws {
bool NextMaskKey(uint8_t key[4]) {
  if (no_random) return false;
  uint64_t r = rng();
  std::memcpy(key, &r, 4);
  return true;
}
}  // namespace curlws

extern "C" CURLcode curl_easy_send(CURL*, const void* buffer, size_t length, size_t* n) {
  const uint8_t* b = static_cast<const uint8_t*>(buffer);
  *n = 0;
  if (!blocked.empty()) {
    if (tls && (length < blocked.size() || std::memcmp(b, blocked.data(), blocked.size()) != 0)) {
      std::printf("FAIL: the write after CURLE_AGAIN did not repeat the same %zu bytes\n",
                  blocked.size());
      failed = true;
    }
    if (tls) length = blocked.size();
  }
  if (length == 0) return CURLE_OK;
  int r = static_cast<int>(rng() % 100);
  if (r < 25) {
    blocked.assign(b, b + length);
    return CURLE_AGAIN;
  }
  blocked.clear();
  size_t take = !tls && r < 60 ? 1 + rng() % length : length;
  wire.insert(wire.end(), b, b + take);
  *n = take;
  return CURLE_OK;
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  tls = std::strcmp(argv[1], "tls") == 0;
  const int iterations = std::atoi(argv[2]);
  const uint64_t seed = std::strtoull(argv[3], nullptr, 10);
  static const size_t kSizes[] = {0,     1,     125,        126,           127,
                                  65535, 65536, 32768 - 14, 32768 - 13,    40000,
                                  65537, 1000000, 4194304,  4194304 + 1, 5000000};
  long writes = 0;
  for (int it = 0; it < iterations && !failed; it++) {
    rng.seed(seed * 1000003 + static_cast<uint64_t>(it));
    wire.clear();
    blocked.clear();
    SendQueue q;
    std::vector<std::vector<uint8_t>> data;
    std::vector<unsigned> data_flags;
    size_t user_controls = 0, dropped = 0, done_data = 0, done_control = 0;
    bool close_queued = false, close_sent = false;
    auto pump = [&]() {
      SendQueue::Completions done;
      CURLcode error = CURLE_OK;
      if (q.Pump(nullptr, &done, &error) == SendQueue::Status::kError) Fail("Pump error", it);
      writes++;
      done_data += done.user_data;
      done_control += done.user_control;
      if (done.close_sent) {
        if (close_sent) Fail("CLOSE completed twice", it);
        close_sent = true;
      }
    };
    const int ops = 5 + static_cast<int>(rng() % 60);
    for (int op = 0; op < ops && !failed; op++) {
      // The peer's CLOSE arrives most often while a write is blocked: the case with most to keep.
      const int k = !blocked.empty() && rng() % 4 == 0 ? 70 : static_cast<int>(rng() % 100);
      if (!close_queued && k < 50) {
        size_t n = rng() % 3 ? rng() % 300 : kSizes[rng() % (sizeof kSizes / sizeof *kSizes)];
        std::vector<uint8_t> v = Pattern(n);
        unsigned flags = (rng() % 2 ? CURLWS_TEXT : CURLWS_BINARY) | (rng() % 4 ? 0 : CURLWS_CONT);
        no_random = rng() % 50 == 0;
        const size_t before = q.buffered_amount();
        bool ok = q.PushData(v.data(), v.size(), flags);
        if (ok == no_random) Fail("PushData ignored a failing CSPRNG", it);
        no_random = false;
        if (!ok) {
          if (q.buffered_amount() != before) Fail("a refused PushData changed bufferedAmount", it);
          continue;
        }
        data.push_back(std::move(v));
        data_flags.push_back(flags);
      } else if (!close_queued && k < 65) {
        std::string p(rng() % 126, 'p');
        bool user = rng() % 2;
        if (!q.PushControl(reinterpret_cast<const uint8_t*>(p.data()), p.size(),
                           user ? CURLWS_PING : CURLWS_PONG,
                           user ? SendQueue::Origin::kUser : SendQueue::Origin::kAuto))
          Fail("PushControl", it);
        if (user) user_controls++;
      } else if (!close_queued && k < 69) {
        if (!q.PushClose(std::string("\x03\xe8", 2))) Fail("PushClose", it);
        close_queued = true;
      } else if (!close_queued && k < 73) {
        bool ok = false;
        dropped = q.ReplaceWithCloseReply(std::string("\x0f\xa1", 2), &ok);
        if (!ok) Fail("ReplaceWithCloseReply", it);
        close_queued = true;
      } else {
        for (int i = 1 + static_cast<int>(rng() % 4); i > 0; i--) pump();
      }
    }
    for (int guard = 0; !q.empty() && !failed; guard++) {
      if (guard > 1000000) Fail("the queue never drained", it);
      pump();
    }
    if (failed) break;
    if (!blocked.empty()) Fail("drained with a write still blocked", it);
    std::vector<Frame> frames;
    std::string why;
    if (!Parse(&frames, &why)) {
      Fail(why.c_str(), it);
      break;
    }
    std::vector<const Frame*> data_frames;
    size_t closes = 0, pings = 0;
    for (const Frame& f : frames) {
      if (f.opcode < 8) data_frames.push_back(&f);
      if (f.opcode == 8) closes++;
      if (f.opcode == 9) pings++;
    }
    const size_t expected = data.size() - dropped;
    if (data_frames.size() != expected) Fail("data frames on the wire != queued - dropped", it);
    if (done_data != expected) Fail("data completions != data frames written", it);
    bool fragmenting = false;
    for (size_t i = 0; i < data_frames.size() && i < expected && !failed; i++) {
      const bool more = (data_flags[i] & CURLWS_CONT) != 0;
      const int opcode = fragmenting ? 0 : (data_flags[i] & CURLWS_TEXT ? 1 : 2);
      if (data_frames[i]->payload != data[i]) Fail("a data payload differs", it);
      if (data_frames[i]->opcode != opcode || data_frames[i]->fin == more) Fail("opcode/FIN", it);
      fragmenting = more;
    }
    if (close_queued) {
      if (closes != 1 || frames.back().opcode != 8 || !close_sent)
        Fail("the CLOSE is not the one and last frame", it);
    } else if (closes != 0) {
      Fail("a CLOSE nobody queued", it);
    }
    if (pings != user_controls || done_control != user_controls)
      Fail("a PING lost, repeated or not counted", it);
    if (q.buffered_amount() != 0) Fail("bufferedAmount not 0 once drained", it);
  }
  if (failed) return 1;
  std::printf("OK %s: %d iterations, %ld pumps\n", tls ? "tls" : "plain", iterations, writes);
  return 0;
}

// native/protocol/raw_receiver: curl_ws_recv()'s contract over a fake transport that hands out a
// random stream of frames (compressed and plain messages, fragmented, control frames between the
// fragments) in random pieces with CURLE_AGAIN in between, read into random buffer sizes: the
// messages and control frames come out complete and in wire order, with metadata a
// FrameAssembler accepts; bombs, violations, corrupt data, transport errors and EOF give the
// codes the Session expects; an idle receiver holds no memory.
#include "protocol/raw_receiver.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "check.h"

namespace {

using check::Rand;
using curlws::Inflater;
using curlws::RawReceiver;
using Bytes = std::vector<uint8_t>;

struct Transport {
  Bytes wire;
  size_t pos = 0;
  CURLcode error = CURLE_OK;  // returned once the wire is used up, instead of EOF
  long reads = 0;
};

CURLcode Read(void* ctx, uint8_t* buf, size_t len, size_t* n) {
  Transport* t = static_cast<Transport*>(ctx);
  t->reads++;
  *n = 0;
  if (t->pos == t->wire.size()) return t->error;  // CURLE_OK with 0 bytes: EOF
  if (Rand(4) == 0) return CURLE_AGAIN;
  size_t k = Rand(2) ? 1 + Rand(8) : 1 + Rand(100000);
  k = std::min<size_t>({k, len, t->wire.size() - t->pos});
  std::memcpy(buf, t->wire.data() + t->pos, k);
  t->pos += k;
  *n = k;
  return CURLE_OK;
}

void Frame(Bytes* wire, uint8_t b0, const uint8_t* p, size_t n) {
  wire->push_back(b0);
  if (n < 126) {
    wire->push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xffff) {
    wire->insert(wire->end(), {126, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    wire->push_back(127);
    for (int i = 7; i >= 0; i--) wire->push_back(static_cast<uint8_t>(uint64_t{n} >> (8 * i)));
  }
  wire->insert(wire->end(), p, p + n);
}

Bytes Text(size_t n) {
  Bytes v(n);
  for (size_t i = 0; i < n; i++) v[i] = "{\"a\":1,\"b\":[true,false]} "[Rand(26)];
  return v;
}

struct PeerDeflate {
  z_stream z{};
  PeerDeflate() { deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY); }
  ~PeerDeflate() { deflateEnd(&z); }
  Bytes Message(const Bytes& data) {
    if (data.empty()) return {0x00};
    Bytes out(deflateBound(&z, data.size()) + 64);
    z.next_in = const_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_SYNC_FLUSH);
    out.resize(out.size() - z.avail_out - 4);
    return out;
  }
};

// An event as the application would see it: a whole message or control frame.
struct Event {
  int flags;  // CURLWS_TEXT/BINARY/PING/PONG/CLOSE
  Bytes payload;
  bool operator==(const Event& o) const { return flags == o.flags && payload == o.payload; }
};

// Assembles what Recv() hands out as FrameAssembler does: one Step() is one Recv() into a buffer
// of random size.
struct Assembly {
  std::vector<Event>* events;
  uint64_t* data_bytes = nullptr;
  Bytes message, control;
  int type = 0;
  bool in_message = false;

  // CURLE_OK or CURLE_AGAIN to go on; any other code ends the stream.
  CURLcode Step(RawReceiver* r) {
    const size_t cap = Rand(3) == 0 ? 1 + Rand(4) : 1 + Rand(70000);
    Bytes buf(cap);
    size_t n = 0;
    const curl_ws_frame* m = nullptr;
    const CURLcode rc = r->Recv(buf.data(), cap, &n, &m);
    if (rc != CURLE_OK) return rc;
    if (!m || n != m->len || n > cap) return CURLE_BAD_FUNCTION_ARGUMENT;  // contract broken
    if (m->flags & (CURLWS_TEXT | CURLWS_BINARY)) {
      const int t = m->flags & (CURLWS_TEXT | CURLWS_BINARY);
      if (m->offset == 0 && !in_message) {
        in_message = true;
        type = t;
        message.clear();
      } else if (t != type) {
        return CURLE_BAD_FUNCTION_ARGUMENT;  // FrameAssembler would refuse this
      }
      message.insert(message.end(), buf.begin(), buf.begin() + n);
      if (data_bytes) *data_bytes += n;
      if (m->bytesleft == 0 && !(m->flags & CURLWS_CONT)) {
        events->push_back({type, message});
        in_message = false;
      }
    } else {
      if (m->offset == 0) control.clear();
      control.insert(control.end(), buf.begin(), buf.begin() + n);
      if (m->bytesleft == 0) events->push_back({m->flags, control});
    }
    return CURLE_OK;
  }
};

// Reads everything with random buffer sizes; returns the final code (CURLE_GOT_NOTHING at a
// clean EOF).
CURLcode Drain(RawReceiver* r, std::vector<Event>* events, uint64_t* data_bytes = nullptr) {
  Assembly a{events, data_bytes};
  for (int guard = 0; guard < 10000000; guard++) {
    const CURLcode rc = a.Step(r);
    if (rc != CURLE_OK && rc != CURLE_AGAIN) return rc;
  }
  return CURLE_OPERATION_TIMEDOUT;
}

// Writes 1-10 random messages to the wire (compressed ones too when `deflate`), fragmented,
// with PINGs between fragments; returns the events a reader must see.
std::vector<Event> RandomStream(Transport* transport, PeerDeflate* deflater, bool deflate) {
  Transport& t = *transport;
  PeerDeflate& peer = *deflater;
  std::vector<Event> want;
  for (int m = 1 + static_cast<int>(Rand(10)); m > 0; m--) {
    static const size_t kSizes[] = {0, 1, 125, 126, 5000, 65536, 300000};
    const Bytes msg = Text(Rand(2) ? Rand(3000) : kSizes[Rand(7)]);
    const bool binary = Rand(2);
    const bool compressed = deflate && Rand(3) != 0;
    const Bytes payload = compressed ? peer.Message(msg) : msg;
    // Fragments of the (compressed) payload, control frames between them.
    size_t pos = 0;
    bool first = true;
    do {
      size_t k = Rand(3) ? payload.size() - pos : Rand(payload.size() - pos + 1);
      const bool fin = pos + k == payload.size();
      uint8_t b0 = static_cast<uint8_t>((fin ? 0x80 : 0) | (first ? (binary ? 2 : 1) : 0) |
                                        (first && compressed ? 0x40 : 0));
      Frame(&t.wire, b0, payload.data() + pos, k);
      pos += k;
      first = false;
      if (!fin && Rand(2)) {
        const Bytes ping = Text(Rand(126));
        Frame(&t.wire, 0x89, ping.data(), ping.size());
        want.push_back({CURLWS_PING, ping});
      }
    } while (pos < payload.size());
    want.push_back({binary ? CURLWS_BINARY : CURLWS_TEXT, msg});
  }
  return want;
}

SUITE(raw_receiver_streams) {
  for (int it = 0; it < check::ctx().iterations && !check::ctx().failed; it++) {
    Transport t;
    PeerDeflate peer;
    const bool deflate = it % 4 != 0;
    const std::vector<Event> want = RandomStream(&t, &peer, deflate);
    RawReceiver r(&Read, &t);
    if (deflate) r.EnableDeflate(Inflater::Config{});
    std::vector<Event> got;
    const CURLcode rc = Drain(&r, &got);
    CHECK(rc == CURLE_GOT_NOTHING, "end code " + std::to_string(rc) + ": " + r.failure().message);
    CHECK(got.size() == want.size(),
          std::to_string(got.size()) + " events, want " + std::to_string(want.size()));
    for (size_t i = 0; i < want.size(); i++)
      CHECK(got[i] == want[i], "event " + std::to_string(i) + " differs");
    r.ReleaseIdle();
    // The input buffer (64 KiB) is gone; only a context-takeover inflate stream may stay.
    CHECK(deflate ? r.memory() < 64 * 1024 : r.memory() == 0,
          "idle memory " + std::to_string(r.memory()));
  }
}

// Receivers on one thread share a spare input buffer (ReleaseIdle() parks it, the next Fill()
// of any receiver takes it): several receivers read their own streams in random turns, each
// giving up its buffer at random moments (only an empty one may go), some destroyed half way
// and replaced by a fresh one on a stream of their own; every stream still comes out whole and
// in order, and no receiver ever sees another's bytes.
SUITE(raw_receiver_interleaved) {
  constexpr int kReaders = 6;
  struct Reader {
    Transport t;
    std::unique_ptr<PeerDeflate> peer;  // a new stream needs a new compressor
    std::vector<Event> want, got;
    std::unique_ptr<RawReceiver> r;
    std::unique_ptr<Assembly> a;
    bool done = false;
  };
  auto start = [](Reader* x, bool deflate) {
    x->t = Transport{};
    x->peer = std::make_unique<PeerDeflate>();
    x->want = RandomStream(&x->t, x->peer.get(), deflate);
    x->got.clear();
    x->r = std::make_unique<RawReceiver>(&Read, &x->t);
    if (deflate) x->r->EnableDeflate(Inflater::Config{});
    x->a = std::make_unique<Assembly>(Assembly{&x->got});
    x->done = false;
  };
  for (int it = 0; it < check::ctx().iterations && !check::ctx().failed; it++) {
    std::vector<std::unique_ptr<Reader>> readers;
    for (int i = 0; i < kReaders; i++) {
      readers.push_back(std::make_unique<Reader>());
      start(readers.back().get(), i % 3 != 0);
    }
    int restarts = 0;
    for (int left = kReaders, guard = 0; left > 0 && guard < 10000000; guard++) {
      Reader& x = *readers[Rand(kReaders)];
      if (x.done) continue;
      if (restarts < 3 && Rand(500) == 0) {
        // Destroyed with whatever its buffer holds; a new stream (and receiver) takes its place.
        restarts++;
        x.r.reset();
        start(&x, Rand(2));
        continue;
      }
      const CURLcode rc = x.a->Step(x.r.get());
      if (rc == CURLE_AGAIN || Rand(4) == 0) x.r->ReleaseIdle();
      if (rc == CURLE_OK || rc == CURLE_AGAIN) continue;
      CHECK(rc == CURLE_GOT_NOTHING,
            "end code " + std::to_string(rc) + ": " + x.r->failure().message);
      CHECK(x.got == x.want, std::to_string(x.got.size()) + " events, want " +
                                 std::to_string(x.want.size()) + ", or one differs");
      x.r->ReleaseIdle();
      x.done = true;
      left--;
    }
    for (auto& x : readers) CHECK(x->done, "a reader never reached its stream's end");
  }
}

SUITE(raw_receiver_failures) {
  // A 64 MiB bomb in one compressed frame, maxPayload 1 MiB: 1009 after at most 1 MiB + 1 bytes.
  {
    Transport t;
    PeerDeflate peer;
    const Bytes zeros(64 << 20, 0);
    const Bytes bomb = peer.Message(zeros);
    Frame(&t.wire, 0xc2, bomb.data(), bomb.size());
    RawReceiver r(&Read, &t);
    Inflater::Config c;
    c.max_message = 1 << 20;
    r.EnableDeflate(c);
    std::vector<Event> got;
    uint64_t bytes = 0;
    CHECK(Drain(&r, &got, &bytes) == CURLE_RECV_ERROR, "bomb not stopped");
    CHECK(bytes <= (1u << 20) + 1, "inflated " + std::to_string(bytes));
    CHECK(
        r.failure().close_code == 1009 && std::string(r.failure().code) == "WS_ERR_MESSAGE_TOO_BIG",
        r.failure().message);
    size_t n = 1;
    const curl_ws_frame* m = nullptr;
    uint8_t b[4];
    CHECK(r.Recv(b, 4, &n, &m) == CURLE_RECV_ERROR && n == 0 && !m, "usable after failing");
  }
  struct Case {
    const char* name;
    Bytes wire;
    bool deflate;
    uint16_t close_code;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"RSV1 without deflate", {0xc1, 0x01, 'x'}, false, 1002, "WS_ERR_PROTOCOL"},
      {"RSV1 on a continuation", {0x41, 0x01, 0x00, 0xc0, 0x00}, true, 1002, "WS_ERR_PROTOCOL"},
      {"RSV1 on PING", {0xc9, 0x00}, true, 1002, "WS_ERR_PROTOCOL"},
      {"corrupt deflate data",
       {0xc1, 0x02, 0xff, 0xff},
       true,
       1007,
       "WS_ERR_INVALID_COMPRESSED_DATA"},
      {"masked", {0x81, 0x81, 1, 2, 3, 4, 'x'}, true, 1002, "WS_ERR_PROTOCOL"},
  };
  for (const Case& k : cases) {
    Transport t;
    t.wire = k.wire;
    RawReceiver r(&Read, &t);
    if (k.deflate) r.EnableDeflate(Inflater::Config{});
    std::vector<Event> got;
    CHECK(Drain(&r, &got) == CURLE_RECV_ERROR, std::string(k.name) + ": not refused");
    CHECK(r.failure().close_code == k.close_code && std::string(r.failure().code) == k.code,
          std::string(k.name) + ": " + r.failure().message);
  }
  {
    // EOF in the middle of a frame: CURLE_GOT_NOTHING, as curl_ws_recv() says it.
    Transport t;
    t.wire = {0x82, 0x05, 'a', 'b'};
    RawReceiver r(&Read, &t);
    std::vector<Event> got;
    CHECK(Drain(&r, &got) == CURLE_GOT_NOTHING && got.empty(), "EOF mid-frame");
  }
  {
    // A transport error is passed on as it is.
    Transport t;
    t.wire = {0x81, 0x01, 'a'};
    t.error = CURLE_SSL_CONNECT_ERROR;
    RawReceiver r(&Read, &t);
    std::vector<Event> got;
    CHECK(Drain(&r, &got) == CURLE_SSL_CONNECT_ERROR && got.size() == 1, "transport error");
  }
  {
    // Idle: no input buffer, and no inflate stream under server_no_context_takeover.
    Transport t;
    PeerDeflate peer;
    const Bytes p = peer.Message(Text(10000));
    Frame(&t.wire, 0xc1, p.data(), p.size());
    RawReceiver r(&Read, &t);
    Inflater::Config c;
    c.no_context_takeover = true;
    r.EnableDeflate(c);
    std::vector<Event> got;
    CHECK(Drain(&r, &got) == CURLE_GOT_NOTHING && got.size() == 1, "one message");
    r.ReleaseIdle();
    CHECK(r.memory() == 0, "idle memory " + std::to_string(r.memory()));
  }
}

}  // namespace

// native/protocol/frame_parser: random valid frame streams fed in random pieces (down to one
// byte, with random chunk limits and direct reads via Skip()) must come out as exactly the frames
// that went in, with curl_ws_recv()'s metadata; every protocol violation must fail with
// libcurl's message, the right close code, at the first byte that shows it, and stay failed;
// a frame declaring 2^62 bytes must not make the parser allocate anything.
#include "protocol/frame_parser.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "check.h"

// Counts heap allocations (the parser must make none while parsing).
static long g_allocations = 0;
void* operator new(size_t n) {
  g_allocations++;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace {

using check::Rand;
using curlws::FrameChunk;
using curlws::FrameParser;

struct Frame {
  int flags;  // what curl_ws_recv() would report
  bool compressed;
  bool message_start;
  std::vector<uint8_t> payload;
};

// Appends one server frame. `length_form`: 0 minimal, 1 force 16-bit, 2 force 64-bit.
void Encode(std::vector<uint8_t>* wire, uint8_t b0, const std::vector<uint8_t>& payload,
            int length_form) {
  const uint64_t n = payload.size();
  wire->push_back(b0);
  if (n < 126 && length_form == 0) {
    wire->push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xffff && length_form != 2) {
    wire->push_back(126);
    wire->push_back(static_cast<uint8_t>(n >> 8));
    wire->push_back(static_cast<uint8_t>(n));
  } else {
    wire->push_back(127);
    for (int i = 7; i >= 0; i--) wire->push_back(static_cast<uint8_t>(n >> (8 * i)));
  }
  wire->insert(wire->end(), payload.begin(), payload.end());
}

std::vector<uint8_t> Bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(Rand(256));
  return v;
}

size_t RandomSize() {
  static const size_t kSizes[] = {0, 1, 2, 125, 126, 127, 128, 65535, 65536, 65537, 200000};
  return Rand(3) ? Rand(300) : kSizes[Rand(sizeof kSizes / sizeof *kSizes)];
}

// A random valid stream: messages (fragmented or not, RSV1 on first frames when `deflate`),
// control frames between fragments and between messages, every length form.
void MakeStream(bool deflate, std::vector<uint8_t>* wire, std::vector<Frame>* frames) {
  const int messages = 1 + static_cast<int>(Rand(12));
  for (int m = 0; m < messages; m++) {
    const bool text = Rand(2);
    const bool compressed = deflate && Rand(2);
    const int fragments = Rand(3) ? 1 : 2 + static_cast<int>(Rand(4));
    for (int f = 0; f < fragments; f++) {
      if (Rand(4) == 0) {  // a control frame before this fragment
        static const int kOps[] = {8, 9, 10};
        const int op = kOps[Rand(3)];
        std::vector<uint8_t> p = Bytes(Rand(126));
        Encode(wire, static_cast<uint8_t>(0x80 | op), p, 0);  // see "PING, 16-bit form" below
        frames->push_back({op == 8   ? CURLWS_CLOSE
                           : op == 9 ? CURLWS_PING
                                     : CURLWS_PONG,
                           false, false, p});
      }
      const bool fin = f == fragments - 1;
      const int opcode = f == 0 ? (text ? 1 : 2) : 0;
      uint8_t b0 =
          static_cast<uint8_t>((fin ? 0x80 : 0) | opcode | (f == 0 && compressed ? 0x40 : 0));
      std::vector<uint8_t> p = Bytes(RandomSize());
      Encode(wire, b0, p, static_cast<int>(Rand(8) == 0 ? 1 + Rand(2) : 0));
      frames->push_back(
          {(text ? CURLWS_TEXT : CURLWS_BINARY) | (fin ? 0 : CURLWS_CONT), compressed, f == 0, p});
    }
  }
}

// Feeds `wire` to the parser in random pieces and rebuilds the frames from the chunks, checking
// each chunk's metadata against the frame it belongs to.
struct Rebuilt {
  const std::vector<Frame>& want;
  size_t frame = 0;
  uint64_t offset = 0;  // payload bytes of want[frame] seen so far
  std::vector<uint8_t> got;

  bool Add(const FrameChunk& c, const uint8_t* bytes, size_t max_chunk) {
    CHECK_B(frame < want.size(), "a chunk past the last frame");
    const Frame& w = want[frame];
    const std::string where = " (frame " + std::to_string(frame) + ")";
    CHECK_B(c.meta.flags == w.flags,
            "flags " + std::to_string(c.meta.flags) + " want " + std::to_string(w.flags) + where);
    CHECK_B(c.compressed == w.compressed, "compressed bit" + where);
    CHECK_B(c.message_start == (w.message_start && offset == 0), "message_start" + where);
    CHECK_B(static_cast<uint64_t>(c.meta.offset) == offset, "offset" + where);
    CHECK_B(c.meta.len <= max_chunk, "len over max_chunk" + where);
    CHECK_B(offset + c.meta.len + static_cast<uint64_t>(c.meta.bytesleft) == w.payload.size(),
            "offset + len + bytesleft != frame size" + where);
    CHECK_B(c.meta.len > 0 || w.payload.empty(), "empty chunk of a non-empty frame" + where);
    CHECK_B(c.meta.len == 0 || std::memcmp(w.payload.data() + offset, bytes, c.meta.len) == 0,
            "bytes" + where);
    got.insert(got.end(), bytes, bytes + c.meta.len);
    offset += c.meta.len;
    if (c.meta.bytesleft == 0) {
      CHECK_B(got == w.payload, "payload" + where);
      got.clear();
      offset = 0;
      frame++;
    }
    return true;
  }
};

bool Replay(FrameParser* parser, const std::vector<uint8_t>& wire, const std::vector<Frame>& want) {
  Rebuilt r{want};
  size_t pos = 0;
  while (pos < wire.size()) {
    const size_t avail = wire.size() - pos;
    // Sometimes the caller reads payload straight into its own memory, then calls Skip().
    if (parser->payload_left() > 0 && Rand(4) == 0) {
      const size_t n = 1 + Rand(std::min<uint64_t>(parser->payload_left(), avail));
      FrameChunk c;
      parser->Skip(n, &c);
      CHECK_B(c.data == nullptr && c.meta.len == n, "Skip chunk");
      if (!r.Add(c, wire.data() + pos, n)) return false;
      pos += n;
      continue;
    }
    // The next network read: 1 byte, a few, or a lot; parsed until the parser wants more.
    size_t piece = Rand(3) == 0 ? 1 : Rand(2) ? 1 + Rand(64) : 1 + Rand(200000);
    if (piece > avail) piece = avail;
    size_t off = 0;
    for (;;) {
      FrameChunk c;
      size_t used = 0;
      const size_t max_chunk = Rand(3) == 0 ? 1 + Rand(16) : 1 + Rand(1 << 20);
      const FrameParser::Result res =
          parser->Next(wire.data() + pos + off, piece - off, max_chunk, &c, &used);
      CHECK_B(res != FrameParser::Result::kError,
              "valid stream rejected: " + parser->failure().message);
      CHECK_B(used <= piece - off, "used more than given");
      if (res == FrameParser::Result::kNeedMore) {
        CHECK_B(used == piece - off, "kNeedMore with input left");
        break;
      }
      CHECK_B(c.data == wire.data() + pos + off + used - c.meta.len, "chunk not inside the input");
      if (!r.Add(c, c.data, max_chunk)) return false;
      off += used;
    }
    pos += piece;
  }
  CHECK_B(r.frame == want.size(),
          "input ended with " + std::to_string(want.size() - r.frame) + " frames missing");
  CHECK_B(!parser->in_message(), "message still open at the end");
  return true;
}

SUITE(frame_parser_streams) {
  for (int it = 0; it < check::ctx().iterations && !check::ctx().failed; it++) {
    const bool deflate = it % 2;
    std::vector<uint8_t> wire;
    std::vector<Frame> frames;
    MakeStream(deflate, &wire, &frames);
    FrameParser parser(deflate);
    if (!Replay(&parser, wire, frames)) return;
  }
}

struct Violation {
  const char* name;
  bool deflate;
  std::vector<uint8_t> wire;  // valid frames first, then the offending header
  size_t fail_at;             // index of the byte that shows the violation
  uint16_t close_code;
  const char* code;
  const char* message;  // prefix of the failure message
};

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<Violation> Violations() {
  const std::vector<uint8_t> hello = {0x81, 0x05, 'h', 'e', 'l', 'l', 'o'};
  const std::vector<uint8_t> frag = {0x01, 0x02, 'h', 'e'};  // TEXT, FIN=0
  std::vector<Violation> v;
  const char* proto = "WS_ERR_PROTOCOL";
  v.push_back({"RSV1 without permessage-deflate", false, Cat({hello, {0xc1, 0x00}}), 7, 1002, proto,
               "[WS] invalid reserved bits: c1"});
  v.push_back({"RSV2", true, {0xa1, 0x00}, 0, 1002, proto, "[WS] invalid reserved bits: a1"});
  v.push_back({"RSV3", true, {0x91, 0x00}, 0, 1002, proto, "[WS] invalid reserved bits: 91"});
  v.push_back({"RSV1+RSV2+RSV3 on a binary frame",
               true,
               {0xf2, 0x00},
               0,
               1002,
               proto,
               "[WS] invalid reserved bits: f2"});
  v.push_back({"RSV1 on a continuation", true, Cat({{0x41, 0x01, 'x'}, {0xc0, 0x00}}), 3, 1002,
               proto, "[WS] RSV1 set on a continuation frame"});
  v.push_back(
      {"RSV1 on PING", true, {0xc9, 0x00}, 0, 1002, proto, "[WS] RSV1 set on a control frame: c9"});
  v.push_back({"RSV1 on CLOSE",
               true,
               {0xc8, 0x02, 0x03, 0xe8},
               0,
               1002,
               proto,
               "[WS] RSV1 set on a control frame"});
  v.push_back({"RSV1 on PONG between fragments", true, Cat({frag, {0xca, 0x00}}), 4, 1002, proto,
               "[WS] RSV1 set on a control frame"});
  for (int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    static char names[16][32];
    std::snprintf(names[op], sizeof names[op], "reserved opcode %d", op);
    static char msgs[16][32];
    std::snprintf(msgs[op], sizeof msgs[op], "[WS] invalid opcode: %02x", 0x80 | op);
    v.push_back({names[op], op % 2 == 0, Cat({hello, {static_cast<uint8_t>(0x80 | op), 0x00}}), 7,
                 1002, proto, msgs[op]});
  }
  v.push_back({"continuation without a message (FIN)",
               false,
               {0x80, 0x00},
               0,
               1002,
               proto,
               "[WS] no ongoing fragmented message to resume"});
  v.push_back({"continuation without a message (no FIN)", false, Cat({hello, {0x00, 0x00}}), 7,
               1002, proto, "[WS] no ongoing fragmented message to resume"});
  v.push_back({"continuation after the message ended", false,
               Cat({frag, {0x80, 0x01, 'y'}, {0x80, 0x00}}), 7, 1002, proto,
               "[WS] no ongoing fragmented message to resume"});
  v.push_back({"TEXT inside a fragmented message", false, Cat({frag, {0x81, 0x00}}), 4, 1002, proto,
               "[WS] fragmented message interrupted by new TEXT msg"});
  v.push_back({"BINARY inside a fragmented message", true, Cat({frag, {0x82, 0x00}}), 4, 1002,
               proto, "[WS] fragmented message interrupted by new BINARY msg"});
  v.push_back({"compressed TEXT inside a fragmented message", true, Cat({frag, {0xc1, 0x00}}), 4,
               1002, proto, "[WS] fragmented message interrupted by new TEXT msg"});
  v.push_back({"fragmented PING",
               false,
               {0x09, 0x00},
               0,
               1002,
               proto,
               "[WS] invalid fragmented PING frame"});
  v.push_back({"fragmented PONG",
               false,
               {0x0a, 0x00},
               0,
               1002,
               proto,
               "[WS] invalid fragmented PONG frame"});
  v.push_back({"fragmented CLOSE",
               false,
               {0x08, 0x00},
               0,
               1002,
               proto,
               "[WS] invalid fragmented CLOSE frame"});
  v.push_back({"masked frame",
               false,
               {0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'},
               1,
               1002,
               proto,
               "[WS] masked input frame"});
  v.push_back({"masked empty PING",
               true,
               {0x89, 0x80, 1, 2, 3, 4},
               1,
               1002,
               proto,
               "[WS] masked input frame"});
  v.push_back({"PING of 126 bytes",
               false,
               {0x89, 0x7e, 0x00, 0x7e},
               1,
               1002,
               proto,
               "[WS] received PING frame is too big"});
  v.push_back({"PONG with a 64-bit length",
               false,
               {0x8a, 0x7f, 0, 0, 0, 0, 0, 0, 0, 1},
               1,
               1002,
               proto,
               "[WS] received PONG frame is too big"});
  // libcurl judges a control frame by its 7-bit length code: the 16-bit form is refused even
  // for a short payload (it could only be non-minimal), and so is it here.
  v.push_back({"PING of 5 bytes, 16-bit form",
               false,
               {0x89, 0x7e, 0x00, 0x05},
               1,
               1002,
               proto,
               "[WS] received PING frame is too big"});
  v.push_back({"CLOSE of 126 bytes (16-bit form)",
               false,
               {0x88, 0x7e, 0x00, 0x7e},
               1,
               1002,
               proto,
               "[WS] received CLOSE frame is too big"});
  v.push_back({"64-bit length with the MSB set",
               false,
               {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0},
               9,
               1009,
               "WS_ERR_MESSAGE_TOO_BIG",
               "[WS] frame length longer than 63 bits not supported"});
  v.push_back({"64-bit length 0xffff... after a valid message", true,
               Cat({hello, {0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}), 16, 1009,
               "WS_ERR_MESSAGE_TOO_BIG", "[WS] frame length longer than 63 bits not supported"});
  return v;
}

SUITE(frame_parser_violations) {
  for (const Violation& v : Violations()) {
    for (int mode = 0; mode < 3 && !check::ctx().failed; mode++) {
      // mode 0: all at once; 1: byte by byte; 2: random pieces.
      FrameParser parser(v.deflate);
      size_t pos = 0;
      size_t call_start = 0, call_len = 0;  // the input of the call that failed
      FrameParser::Result r = FrameParser::Result::kNeedMore;
      while (pos < v.wire.size() && r != FrameParser::Result::kError) {
        size_t piece = mode == 0 ? v.wire.size() - pos : mode == 1 ? 1 : 1 + Rand(4);
        if (piece > v.wire.size() - pos) piece = v.wire.size() - pos;
        size_t off = 0;
        for (;;) {
          FrameChunk c;
          size_t used = 0;
          call_start = pos + off;
          call_len = piece - off;
          r = parser.Next(v.wire.data() + pos + off, piece - off, 1 << 20, &c, &used);
          off += used;
          if (r != FrameParser::Result::kChunk) break;
        }
        pos += piece;
      }
      const std::string name = std::string(v.name) + " (mode " + std::to_string(mode) + ")";
      CHECK(r == FrameParser::Result::kError, name + ": not rejected");
      // Rejected by the call that was handed the byte that shows the violation (not later).
      CHECK(call_start <= v.fail_at && v.fail_at < call_start + call_len,
            name + ": rejected with bytes " + std::to_string(call_start) + ".." +
                std::to_string(call_start + call_len));
      const curlws::WireFailure& f = parser.failure();
      CHECK(f.close_code == v.close_code, name + ": close code " + std::to_string(f.close_code));
      CHECK(std::string(f.code) == v.code, name + ": code " + f.code);
      CHECK(f.message.rfind(v.message, 0) == 0, name + ": message \"" + f.message + "\"");
      // And it stays failed.
      FrameChunk c;
      size_t used = 7;
      CHECK(parser.Next(v.wire.data(), v.wire.size(), 100, &c, &used) ==
                    FrameParser::Result::kError &&
                used == 0,
            name + ": recovered after an error");
    }
  }
}

SUITE(frame_parser_lengths) {
  // Non-minimal length encodings are accepted (libcurl accepts them too).
  for (size_t n : {0, 1, 5, 125, 126, 65535}) {
    for (int form = 1; form <= 2; form++) {
      if (n > 0xffff && form == 1) continue;
      std::vector<uint8_t> wire;
      std::vector<uint8_t> p(n, 'a');
      Encode(&wire, 0x82, p, form);
      FrameParser parser;
      FrameChunk c;
      size_t used = 0;
      std::vector<uint8_t> got;
      size_t pos = 0;
      FrameParser::Result r;
      do {
        r = parser.Next(wire.data() + pos, wire.size() - pos, 1 << 20, &c, &used);
        pos += used;
        if (r == FrameParser::Result::kChunk) got.insert(got.end(), c.data, c.data + c.meta.len);
      } while (r == FrameParser::Result::kChunk && c.meta.bytesleft > 0);
      CHECK(r == FrameParser::Result::kChunk && got == p && pos == wire.size(),
            "non-minimal length " + std::to_string(n) + " form " + std::to_string(form));
      CHECK(c.meta.flags == CURLWS_BINARY, "flags of a final binary frame");
    }
  }
  // A frame that declares 2^62 bytes: chunks of what arrives, a bytesleft that counts down from
  // the declared size, and no allocation at all (sizes from the network bound reads, never
  // reservations).
  const uint64_t huge = uint64_t{1} << 62;
  std::vector<uint8_t> wire = {0x02, 0x7f};
  for (int i = 7; i >= 0; i--) wire.push_back(static_cast<uint8_t>(huge >> (8 * i)));
  std::vector<uint8_t> body(100000, 'z');
  FrameParser parser;
  FrameChunk c;
  size_t used = 0;
  const long allocations = g_allocations;
  FrameParser::Result r = parser.Next(wire.data(), wire.size(), 4096, &c, &used);
  CHECK(r == FrameParser::Result::kNeedMore && used == wire.size(), "header alone");
  CHECK(parser.payload_left() == huge, "payload_left after the header");
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    r = parser.Next(body.data() + pos, body.size() - pos, 4096, &c, &used);
    CHECK(r == FrameParser::Result::kChunk && c.meta.len == used && used <= 4096, "huge chunk");
    pos += used;
    total += used;
    CHECK(static_cast<uint64_t>(c.meta.bytesleft) == huge - total, "bytesleft of a huge frame");
    CHECK(c.meta.flags == (CURLWS_BINARY | CURLWS_CONT), "flags of a huge first fragment");
  }
  CHECK(g_allocations == allocations, "the parser allocated while parsing");
  CHECK(parser.in_message(), "huge fragmented message open");
}

}  // namespace

// Events for JS, collected during one uv callback and delivered in one call (design.md: one
// call into JS per readable event, not per message).
//
// Messages are kept in native memory until delivery and only then turned into JS values, inside
// the HandleScope of that delivery: a long drain that delivers many batches then holds no handles
// from earlier batches (handles pile up in the callback's scope otherwise: every scavenge walks
// them, and every message Buffer of the drain stays alive until it ends). What JS gets
// (lib/core/contract.ts, Dispatcher):
//   meta:   Int32Array of [type, a, b, c] quadruples; types must match NativeEvent;
//   values: JS values the events refer to by index, or undefined;
//   arena:  one ArrayBuffer with the batch's small binary messages and PING/PONG payloads;
//   text:   one string with the batch's small text messages, sliced by UTF-16 offsets.
// One arena and one string per batch instead of one Buffer or string per message: a backing
// store or a Node-API call per message is what dominated receiving small messages.
//
// A message whose JS value cannot be made (Node-API refuses: no memory, or the environment is
// going away) is not delivered, nor is any message after it in the batch (the application
// must never see a gap); the events before it are. failure() then says what to fail the
// connection with. Large binary messages become external Buffers over the received block, so
// no allocation of the message's size ever happens inside V8 (which aborts the process when
// one fails).
//
// Ownership/threading: lives on the stack of a DispatchScope (session.cc); loop thread only.
// Values passed to Add() must stay valid until delivery: create them in the DispatchScope's
// HandleScope (not in a narrower one).
#ifndef CURLWS_NATIVE_EVENT_BATCH_H_
#define CURLWS_NATIVE_EVENT_BATCH_H_

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "memory/message_block.h"
#include "protocol/handshake.h"

namespace curlws {

// Layout of a, b, c per type: "v" = index into values (-1 = undefined), "n" = a number.
// Numbered as NativeEvent in lib/core/contract.ts (test/unit/event-enum.test.ts compares the two).
enum class EventType : int32_t {
  kOpen = 1,     // a v: subprotocol, b v: extension (undefined: none)
  kMessage = 2,  // a v: string | Buffer (text too with textAs 'bytes'), b n: 1 if binary
  kPing = 3,     // a n, b n: offset and length of the payload in the arena
  kPong = 4,     // as kPing
  kSent = 5,     // v: data count, control count
  kDrain = 6,
  kError = 7,         // v: error object
  kPeerClose = 8,     // v: code, reason
  kClosed = 9,        // v: code, reason, wasClean
  kTrace = 10,        // v: line
  kBinarySlice = 11,  // a n, b n: offset and length of a message in the arena; c n: 1 if
                      // it is text (textAs 'bytes'), else binary
  kTextSlice = 12,    // a n, b n: start and end (UTF-16 units) of a text message in `text`
};

// What went wrong, as the TS layer turns it into an error class (lib/core/errors.ts).
struct ErrorInfo {
  std::string code;  // WS_ERR_*; empty when curl_code names the error
  std::string message;
  int curl_code = -1;  // CURLcode, -1 = none
  long status = 0;     // HTTP status of a refused handshake
  HeaderList headers;  // and its headers
  uint16_t close_code = 0;
  long proxy_status = 0;  // HTTP status of a refused proxy CONNECT
};

class EventBatch {
 public:
  // Takes the thread's spare containers (see Spare in event_batch.cc): a batch is made for
  // every readable event, and growing fresh ones cost several mallocs per echoed message.
  explicit EventBatch(Napi::Env env);
  ~EventBatch();  // frees what was not delivered, gives the containers back
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  // An event whose fields are JS values (see the "v" types above).
  void Add(EventType type, napi_value a = nullptr, napi_value b = nullptr, napi_value c = nullptr);
  // A binary message or a PING/PONG payload, copied into the arena.
  void AddSlice(EventType type, const uint8_t* data, size_t len);
  // A message delivered as a Buffer (binary, or text as its validated UTF-8 bytes), copied
  // into the arena.
  void AddBytes(const uint8_t* data, size_t len, bool binary);
  // A text message (valid UTF-8), copied into the batch's text; `ascii` if all bytes < 0x80.
  void AddText(const uint8_t* data, size_t len, bool ascii);
  // A message in a block the batch takes over: `as_bytes`, it becomes an external Buffer over
  // it (freed by its finalizer); else (text) it is copied into a string and freed.
  void AddBlock(MessageBlock::Detached block, size_t len, bool binary, bool ascii, bool as_bytes);

  size_t events() const { return meta_.size() / 4; }
  bool empty() const { return meta_.empty(); }
  // Payload bytes held for JS: a batch is delivered before it grows past a bound.
  size_t bytes() const { return arena_.size() + text_.size() + block_bytes_; }

  // Builds the four dispatcher arguments (meta, values, arena, text) in the caller's
  // HandleScope and starts anew. Messages whose value could not be made are left out (see
  // above); throws only when not even the batch's containers can be made.
  void Take(napi_value out[4]);
  Napi::Env env() const { return env_; }

  // Set when Take() left messages out: the connection must fail with this (then cleared).
  bool failed() const { return failed_; }
  void clear_failure() { failed_ = false; }

 private:
  struct Spare;
  static Spare& ThreadSpare();
  struct Value {
    napi_value js = nullptr;   // a ready JS value, or:
    uint8_t* block = nullptr;  // a message to turn into one at Take()
    size_t mapped = 0;         // MessageBlock::Detached::mapped of `block`
    size_t size = 0;
    bool as_bytes = false;  // a Buffer, else a string
    bool ascii = false;
  };
  int32_t Push(napi_value v);
  void Meta(EventType type, int32_t a, int32_t b, int32_t c) {
    meta_.push_back(static_cast<int32_t>(type));
    meta_.push_back(a);
    meta_.push_back(b);
    meta_.push_back(c);
  }
  // The JS value of a message block (freed or handed over either way); nullptr on failure.
  napi_value Materialize(Value* v);
  static void FreeBlock(Value* v);
  static bool IsMessage(int32_t type);

  Napi::Env env_;
  bool uses_spare_ = false;  // the containers below came from the thread's Spare
  std::vector<int32_t> meta_;
  std::vector<Value> values_;
  std::string arena_;
  bool has_arena_ = false;  // an arena is sent even if all its slices are empty
  std::string text_;
  bool has_text_ = false;
  bool text_ascii_ = true;
  size_t text_units_ = 0;  // UTF-16 length of text_
  size_t block_bytes_ = 0;
  bool failed_ = false;
};

Napi::Value HeadersToJs(Napi::Env env, const HeaderList& headers);
Napi::Object ErrorToJs(Napi::Env env, const ErrorInfo& info);

}  // namespace curlws

#endif  // CURLWS_NATIVE_EVENT_BATCH_H_

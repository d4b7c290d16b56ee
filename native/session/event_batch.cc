#include "session/event_batch.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "protocol/utf8_validator.h"

namespace curlws {
namespace {

void Check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

// An ArrayBuffer holding a copy of `data`. napi_create_arraybuffer would zero the memory first
// (a memset as large as the copy, 4% of receiving 1 KiB messages); a Buffer's store is not.
napi_status CopyToArrayBuffer(napi_env env, const void* data, size_t len, napi_value* out) {
  napi_value buffer;
  size_t offset = 0;
  napi_status status = napi_create_buffer_copy(env, len, data, nullptr, &buffer);
  if (status != napi_ok) return status;
  status = napi_get_typedarray_info(env, buffer, nullptr, nullptr, nullptr, out, &offset);
  if (status != napi_ok || offset == 0) return status;
  // Not seen: Node gives a C++-made Buffer a store of its own.
  void* copy = nullptr;
  status = napi_create_arraybuffer(env, len, &copy, out);
  if (status == napi_ok && len) std::memcpy(copy, data, len);
  return status;
}

}  // namespace

// The containers of the last batch on this thread, emptied but with their capacity, for the next
// one. One per thread (each Node environment runs on its own); a batch made while another is
// alive on the same thread (not seen: dispatches of different sessions do not nest) grows its
// own. Plain bytes and ints only: no JS value outlives its batch.
struct EventBatch::Spare {
  bool lent = false;
  std::vector<int32_t> meta;
  std::vector<Value> values;
  std::string arena;
  std::string text;
};

namespace {
// Beyond this a container is not kept: a batch of one large flood must not pin its memory.
constexpr size_t kSpareBytesMax = 16 * 1024;
}  // namespace

EventBatch::Spare& EventBatch::ThreadSpare() {
  static thread_local Spare spare;
  return spare;
}

EventBatch::EventBatch(Napi::Env env) : env_(env) {
  Spare& spare = ThreadSpare();
  if (spare.lent) return;
  spare.lent = true;
  uses_spare_ = true;
  meta_.swap(spare.meta);
  values_.swap(spare.values);
  arena_.swap(spare.arena);
  text_.swap(spare.text);
}

EventBatch::~EventBatch() {
  for (Value& v : values_) FreeBlock(&v);
  if (!uses_spare_) return;
  Spare& spare = ThreadSpare();
  spare.lent = false;
  // Emptied (Take() empties them too, but a batch can die undelivered); a large one is freed.
  auto keep = [](auto& from, auto& to, size_t bytes) {
    from.clear();
    if (bytes <= kSpareBytesMax) from.swap(to);
  };
  keep(meta_, spare.meta, meta_.capacity() * sizeof(int32_t));
  keep(values_, spare.values, values_.capacity() * sizeof(Value));
  keep(arena_, spare.arena, arena_.capacity());
  keep(text_, spare.text, text_.capacity());
}

void EventBatch::FreeBlock(Value* v) {
  if (v->block) MessageBlock::Free(v->block, v->mapped);
  v->block = nullptr;
}

bool EventBatch::IsMessage(int32_t type) {
  return type == static_cast<int32_t>(EventType::kMessage) ||
         type == static_cast<int32_t>(EventType::kBinarySlice) ||
         type == static_cast<int32_t>(EventType::kTextSlice);
}

int32_t EventBatch::Push(napi_value v) {
  if (!v) return -1;
  values_.push_back(Value{v});
  return static_cast<int32_t>(values_.size() - 1);
}

void EventBatch::Add(EventType type, napi_value a, napi_value b, napi_value c) {
  int32_t ia = Push(a);
  int32_t ib = Push(b);
  int32_t ic = Push(c);
  Meta(type, ia, ib, ic);
}

void EventBatch::AddSlice(EventType type, const uint8_t* data, size_t len) {
  size_t offset = arena_.size();
  arena_.append(reinterpret_cast<const char*>(data), len);
  has_arena_ = true;
  Meta(type, static_cast<int32_t>(offset), static_cast<int32_t>(len), 0);
}

void EventBatch::AddBytes(const uint8_t* data, size_t len, bool binary) {
  AddSlice(EventType::kBinarySlice, data, len);
  meta_.back() = binary ? 0 : 1;
}

void EventBatch::AddText(const uint8_t* data, size_t len, bool ascii) {
  size_t start = text_units_;
  text_.append(reinterpret_cast<const char*>(data), len);
  has_text_ = true;
  text_ascii_ = text_ascii_ && ascii;
  text_units_ += ascii ? len : Utf8Validator::Utf16Length(data, len);
  Meta(EventType::kTextSlice, static_cast<int32_t>(start), static_cast<int32_t>(text_units_), 0);
}

void EventBatch::AddBlock(MessageBlock::Detached block, size_t len, bool binary, bool ascii,
                          bool as_bytes) {
  Value v;
  v.block = block.data;
  v.mapped = block.mapped;
  v.size = len;
  v.as_bytes = as_bytes;
  v.ascii = ascii;
  try {
    values_.push_back(v);
  } catch (...) {
    FreeBlock(&v);  // taken over: freed whatever happens
    throw;
  }
  block_bytes_ += len;
  Meta(EventType::kMessage, static_cast<int32_t>(values_.size() - 1), binary ? 1 : 0, 0);
}

namespace {

// The Buffer's finalizer; the hint is the block's mapping length (MessageBlock::Detached).
void FreeExternal(napi_env /*env*/, void* data, void* hint) {
  MessageBlock::Free(static_cast<uint8_t*>(data), reinterpret_cast<uintptr_t>(hint));
}

// After a Node-API call failed: true if it failed for a reason of its own (a JS exception
// object is pending, e.g. a RangeError, or no exception at all but an error status), false if
// the environment refused because it can no longer run JS (a worker being terminated), where
// nothing can be delivered anyway. Clears the pending exception either way.
bool GenuineFailure(napi_env env, napi_status status) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) != napi_ok) return false;
    napi_valuetype type = napi_undefined;
    napi_typeof(env, exception, &type);
    return type == napi_object;
  }
  return status != napi_pending_exception && status != napi_cannot_run_js;
}

}  // namespace

napi_value EventBatch::Materialize(Value* v) {
  napi_env env = env_;
  uint8_t* block = v->block;
  napi_value out = nullptr;
  napi_status status;
  if (v->as_bytes) {
    // No copy and, above all, no allocation of the message's size inside V8: that one aborts
    // the process when it fails (v8::ArrayBuffer::NewBackingStore). The Buffer takes the block
    // over; V8 counts it as external memory of the ArrayBuffer, so garbage collection keeps
    // pace with a flood of large messages, and the finalizer frees it.
    status = napi_create_external_buffer(env, v->size, block, FreeExternal,
                                         reinterpret_cast<void*>(v->mapped), &out);
    if (status == napi_ok) {
      v->block = nullptr;
      return out;
    }
    if (status == napi_no_external_buffers_allowed) {
      // Runtimes with V8's sandbox refuse external memory: copy (as large as the message).
      status = napi_create_buffer_copy(env, v->size, block, nullptr, &out);
    }
    // Not taken over: Node-API created no finalizer when it refused (the size is within
    // Buffer's limit, checked on receipt, so the one path that frees on failure is not taken).
  } else if (v->ascii) {
    status = napi_create_string_latin1(env, reinterpret_cast<const char*>(block), v->size, &out);
  } else {
    status = napi_create_string_utf8(env, reinterpret_cast<const char*>(block), v->size, &out);
  }
  FreeBlock(v);
  if (status == napi_ok) return out;
  if (GenuineFailure(env, status)) failed_ = true;
  return nullptr;
}

void EventBatch::Take(napi_value out[4]) {
  napi_env env = env_;
  napi_value undefined;
  Check(env, napi_get_undefined(env, &undefined));

  // The batch's shared containers first: a message in one that could not be made is lost.
  out[2] = undefined;
  bool arena_ok = true;
  if (has_arena_) {
    napi_status status = CopyToArrayBuffer(env, arena_.data(), arena_.size(), &out[2]);
    if (status != napi_ok) {
      arena_ok = false;
      out[2] = undefined;
      if (GenuineFailure(env, status)) failed_ = true;
    }
    arena_.clear();
    has_arena_ = false;
  }
  out[3] = undefined;
  bool text_ok = true;
  if (has_text_) {
    napi_status status = text_ascii_
                             ? napi_create_string_latin1(env, text_.data(), text_.size(), &out[3])
                             : napi_create_string_utf8(env, text_.data(), text_.size(), &out[3]);
    if (status != napi_ok) {
      text_ok = false;
      out[3] = undefined;
      if (GenuineFailure(env, status)) failed_ = true;
    }
    text_.clear();
    has_text_ = false;
    text_ascii_ = true;
    text_units_ = 0;
  }

  // Events in order; from the first message that cannot be delivered on, no message is (the
  // others, such as 'sent' counts, still are). `dropping` also covers a failure that only says
  // the environment is going away: nothing after a gap is delivered either way.
  out[1] = undefined;
  if (!values_.empty()) Check(env, napi_create_array_with_length(env, values_.size(), &out[1]));
  bool dropping = false;
  size_t kept = 0;
  for (size_t r = 0; r + 3 < meta_.size(); r += 4) {
    const int32_t type = meta_[r];
    const int32_t a = meta_[r + 1];
    if (IsMessage(type) || type == static_cast<int32_t>(EventType::kPing) ||
        type == static_cast<int32_t>(EventType::kPong)) {
      const bool message = IsMessage(type);
      if (message && dropping) {
        if (type == static_cast<int32_t>(EventType::kMessage)) FreeBlock(&values_[a]);
        continue;
      }
      bool ok = true;
      if (type == static_cast<int32_t>(EventType::kMessage)) {
        napi_value v = Materialize(&values_[a]);
        ok = v != nullptr;
        if (ok) Check(env, napi_set_element(env, out[1], static_cast<uint32_t>(a), v));
      } else if (type == static_cast<int32_t>(EventType::kTextSlice)) {
        ok = text_ok;
      } else {
        ok = arena_ok;  // binary slices, PING and PONG payloads
      }
      if (!ok) {
        dropping = dropping || message;
        continue;
      }
    } else {
      for (int k = 1; k <= 3; k++) {
        const int32_t index = meta_[r + k];
        if (index >= 0)
          Check(env,
                napi_set_element(env, out[1], static_cast<uint32_t>(index), values_[index].js));
      }
    }
    if (kept != r) std::copy(meta_.begin() + r, meta_.begin() + r + 4, meta_.begin() + kept);
    kept += 4;
  }
  meta_.resize(kept);
  values_.clear();
  block_bytes_ = 0;

  // A fresh ArrayBuffer per delivery, not one reused buffer: tried, and receiving 1 MiB messages
  // then took 2.5 times the CPU — with fewer young-generation allocations V8 collected the
  // messages' Buffers later, in major GCs, so their blocks missed the block cache
  // (message_block.h) and every message faulted in fresh pages.
  napi_value meta;
  Check(env, CopyToArrayBuffer(env, meta_.data(), meta_.size() * sizeof(int32_t), &meta));
  Check(env, napi_create_typedarray(env, napi_int32_array, meta_.size(), meta, 0, &out[0]));
  meta_.clear();
}

Napi::Value HeadersToJs(Napi::Env env, const HeaderList& headers) {
  Napi::Array out = Napi::Array::New(env, headers.size());
  uint32_t i = 0;
  for (const auto& h : headers) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, h.first));
    pair.Set(1u, Napi::String::New(env, h.second));
    out.Set(i++, pair);
  }
  return out;
}

Napi::Object ErrorToJs(Napi::Env env, const ErrorInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", info.code);
  o.Set("message", info.message);
  if (info.curl_code >= 0) o.Set("curlCode", Napi::Number::New(env, info.curl_code));
  if (info.status) {
    o.Set("status", Napi::Number::New(env, static_cast<double>(info.status)));
    o.Set("headers", HeadersToJs(env, info.headers));
  }
  if (info.close_code) o.Set("closeCode", Napi::Number::New(env, info.close_code));
  if (info.proxy_status)
    o.Set("proxyStatus", Napi::Number::New(env, static_cast<double>(info.proxy_status)));
  return o;
}

}  // namespace curlws

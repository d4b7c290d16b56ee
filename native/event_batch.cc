#include "event_batch.h"

#include <cstdlib>
#include <cstring>

#include "utf8_validator.h"

namespace curlws {
namespace {

void Check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

// An ArrayBuffer holding a copy of `data`. napi_create_arraybuffer would zero the memory first
// (a memset as large as the copy, 4% of receiving 1 KiB messages); a Buffer's store is not.
napi_value CopyToArrayBuffer(napi_env env, const void* data, size_t len) {
  napi_value buffer, arraybuffer;
  size_t offset = 0;
  Check(env, napi_create_buffer_copy(env, len, data, nullptr, &buffer));
  Check(env,
        napi_get_typedarray_info(env, buffer, nullptr, nullptr, nullptr, &arraybuffer, &offset));
  if (offset != 0) {  // not seen: Node gives a C++-made Buffer a store of its own
    void* out = nullptr;
    Check(env, napi_create_arraybuffer(env, len, &out, &arraybuffer));
    if (len) std::memcpy(out, data, len);
  }
  return arraybuffer;
}

}  // namespace

EventBatch::~EventBatch() {
  for (Value& v : values_) {
    std::free(v.block);
    if (v.ref) napi_delete_reference(env_, v.ref);
  }
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

void EventBatch::AddText(const uint8_t* data, size_t len, bool ascii) {
  size_t start = text_units_;
  text_.append(reinterpret_cast<const char*>(data), len);
  has_text_ = true;
  text_ascii_ = text_ascii_ && ascii;
  text_units_ += ascii ? len : Utf8Validator::Utf16Length(data, len);
  Meta(EventType::kTextSlice, static_cast<int32_t>(start), static_cast<int32_t>(text_units_), 0);
}

void EventBatch::AddBlock(uint8_t* block, size_t len, bool binary, bool ascii) {
  Value v;
  v.block = block;
  v.size = len;
  v.binary = binary;
  v.ascii = ascii;
  values_.push_back(v);
  block_bytes_ += len;
  Meta(EventType::kMessage, static_cast<int32_t>(values_.size() - 1), binary ? 1 : 0, 0);
}

void EventBatch::AddBuffer(napi_ref ref, size_t len) {
  Value v;
  v.ref = ref;
  values_.push_back(v);
  block_bytes_ += len;
  Meta(EventType::kMessage, static_cast<int32_t>(values_.size() - 1), 1, 0);
}

napi_value EventBatch::Materialize(Value* v) {
  napi_env env = env_;
  napi_value out = nullptr;
  if (v->ref) {
    napi_ref ref = v->ref;
    v->ref = nullptr;
    napi_status status = napi_get_reference_value(env, ref, &out);
    napi_delete_reference(env, ref);
    Check(env, status);
    return out;
  }
  if (!v->block) return v->js;
  uint8_t* block = v->block;
  v->block = nullptr;
  napi_status status;
  if (v->binary) {
    // A copy into memory V8 allocates and accounts for. An external Buffer over our block would
    // save it, but V8 does not see external memory as garbage worth collecting: a flood of large
    // messages then held hundreds of MB. Only fragmented messages come here; the others are
    // received straight into a Buffer (FrameAssembler::RedirectTo).
    status = napi_create_buffer_copy(env, v->size, block, nullptr, &out);
  } else if (v->ascii) {
    status = napi_create_string_latin1(env, reinterpret_cast<const char*>(block), v->size, &out);
  } else {
    status = napi_create_string_utf8(env, reinterpret_cast<const char*>(block), v->size, &out);
  }
  std::free(block);
  Check(env, status);
  return out;
}

void EventBatch::Take(napi_value out[4]) {
  napi_env env = env_;
  napi_value undefined;
  Check(env, napi_get_undefined(env, &undefined));

  napi_value meta = CopyToArrayBuffer(env, meta_.data(), meta_.size() * sizeof(int32_t));
  Check(env, napi_create_typedarray(env, napi_int32_array, meta_.size(), meta, 0, &out[0]));
  meta_.clear();

  out[1] = undefined;
  if (!values_.empty()) {
    Check(env, napi_create_array_with_length(env, values_.size(), &out[1]));
    for (size_t i = 0; i < values_.size(); i++)
      Check(env, napi_set_element(env, out[1], static_cast<uint32_t>(i), Materialize(&values_[i])));
    values_.clear();
    block_bytes_ = 0;
  }

  out[2] = undefined;
  if (has_arena_) {
    out[2] = CopyToArrayBuffer(env, arena_.data(), arena_.size());
    arena_.clear();
    has_arena_ = false;
  }

  out[3] = undefined;
  if (has_text_) {
    Check(env, text_ascii_ ? napi_create_string_latin1(env, text_.data(), text_.size(), &out[3])
                           : napi_create_string_utf8(env, text_.data(), text_.size(), &out[3]));
    text_.clear();
    has_text_ = false;
    text_ascii_ = true;
    text_units_ = 0;
  }
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

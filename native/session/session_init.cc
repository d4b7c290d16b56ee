#include "session/session_init.h"

#include <cmath>
#include <string>

namespace curlws {

namespace {

// For error messages only: the field names of lib/core/contract.ts's SessionInitField.
constexpr const char* kFieldNames[] = {
    "Url",
    "Protocols",
    "Headers",
    "HandshakeTimeout",
    "MaxPayload",
    "CloseTimeout",
    "CaFile",
    "CaBundle",
    "Keylog",
    "CurlOptions",
    "Verbose",
    "PrivateDns",
    "AutoPong",
    "TextAsBytes",
    "Deflate",
    "DeflateServerNoContextTakeover",
    "DeflateClientNoContextTakeover",
    "DeflateServerMaxWindowBits",
    "DeflateClientMaxWindowBits",
    "DeflateThreshold",
    "DeflateLevel",
    "DeflateMemLevel",
};
static_assert(sizeof kFieldNames / sizeof kFieldNames[0] == kInitFieldCount,
              "one name per SessionInitField");

constexpr double kMaxCount = 9007199254740992.0;  // 2^53: every count JS can hold exactly

[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::TypeError err = Napi::TypeError::New(env, message);
  err.Set("code", "ERR_INVALID_ARG_TYPE");
  throw err;
}

}  // namespace

InitReader::InitReader(const Napi::Value& init) : env_(init.Env()) {
  if (!init.IsArray() || init.As<Napi::Array>().Length() != kInitFieldCount)
    ThrowTypeError(env_, "curlws: Session(init, target): init must be an array of " +
                             std::to_string(kInitFieldCount) + " values (SessionInitField)");
  init_ = init.As<Napi::Array>();
}

void InitReader::Wrong(SessionInitField field, const char* expected) const {
  ThrowTypeError(env_, std::string("curlws: Session init[") + std::to_string(field) + "] (" +
                           kFieldNames[field] + ") must be " + expected);
}

std::string InitReader::String(SessionInitField field) const {
  Napi::Value v = Get(field);
  if (!v.IsString()) Wrong(field, "a string");
  return v.As<Napi::String>().Utf8Value();
}

bool InitReader::OptionalString(SessionInitField field, std::string* out) const {
  Napi::Value v = Get(field);
  if (v.IsUndefined()) return false;
  if (!v.IsString()) Wrong(field, "a string or undefined");
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

uint64_t InitReader::Count(SessionInitField field) const {
  Napi::Value v = Get(field);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  // Also false for NaN: a cast of NaN, infinity or a negative number to uint64_t is undefined.
  if (!(d >= 0 && d <= kMaxCount)) Wrong(field, "a number from 0 to 2^53");
  return static_cast<uint64_t>(d);
}

int InitReader::Int(SessionInitField field, int min, int max) const {
  Napi::Value v = Get(field);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= min && d <= max) || std::trunc(d) != d)
    Wrong(field, ("an integer from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
  return static_cast<int>(d);
}

int InitReader::WindowBits(SessionInitField field, int lowest) const {
  Napi::Value v = Get(field);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!((d >= lowest && d <= 0) || (d >= 8 && d <= 15)) || std::trunc(d) != d)
    Wrong(field, ("an integer from 8 to 15, or from " + std::to_string(lowest) + " to 0").c_str());
  return static_cast<int>(d);
}

bool InitReader::Bool(SessionInitField field) const {
  Napi::Value v = Get(field);
  if (!v.IsBoolean()) Wrong(field, "a boolean");
  return v.As<Napi::Boolean>().Value();
}

int InitReader::OptionalBool(SessionInitField field) const {
  Napi::Value v = Get(field);
  if (v.IsUndefined()) return -1;
  if (!v.IsBoolean()) Wrong(field, "a boolean or undefined");
  return v.As<Napi::Boolean>().Value() ? 1 : 0;
}

Napi::Array InitReader::Array(SessionInitField field) const {
  Napi::Value v = Get(field);
  if (!v.IsArray()) Wrong(field, "an array");
  return v.As<Napi::Array>();
}

std::vector<std::string> InitReader::Strings(SessionInitField field) const {
  Napi::Array list = Array(field);
  std::vector<std::string> out;  // no reserve: the length is the caller's word (2^32 - 1)
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsString()) Wrong(field, "an array of strings");
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

Napi::Value InitReader::OptionalBuffer(SessionInitField field) const {
  Napi::Value v = Get(field);
  if (v.IsUndefined()) return Napi::Value();
  if (!v.IsBuffer()) Wrong(field, "a Buffer or undefined");
  return v;
}

}  // namespace curlws

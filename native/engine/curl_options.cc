#include "engine/curl_options.h"

namespace curlws {
namespace {

const char* TypeName(curl_easytype type) {
  switch (type) {
    case CURLOT_LONG: return "long";
    case CURLOT_VALUES: return "values";
    case CURLOT_OFF_T: return "off_t";
    case CURLOT_OBJECT: return "object";
    case CURLOT_STRING: return "string";
    case CURLOT_SLIST: return "slist";
    case CURLOT_CBPTR: return "cbptr";
    case CURLOT_BLOB: return "blob";
    case CURLOT_FUNCTION: return "function";
  }
  return "unknown";
}

// curl_easy_option_by_name matches without the CURLOPT_ prefix.
const curl_easyoption* Lookup(const std::string& name) {
  const char* bare = name.rfind("CURLOPT_", 0) == 0 ? name.c_str() + 8 : name.c_str();
  return curl_easy_option_by_name(bare);
}

constexpr const char kUnsafe[] = "must not hold CR, LF or NUL";

CURLcode SetOne(CURL* easy, const curl_easyoption* opt, const Napi::Value& v,
                std::vector<SlistPtr>* lists, std::string* why) {
  if ((v.IsNull() || v.IsUndefined()) && opt->type == CURLOT_SLIST)
    return curl_easy_setopt(easy, opt->id, static_cast<curl_slist*>(nullptr));
  if ((v.IsNull() || v.IsUndefined()) && opt->type == CURLOT_BLOB)
    return curl_easy_setopt(easy, opt->id, static_cast<curl_blob*>(nullptr));
  switch (opt->type) {
    case CURLOT_LONG:
    case CURLOT_VALUES:
      if (v.IsBoolean())
        return curl_easy_setopt(easy, opt->id, v.As<Napi::Boolean>().Value() ? 1L : 0L);
      if (v.IsNumber())
        return curl_easy_setopt(easy, opt->id,
                                static_cast<long>(v.As<Napi::Number>().Int64Value()));
      *why = "expects a number";
      return CURLE_BAD_FUNCTION_ARGUMENT;
    case CURLOT_OFF_T:
      if (v.IsNumber())
        return curl_easy_setopt(easy, opt->id,
                                static_cast<curl_off_t>(v.As<Napi::Number>().Int64Value()));
      *why = "expects a number";
      return CURLE_BAD_FUNCTION_ARGUMENT;
    case CURLOT_STRING:
      if (v.IsNull() || v.IsUndefined())
        return curl_easy_setopt(easy, opt->id, static_cast<char*>(nullptr));
      if (v.IsString()) {
        std::string s = v.As<Napi::String>().Utf8Value();
        if (!IsWireSafe(s)) {
          *why = kUnsafe;
          return CURLE_BAD_FUNCTION_ARGUMENT;
        }
        return curl_easy_setopt(easy, opt->id, s.c_str());
      }
      *why = "expects a string";
      return CURLE_BAD_FUNCTION_ARGUMENT;
    case CURLOT_SLIST: {
      if (!v.IsArray()) {
        *why = "expects an array of strings";
        return CURLE_BAD_FUNCTION_ARGUMENT;
      }
      Napi::Array items = v.As<Napi::Array>();
      SlistPtr list;
      for (uint32_t i = 0; i < items.Length(); i++) {
        Napi::Value item = items.Get(i);
        if (!item.IsString()) {
          *why = "expects an array of strings";
          return CURLE_BAD_FUNCTION_ARGUMENT;
        }
        std::string line = item.As<Napi::String>().Utf8Value();
        if (!IsWireSafe(line)) {
          *why = kUnsafe;
          return CURLE_BAD_FUNCTION_ARGUMENT;
        }
        if (!SlistAppend(list, line.c_str())) return CURLE_OUT_OF_MEMORY;
      }
      CURLcode rc = curl_easy_setopt(easy, opt->id, list.get());
      if (rc == CURLE_OK && list) lists->push_back(std::move(list));
      return rc;
    }
    case CURLOT_BLOB: {
      if (!v.IsBuffer()) {
        *why = "expects a Buffer";
        return CURLE_BAD_FUNCTION_ARGUMENT;
      }
      auto buf = v.As<Napi::Buffer<char>>();
      curl_blob blob{buf.Data(), buf.Length(), CURL_BLOB_COPY};
      return curl_easy_setopt(easy, opt->id, &blob);
    }
    default:
      *why = std::string("is a ") + TypeName(opt->type) + " option, which cannot be set from JS";
      return CURLE_BAD_FUNCTION_ARGUMENT;
  }
}

}  // namespace

bool IsWireSafe(const std::string& s) {
  return s.find_first_of(std::string("\r\n\0", 3)) == std::string::npos;
}

const curl_easyoption* LookupCurlOption(const std::string& name) {
  return Lookup(name);
}

CURLcode SetCurlOption(CURL* easy, const curl_easyoption* opt, const Napi::Value& value,
                       std::vector<SlistPtr>* lists, std::string* why) {
  return SetOne(easy, opt, value, lists, why);
}

Napi::Value CurlOptionInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return env.Null();
  const curl_easyoption* opt = Lookup(info[0].As<Napi::String>().Utf8Value());
  if (!opt) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  // For an alias (e.g. CURLOPT_ENCODING), name the option it stands for, so checks by name
  // (engine-owned options, redirects) see one spelling.
  const curl_easyoption* primary = opt;
  if (opt->flags & CURLOT_FLAG_ALIAS) {
    for (const curl_easyoption* it = curl_easy_option_next(nullptr); it;
         it = curl_easy_option_next(it))
      if (it->id == opt->id && !(it->flags & CURLOT_FLAG_ALIAS)) primary = it;
  }
  o.Set("name", std::string("CURLOPT_") + primary->name);
  o.Set("id", Napi::Number::New(env, opt->id));
  o.Set("type", TypeName(opt->type));
  o.Set("alias", Napi::Boolean::New(env, (opt->flags & CURLOT_FLAG_ALIAS) != 0));
  return o;
}

bool ApplyCurlOptions(CURL* easy, const Napi::Array& options, std::vector<SlistPtr>* lists,
                      std::string* error) {
  for (uint32_t i = 0; i < options.Length(); i++) {
    Napi::Value entry = options.Get(i);
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2) {
      *error = "curl option entries must be [name, value] pairs";
      return false;
    }
    Napi::Array pair = entry.As<Napi::Array>();
    std::string name = pair.Get(0u).ToString().Utf8Value();
    const curl_easyoption* opt = Lookup(name);
    if (!opt) {
      *error = name + " is not an option of libcurl " + curl_version_info(CURLVERSION_NOW)->version;
      return false;
    }
    std::string why;
    CURLcode rc = SetOne(easy, opt, pair.Get(1u), lists, &why);
    if (rc != CURLE_OK) {
      *error = name + (why.empty() ? std::string(": ") + curl_easy_strerror(rc) : " " + why);
      return false;
    }
  }
  return true;
}

}  // namespace curlws

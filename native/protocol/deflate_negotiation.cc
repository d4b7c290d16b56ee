#include "protocol/deflate_negotiation.h"

#include <cstring>
#include <utility>

namespace curlws {
namespace {

constexpr char kName[] = "permessage-deflate";
constexpr char kCode[] = "WS_ERR_UNEXPECTED_EXTENSION";

struct Param {
  std::string name;
  bool has_value = false;
  std::string value;
};
struct Extension {
  std::string name;
  std::vector<Param> params;
};

// RFC 7230 §3.2.6 tchar.
bool IsTchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Parses `extension-list` (RFC 6455 §9.1 with RFC 7230 list rules: optional whitespace around
// separators, empty elements ignored). False with *error on a syntax error.
class ListParser {
 public:
  explicit ListParser(const std::string& s) : s_(s) {}

  bool Parse(std::vector<Extension>* out, std::string* error) {
    for (;;) {
      SkipSpace();
      if (AtEnd()) return true;
      if (Peek() == ',') {
        p_++;
        continue;
      }
      Extension ext;
      if (!Token(&ext.name)) return Error("expected an extension name", error);
      SkipSpace();
      while (!AtEnd() && Peek() == ';') {
        p_++;
        SkipSpace();
        Param param;
        if (!Token(&param.name)) return Error("expected a parameter name", error);
        SkipSpace();
        if (!AtEnd() && Peek() == '=') {
          p_++;
          SkipSpace();
          param.has_value = true;
          if (!AtEnd() && Peek() == '"') {
            if (!Quoted(&param.value)) return Error("unterminated or invalid quoted value", error);
            // RFC 6455 §9.1: unquoted, the value must still be a token.
            for (char c : param.value)
              if (!IsTchar(c)) return Error("quoted value is not a token", error);
            if (param.value.empty()) return Error("empty quoted value", error);
          } else if (!Token(&param.value)) {
            return Error("expected a parameter value", error);
          }
          SkipSpace();
        }
        ext.params.push_back(std::move(param));
      }
      out->push_back(std::move(ext));
      if (AtEnd()) return true;
      if (Peek() != ',') return Error("unexpected character", error);
      p_++;
    }
  }

 private:
  bool AtEnd() const { return p_ >= s_.size(); }
  char Peek() const { return s_[p_]; }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) p_++;
  }
  bool Token(std::string* out) {
    size_t start = p_;
    while (!AtEnd() && IsTchar(Peek())) p_++;
    out->assign(s_, start, p_ - start);
    return p_ > start;
  }
  bool Quoted(std::string* out) {
    p_++;  // opening quote
    while (!AtEnd()) {
      unsigned char c = static_cast<unsigned char>(s_[p_++]);
      if (c == '"') return true;
      if (c == '\\') {
        if (AtEnd()) return false;
        c = static_cast<unsigned char>(s_[p_++]);
        if (c < 0x20 && c != '\t') return false;
      } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
      out->push_back(static_cast<char>(c));
    }
    return false;
  }
  bool Error(const char* what, std::string* error) {
    *error = std::string(what) + " at offset " + std::to_string(p_);
    return false;
  }

  const std::string& s_;
  size_t p_ = 0;
};

// RFC 7692 §7.1.2: a decimal 8..15 without leading zeros.
int WindowBits(const std::string& v) {
  if (v.size() == 1 && (v[0] == '8' || v[0] == '9')) return v[0] - '0';
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
  return 0;
}

DeflateNegotiation Failure(std::string message) {
  DeflateNegotiation r;
  r.code = kCode;
  r.message = std::move(message);
  return r;
}

DeflateNegotiation Invalid(const std::string& detail) {
  return Failure("Invalid permessage-deflate response: " + detail);
}

}  // namespace

std::string BuildDeflateOffer(const DeflateOffer& offer) {
  std::string s = kName;
  if (offer.server_no_context_takeover) s += "; server_no_context_takeover";
  if (offer.client_no_context_takeover) s += "; client_no_context_takeover";
  if (offer.server_max_window_bits >= 8 && offer.server_max_window_bits <= 15)
    s += "; server_max_window_bits=" + std::to_string(offer.server_max_window_bits);
  if (offer.client_max_window_bits >= 8 && offer.client_max_window_bits <= 15)
    s += "; client_max_window_bits=" + std::to_string(offer.client_max_window_bits);
  else if (offer.client_max_window_bits == DeflateOffer::kNoValue)
    s += "; client_max_window_bits";
  return s;
}

DeflateNegotiation NegotiateDeflate(const std::vector<std::string>& values,
                                    const DeflateOffer& offer) {
  std::string list;
  for (const std::string& v : values) {
    if (!list.empty()) list += ',';
    list += v;
  }
  std::vector<Extension> extensions;
  std::string error;
  if (!ListParser(list).Parse(&extensions, &error))
    return Failure("Invalid Sec-WebSocket-Extensions header: " + error);
  if (extensions.empty()) return DeflateNegotiation();  // declined

  for (const Extension& e : extensions) {
    if (e.name != kName)
      return Failure("Server indicated an extension that was not requested: " + e.name);
  }
  if (extensions.size() > 1) return Invalid("the server accepted permessage-deflate twice");

  DeflateNegotiation r;
  r.accepted = true;
  r.extension = kName;
  DeflateAgreement& a = r.agreement;
  a.client_no_context_takeover = offer.client_no_context_takeover;  // our promise stands
  if (offer.client_max_window_bits >= 8) a.client_max_window_bits = offer.client_max_window_bits;
  // Checked in order, each parameter once; a hostile header cannot make this quadratic.
  static const char* const kKnown[] = {"server_no_context_takeover", "client_no_context_takeover",
                                       "server_max_window_bits", "client_max_window_bits"};
  unsigned seen = 0;
  for (const Param& p : extensions[0].params) {
    const std::string quoted = "\"" + p.name + "\"";
    unsigned bit = 0;
    for (unsigned k = 0; k < 4; k++)
      if (p.name == kKnown[k]) bit = 1u << k;
    if (!bit) return Invalid("unknown parameter " + quoted);
    if (seen & bit) return Invalid("duplicate parameter " + quoted);
    seen |= bit;
    if (bit <= 2) {  // *_no_context_takeover
      if (p.has_value)
        return Invalid("parameter " + quoted + " must have no value (got \"" + p.value + "\")");
      if (bit == 1) {
        a.server_no_context_takeover = true;
      } else {
        if (offer.refuse_client_no_context_takeover)
          return Invalid("parameter " + quoted + " is refused (clientNoContextTakeover is false)");
        a.client_no_context_takeover = true;
      }
      r.extension += "; " + p.name;
      continue;
    }
    const int bits = p.has_value ? WindowBits(p.value) : 0;
    if (!bits)
      return Invalid("parameter " + quoted + " needs a value from 8 to 15 (got " +
                     (p.has_value ? "\"" + p.value + "\"" : std::string("none")) + ")");
    if (bit == 4) {
      if (offer.server_max_window_bits && bits > offer.server_max_window_bits)
        return Invalid("parameter " + quoted + " is " + std::to_string(bits) +
                       ", larger than the " + std::to_string(offer.server_max_window_bits) +
                       " offered");
      a.server_max_window_bits = bits;
    } else {
      if (offer.client_max_window_bits == DeflateOffer::kNotOffered)
        return Invalid("parameter " + quoted + " was not offered (clientMaxWindowBits is false)");
      if (offer.client_max_window_bits >= 8 && bits > offer.client_max_window_bits)
        return Invalid("parameter " + quoted + " is " + std::to_string(bits) +
                       ", larger than the " + std::to_string(offer.client_max_window_bits) +
                       " offered");
      a.client_max_window_bits = bits;
    }
    r.extension += "; " + p.name + "=" + std::to_string(bits);
  }
  return r;
}

}  // namespace curlws

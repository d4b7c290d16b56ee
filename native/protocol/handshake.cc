#include "protocol/handshake.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "protocol/random_pool.h"

namespace curlws {
namespace {

constexpr char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string Base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), data, static_cast<int>(len));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

bool EqualsIgnoreCase(const std::string& a, const char* b) {
  size_t n = std::char_traits<char>::length(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// All values of a header (case-insensitive name), in order.
std::vector<const std::string*> Values(const HeaderList& headers, const char* name) {
  std::vector<const std::string*> out;
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.first, name)) out.push_back(&h.second);
  return out;
}

// True if any comma-separated token of any value equals `token` (case-insensitive).
bool HasToken(const HeaderList& headers, const char* name, const char* token) {
  for (const std::string* v : Values(headers, name)) {
    size_t start = 0;
    while (start <= v->size()) {
      size_t comma = v->find(',', start);
      if (comma == std::string::npos) comma = v->size();
      if (EqualsIgnoreCase(Trim(v->substr(start, comma - start)), token)) return true;
      start = comma + 1;
    }
  }
  return false;
}

}  // namespace

std::string MakeWebSocketKey() {
  uint8_t raw[16];
  if (!NextRandomBytes(raw, sizeof raw)) return "";
  return Base64(raw, sizeof raw);
}

std::string ExpectedAccept(const std::string& key) {
  std::string input = key + kGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr) != 1) return "";
  return Base64(digest, len);
}

std::vector<std::string> HeaderValues(const HeaderList& headers, const char* name) {
  std::vector<std::string> out;
  for (const std::string* v : Values(headers, name)) out.push_back(*v);
  return out;
}

HeaderList CollectHeaders(CURL* easy, unsigned int origin) {
  HeaderList out;
  curl_header* prev = nullptr;
  while ((prev = curl_easy_nextheader(easy, origin, -1, prev)) != nullptr)
    out.emplace_back(prev->name ? prev->name : "", prev->value ? prev->value : "");
  return out;
}

HandshakeFailure ValidateUpgradeResponse(const HeaderList& headers, const std::string& key,
                                         const std::vector<std::string>& offered,
                                         bool extensions_offered, std::string* protocol) {
  if (!HasToken(headers, "Upgrade", "websocket"))
    return {"WS_ERR_INVALID_UPGRADE", "Invalid Upgrade header in the 101 response"};
  if (!HasToken(headers, "Connection", "upgrade"))
    return {"WS_ERR_INVALID_UPGRADE", "Invalid Connection header in the 101 response"};

  auto accept = Values(headers, "Sec-WebSocket-Accept");
  if (accept.size() != 1 || Trim(*accept[0]) != ExpectedAccept(key))
    return {"WS_ERR_INVALID_ACCEPT", "Invalid Sec-WebSocket-Accept header"};

  auto extensions = Values(headers, "Sec-WebSocket-Extensions");
  for (const std::string* v : extensions) {
    if (extensions_offered) break;
    if (!Trim(*v).empty())
      return {"WS_ERR_UNEXPECTED_EXTENSION",
              "Server sent a Sec-WebSocket-Extensions header but no extension was requested: " +
                  Trim(*v)};
  }

  auto chosen = Values(headers, "Sec-WebSocket-Protocol");
  protocol->clear();
  if (chosen.size() > 1)
    return {"WS_ERR_UNEXPECTED_PROTOCOL", "Server sent more than one Sec-WebSocket-Protocol"};
  if (chosen.size() == 1) {
    std::string value = Trim(*chosen[0]);
    if (std::find(offered.begin(), offered.end(), value) == offered.end())
      return {"WS_ERR_UNEXPECTED_PROTOCOL",
              offered.empty() ? "Server sent a subprotocol but none was requested: " + value
                              : "Server sent a subprotocol that was not requested: " + value};
    *protocol = value;
  }
  return {};
}

}  // namespace curlws

// native/protocol/deflate_negotiation: the offer built from ws-style options, and every kind of
// server answer, good and bad, against RFC 7692 §7 (and ws where the RFC leaves room).
#include <string>
#include <vector>

#include "check.h"
#include "protocol/deflate_negotiation.h"

namespace {

using curlws::BuildDeflateOffer;
using curlws::DeflateNegotiation;
using curlws::DeflateOffer;
using curlws::NegotiateDeflate;

SUITE(negotiation_offer) {
  DeflateOffer o;
  CHECK(BuildDeflateOffer(o) == "permessage-deflate; client_max_window_bits", "ws's default offer");
  o.client_max_window_bits = DeflateOffer::kNotOffered;
  CHECK(BuildDeflateOffer(o) == "permessage-deflate", "clientMaxWindowBits: false");
  o.server_no_context_takeover = true;
  o.client_no_context_takeover = true;
  o.server_max_window_bits = 10;
  o.client_max_window_bits = 9;
  CHECK(BuildDeflateOffer(o) ==
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=9",
        BuildDeflateOffer(o));
  o.server_max_window_bits = 16;  // out of range: never put on the wire
  CHECK(BuildDeflateOffer(o).find("server_max_window_bits") == std::string::npos, "16 offered");
}

struct Answer {
  const char* name;
  DeflateOffer offer;
  std::vector<std::string> values;
  // Expected: an error containing `error`, or (error == nullptr) acceptance with these.
  const char* error;
  bool accepted;
  bool server_nct, client_nct;
  int server_bits, client_bits;
  const char* extension;
};

DeflateOffer Offer(int client_bits = DeflateOffer::kNoValue, int server_bits = 0,
                   bool client_nct = false, bool refuse_client_nct = false,
                   bool server_nct = false) {
  DeflateOffer o;
  o.client_max_window_bits = client_bits;
  o.server_max_window_bits = server_bits;
  o.client_no_context_takeover = client_nct;
  o.refuse_client_no_context_takeover = refuse_client_nct;
  o.server_no_context_takeover = server_nct;
  return o;
}

std::vector<Answer> Answers() {
  const DeflateOffer def = Offer();
  const char* pmd = "permessage-deflate";
  return {
      // Declined.
      {"no header", def, {}, nullptr, false, false, false, 15, 15, ""},
      {"empty header", def, {""}, nullptr, false, false, false, 15, 15, ""},
      {"only commas and spaces", def, {" , ,"}, nullptr, false, false, false, 15, 15, ""},
      // Accepted.
      {"bare", def, {"permessage-deflate"}, nullptr, true, false, false, 15, 15, pmd},
      {"all four",
       def,
       {"permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=9"},
       nullptr,
       true,
       true,
       true,
       10,
       9,
       "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
       "server_max_window_bits=10; client_max_window_bits=9"},
      {"no spaces, tabs",
       def,
       {"permessage-deflate;client_max_window_bits=15\t;\tserver_max_window_bits=8"},
       nullptr,
       true,
       false,
       false,
       8,
       15,
       "permessage-deflate; client_max_window_bits=15; server_max_window_bits=8"},
      {"quoted value",
       def,
       {"permessage-deflate; client_max_window_bits=\"12\""},
       nullptr,
       true,
       false,
       false,
       15,
       12,
       "permessage-deflate; client_max_window_bits=12"},
      {"escaped quoted value",
       def,
       {"permessage-deflate; server_max_window_bits=\"1\\3\""},
       nullptr,
       true,
       false,
       false,
       13,
       15,
       "permessage-deflate; server_max_window_bits=13"},
      {"split over two header lines",
       def,
       {"", "permessage-deflate; server_no_context_takeover"},
       nullptr,
       true,
       true,
       false,
       15,
       15,
       "permessage-deflate; server_no_context_takeover"},
      {"server_* not offered but allowed (RFC 7692 7.1.1.1, 7.1.2.1)",
       Offer(DeflateOffer::kNotOffered),
       {"permessage-deflate; server_no_context_takeover; server_max_window_bits=9"},
       nullptr,
       true,
       true,
       false,
       9,
       15,
       "permessage-deflate; server_no_context_takeover; server_max_window_bits=9"},
      {"client_no_context_takeover not offered but allowed",
       def,
       {"permessage-deflate; client_no_context_takeover"},
       nullptr,
       true,
       false,
       true,
       15,
       15,
       "permessage-deflate; client_no_context_takeover"},
      {"our client_no_context_takeover promise stands without the server's",
       Offer(0, 0, true),
       {"permessage-deflate"},
       nullptr,
       true,
       false,
       true,
       15,
       15,
       pmd},
      {"our client_max_window_bits value applies when the answer has none",
       Offer(10),
       {"permessage-deflate"},
       nullptr,
       true,
       false,
       false,
       15,
       10,
       pmd},
      {"a lower client_max_window_bits than offered",
       Offer(12),
       {"permessage-deflate; client_max_window_bits=9"},
       nullptr,
       true,
       false,
       false,
       15,
       9,
       nullptr},
      {"a lower server_max_window_bits than offered",
       Offer(0, 12),
       {"permessage-deflate; server_max_window_bits=8"},
       nullptr,
       true,
       false,
       false,
       8,
       15,
       nullptr},
      {"server_max_window_bits offered, declined by the server",
       Offer(0, 10),
       {"permessage-deflate"},
       nullptr,
       true,
       false,
       false,
       15,
       15,
       nullptr},
      // Refused.
      {"another extension",
       def,
       {"x-webkit-deflate-frame"},
       "not requested: x-webkit-deflate-frame"},
      {"another extension after ours", def, {"permessage-deflate, foo; bar"}, "not requested: foo"},
      {"accepted twice",
       def,
       {"permessage-deflate, permessage-deflate"},
       "permessage-deflate twice"},
      {"accepted twice over two lines",
       def,
       {"permessage-deflate", "permessage-deflate"},
       "permessage-deflate twice"},
      {"unknown parameter", def, {"permessage-deflate; foo"}, "unknown parameter \"foo\""},
      {"unknown parameter with value",
       def,
       {"permessage-deflate; max_window_bits=10"},
       "unknown parameter \"max_window_bits\""},
      {"parameter names are case-sensitive",
       def,
       {"permessage-deflate; Server_No_Context_Takeover"},
       "unknown parameter \"Server_No_Context_Takeover\""},
      {"duplicate parameter",
       def,
       {"permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
       "duplicate parameter \"server_no_context_takeover\""},
      {"duplicate window bits",
       def,
       {"permessage-deflate; client_max_window_bits=10; client_max_window_bits=10"},
       "duplicate parameter \"client_max_window_bits\""},
      {"no_context_takeover with a value",
       def,
       {"permessage-deflate; server_no_context_takeover=1"},
       "\"server_no_context_takeover\" must have no value"},
      {"client_no_context_takeover with a quoted value",
       def,
       {"permessage-deflate; client_no_context_takeover=\"x\""},
       "\"client_no_context_takeover\" must have no value"},
      {"client_max_window_bits without a value",
       def,
       {"permessage-deflate; client_max_window_bits"},
       "\"client_max_window_bits\" needs a value from 8 to 15 (got none)"},
      {"server_max_window_bits without a value",
       def,
       {"permessage-deflate; server_max_window_bits"},
       "\"server_max_window_bits\" needs a value from 8 to 15 (got none)"},
      {"window bits 7", def, {"permessage-deflate; server_max_window_bits=7"}, "(got \"7\")"},
      {"window bits 16", def, {"permessage-deflate; client_max_window_bits=16"}, "(got \"16\")"},
      {"window bits leading zero",
       def,
       {"permessage-deflate; client_max_window_bits=09"},
       "(got \"09\")"},
      {"window bits not a number",
       def,
       {"permessage-deflate; server_max_window_bits=ten"},
       "(got \"ten\")"},
      {"window bits 1e1", def, {"permessage-deflate; server_max_window_bits=1e1"}, "(got \"1e1\")"},
      {"server_max_window_bits above the offer",
       Offer(0, 10),
       {"permessage-deflate; server_max_window_bits=11"},
       "\"server_max_window_bits\" is 11, larger than the 10 offered"},
      {"client_max_window_bits above the offer",
       Offer(9),
       {"permessage-deflate; client_max_window_bits=10"},
       "\"client_max_window_bits\" is 10, larger than the 9 offered"},
      {"client_max_window_bits not offered",
       Offer(DeflateOffer::kNotOffered),
       {"permessage-deflate; client_max_window_bits=15"},
       "\"client_max_window_bits\" was not offered"},
      {"client_no_context_takeover refused",
       Offer(0, 0, false, true),
       {"permessage-deflate; client_no_context_takeover"},
       "\"client_no_context_takeover\" is refused"},
      // Syntax.
      {"trailing semicolon",
       def,
       {"permessage-deflate;"},
       "Invalid Sec-WebSocket-Extensions header: expected a parameter name"},
      {"starts with a semicolon", def, {"; permessage-deflate"}, "expected an extension name"},
      {"space inside a token", def, {"permessage deflate"}, "unexpected character"},
      {"value missing after =",
       def,
       {"permessage-deflate; server_max_window_bits="},
       "expected a parameter value"},
      {"unterminated quote",
       def,
       {"permessage-deflate; server_max_window_bits=\"10"},
       "unterminated or invalid quoted value"},
      {"quoted value not a token",
       def,
       {"permessage-deflate; server_max_window_bits=\"1 0\""},
       "quoted value is not a token"},
      {"empty quoted value",
       def,
       {"permessage-deflate; server_max_window_bits=\"\""},
       "empty quoted value"},
      {"CR in the header", def, {"permessage-deflate\r"}, "unexpected character"},
      {"NUL in a quoted value",
       def,
       {std::string("permessage-deflate; a=\"\0\"", 25)},
       "unterminated or invalid quoted value"},
      {"UTF-8 in the name",
       def,
       {"permessage-d\xc3\xa9"
        "flate"},
       "unexpected character"},
  };
}

SUITE(negotiation_answers) {
  for (const Answer& a : Answers()) {
    const DeflateNegotiation r = NegotiateDeflate(a.values, a.offer);
    const std::string name = std::string(a.name) + ": ";
    if (a.error) {
      CHECK(!r.accepted && r.code == "WS_ERR_UNEXPECTED_EXTENSION",
            name + "accepted (" + r.extension + ")");
      CHECK(r.message.find(a.error) != std::string::npos, name + r.message);
      continue;
    }
    CHECK(r.code.empty(), name + r.message);
    CHECK(r.accepted == a.accepted, name + "accepted");
    if (!a.accepted) continue;
    CHECK(r.agreement.server_no_context_takeover == a.server_nct, name + "server_nct");
    CHECK(r.agreement.client_no_context_takeover == a.client_nct, name + "client_nct");
    CHECK(r.agreement.server_max_window_bits == a.server_bits, name + "server bits");
    CHECK(r.agreement.client_max_window_bits == a.client_bits, name + "client bits");
    if (a.extension) CHECK(r.extension == a.extension, name + r.extension);
  }
  // A hostile answer with 50,000 parameters fails on the second, in linear time.
  std::string huge = "permessage-deflate";
  for (int i = 0; i < 50000; i++) huge += "; server_no_context_takeover";
  const DeflateNegotiation r = NegotiateDeflate({huge}, DeflateOffer());
  CHECK(r.message.find("duplicate parameter") != std::string::npos, r.message);
}

}  // namespace

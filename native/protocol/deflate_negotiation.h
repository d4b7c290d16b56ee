// permessage-deflate negotiation, client side (RFC 7692 §5, §7.1): the offer we put in
// Sec-WebSocket-Extensions, and the validation of the server's answer in the 101.
//
// The options are ws's (lib/permessage-deflate.js), validated and normalized by the TS layer:
//   serverNoContextTakeover  true: offer server_no_context_takeover
//   clientNoContextTakeover  true: offer client_no_context_takeover (a promise: we then never
//                            use context takeover, RFC 7692 §7.1.1.2); false: refuse a server
//                            that asks for it (as ws does); unset: accept it if asked
//   serverMaxWindowBits      8..15: offer server_max_window_bits=N; the answer may be lower
//   clientMaxWindowBits      unset/true: offer client_max_window_bits (no value, as ws does by
//                            default); 8..15: offer that value; false: do not offer (then the
//                            server must not send it)
//
// The server's answer fails the handshake (code WS_ERR_UNEXPECTED_EXTENSION, the message names
// the parameter) when: the header does not parse (RFC 6455 §9.1 / RFC 7230 lists, quoted-string
// values included), it names another extension, it accepts permessage-deflate more than once,
// a parameter is unknown or repeated, a value is invalid (no value for *_no_context_takeover;
// a decimal 8..15 without leading zeros for *_max_window_bits), server_max_window_bits exceeds
// the value offered, or client_max_window_bits was not offered or exceeds the value offered.
// Allowed (RFC 7692 §7.1.1.1, §7.1.2.1, and ws): server_no_context_takeover and
// server_max_window_bits although not offered; client_no_context_takeover although not offered
// (unless refused); an answer without a parameter that was offered (the server declined that
// part: we inflate with a 15-bit window, and keep to our own client_max_window_bits value).
//
// Pure functions and value types; any thread.
#ifndef CURLWS_NATIVE_PROTOCOL_DEFLATE_NEGOTIATION_H_
#define CURLWS_NATIVE_PROTOCOL_DEFLATE_NEGOTIATION_H_

#include <string>
#include <vector>

namespace curlws {

struct DeflateOffer {
  static constexpr int kNotOffered = -1;  // clientMaxWindowBits: false
  static constexpr int kNoValue = 0;      // clientMaxWindowBits: true / unset

  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  bool refuse_client_no_context_takeover = false;  // clientNoContextTakeover: false
  int server_max_window_bits = 0;                  // 0: not offered, else 8..15
  int client_max_window_bits = kNoValue;           // kNotOffered, kNoValue or 8..15
};

// What both sides use once the server has accepted.
struct DeflateAgreement {
  bool server_no_context_takeover = false;  // our inflater resets after every message
  bool client_no_context_takeover = false;  // our deflater resets after every message
  int server_max_window_bits = 15;          // our inflater's window
  int client_max_window_bits = 15;          // our deflater's window (at most)
};

struct DeflateNegotiation {
  bool accepted = false;  // the server accepted permessage-deflate
  DeflateAgreement agreement;
  std::string extension;  // the accepted element, normalized ("permessage-deflate; ...")
  std::string code;       // non-empty: fail the handshake (WS_ERR_UNEXPECTED_EXTENSION)
  std::string message;
};

// The Sec-WebSocket-Extensions value offering permessage-deflate with these options.
std::string BuildDeflateOffer(const DeflateOffer& offer);

// Judges the server's answer. `values`: every Sec-WebSocket-Extensions value of the 101 in
// order (several lines make one list); none, or only empty ones, means the server declined.
DeflateNegotiation NegotiateDeflate(const std::vector<std::string>& values,
                                    const DeflateOffer& offer);

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_DEFLATE_NEGOTIATION_H_

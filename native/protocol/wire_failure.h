// Why the peer's bytes fail the connection: the close code we send, a stable WS_ERR_* code and a
// message for the application. Shared by the raw frame parser and the inflater so both receive
// paths report violations the same way FrameAssembler does (same codes, same close codes).
//
// A plain value type; no state, any thread.
#ifndef CURLWS_NATIVE_PROTOCOL_WIRE_FAILURE_H_
#define CURLWS_NATIVE_PROTOCOL_WIRE_FAILURE_H_

#include <cstdint>
#include <string>

namespace curlws {

struct WireFailure {
  uint16_t close_code = 0;  // 1002 protocol error, 1007 invalid payload, 1009 too big
  const char* code = "";    // WS_ERR_*
  std::string message;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_PROTOCOL_WIRE_FAILURE_H_

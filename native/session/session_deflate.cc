// Session, permessage-deflate (RFC 7692): the offer, the judgement of the server's answer, the
// raw-mode receive path and compressed sending. A session that does not offer the extension
// never reaches this file's code paths: it keeps libcurl's frame decoder (curl_ws_recv).
#include <new>
#include <string>

#include "session/session.h"
#include "session/session_internal.h"

namespace curlws {

using namespace session_detail;  // NOLINT: this file's own internals

namespace {

// How long no message must have been compressed before the compressor's stream is released.
constexpr uint64_t kDeflateIdleMs = 2000;

}  // namespace

long Session::ConfigureDeflate(const InitReader& init) {
  if (!init.Bool(kInitDeflate)) return 0;
  // lib/core/deflate-options.ts validated and normalized every field (see DeflateOffer for their
  // meaning).
  deflate_setup_ = std::make_unique<DeflateSetup>();
  DeflateOffer& offer_params = deflate_setup_->offer;
  Deflater::Config& config = deflate_setup_->config;
  offer_params.server_no_context_takeover = init.Bool(kInitDeflateServerNoContextTakeover);
  int client_nct = init.OptionalBool(kInitDeflateClientNoContextTakeover);
  if (client_nct >= 0) {
    offer_params.client_no_context_takeover = client_nct == 1;
    offer_params.refuse_client_no_context_takeover = client_nct == 0;
  }
  // The ranges keep a direct native call from handing zlib or the offer values they cannot take.
  offer_params.server_max_window_bits = init.WindowBits(kInitDeflateServerMaxWindowBits, 0);
  offer_params.client_max_window_bits = init.WindowBits(kInitDeflateClientMaxWindowBits, -1);
  config.level = init.Int(kInitDeflateLevel, -1, 9);
  config.mem_level = init.Int(kInitDeflateMemLevel, 1, 9);
  config.threshold = static_cast<size_t>(init.Count(kInitDeflateThreshold));

  const std::string offer = "Sec-WebSocket-Extensions: " + BuildDeflateOffer(offer_params);
  if (!SlistAppend(request_headers_, offer.c_str())) throw std::bad_alloc();
  offer_deflate_ = true;
  raw_ = std::make_unique<RawReceiver>(&Session::RawRead, this);
  raw_->set_max_message(assembler_.limits().max_payload);  // read once: a getter may change
  return CURLWS_RAW_MODE;
}

CURLcode Session::RawRead(void* ctx, uint8_t* buf, size_t len, size_t* n) {
  auto* self = static_cast<Session*>(ctx);
  return curl_easy_recv(self->easy_.get(), buf, len, n);
}

bool Session::NegotiateExtensions(const HeaderList& headers, std::string* extension) {
  extension->clear();
  if (!offer_deflate_) return true;
  // The offer is only needed here: an open connection keeps the agreement (in raw_, deflater_).
  const std::unique_ptr<DeflateSetup> setup = std::move(deflate_setup_);
  const DeflateNegotiation n =
      NegotiateDeflate(HeaderValues(headers, "Sec-WebSocket-Extensions"), setup->offer);
  if (!n.code.empty()) {
    Fail(n.code.c_str(), n.message, 0, CURLE_OK);
    return false;
  }
  if (!n.accepted) return true;  // declined: raw mode without compression
  Inflater::Config in;
  in.window_bits = n.agreement.server_max_window_bits;
  in.no_context_takeover = n.agreement.server_no_context_takeover;
  raw_->EnableDeflate(in);
  Deflater::Config out = setup->config;
  out.window_bits = n.agreement.client_max_window_bits;
  out.no_context_takeover = n.agreement.client_no_context_takeover;
  deflater_ = std::make_unique<Deflater>(out);
  *extension = n.extension;
  return true;
}

bool Session::PushMessage(const uint8_t* data, size_t size, unsigned int flags) {
  const bool fin = !(flags & CURLWS_CONT);
  bool compress = compressing_fragments_;
  if (!sending_fragments_) compress = deflater_ && deflater_->ShouldCompress(size);
  // The fragment state changes only once the frame is queued: a push that failed must not turn
  // the message's next fragment into a compressed one (or the other way round).
  if (!compress) {
    if (!sendq_.PushData(data, size, flags)) return false;
    sending_fragments_ = !fin;
    compressing_fragments_ = false;
    return true;
  }
  // One send() call stays one frame (its completion is that frame's): the whole payload is
  // compressed now. A fragment zlib keeps entirely for later goes out as an empty frame.
  if (!deflater_->Compress(data, size, fin)) {
    // zlib could not allocate: the message cannot be completed, the connection fails.
    sending_fragments_ = compressing_fragments_ = false;
    FailOutOfMemory("compressing a message");
    throw OutOfMemoryError(Env());
  }
  if (sendq_.PushData(deflater_->output(), deflater_->output_size(), flags, true)) {
    sending_fragments_ = compressing_fragments_ = !fin;
    NoteCompressedSend();
    return true;
  }
  // The deflater has moved on while the peer never gets these bytes: later messages would refer
  // to data it does not have, so the connection cannot go on.
  if (!sendq_.out_of_memory()) Fail("", sendq_.failure(), 1011, CURLE_SEND_ERROR);
  return false;
}

void Session::NoteCompressedSend() {
  compressed_since_armed_ = true;
  if (deflate_idle_armed_ || state_ != State::kOpen) return;
  if (deflater_->zlib_memory() == 0) return;  // no stream held (no_context_takeover frees it)
  if (!EnsureTimer()) return;
  deflate_idle_armed_ = true;
  compressed_since_armed_ = false;
  uv_timer_start(&timer_->uv, &Session::OnTimeout, kDeflateIdleMs, 0);
}

void Session::OnDeflateIdle() {
  deflate_idle_armed_ = false;
  if (!deflater_ || state_ != State::kOpen) return;
  if (compressed_since_armed_) {
    NoteCompressedSend();  // still busy: look again later
    return;
  }
  // False (nothing freed) while a fragmented message is being sent; the next send re-arms.
  deflater_->Release();
}

}  // namespace curlws

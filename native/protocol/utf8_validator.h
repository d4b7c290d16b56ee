// Incremental UTF-8 validation (RFC 3629) for text messages that arrive in pieces.
//
// Ownership/threading: a plain value type, used on the loop thread by one Session.
// Why incremental: RFC 6455 §8.1 lets a client fail a connection as soon as invalid bytes
// arrive (Autobahn 6.4.x grades failing at message end as NON-STRICT), and a code point may be
// split across frames, so the state must carry over between chunks.
#ifndef CURLWS_NATIVE_UTF8_VALIDATOR_H_
#define CURLWS_NATIVE_UTF8_VALIDATOR_H_

#include <cstddef>
#include <cstdint>

namespace curlws {

class Utf8Validator {
 public:
  // Feeds the next bytes of the text; returns false as soon as the bytes seen so far can no
  // longer be the start of valid UTF-8. After false, the validator stays failed until Reset().
  bool Feed(const uint8_t* data, size_t len);
  // True when the text fed so far is complete (no code point cut off at the end).
  bool AtBoundary() const { return !failed_ && need_ == 0; }
  // True while every byte fed since Reset() was ASCII (the text can become a Latin-1 string).
  bool ascii() const { return ascii_; }
  void Reset() {
    ascii_ = true;
    need_ = 0;
    lo_ = 0x80;
    hi_ = 0xBF;
    failed_ = false;
  }

  // One-shot check of a complete buffer (close reasons).
  static bool IsValid(const uint8_t* data, size_t len);
  // Length in UTF-16 code units (what JS string offsets count) of valid UTF-8.
  static size_t Utf16Length(const uint8_t* data, size_t len);

 private:
  uint8_t need_ = 0;   // continuation bytes still expected for the current code point
  uint8_t lo_ = 0x80;  // allowed range of the next continuation byte (narrowed after
  uint8_t hi_ = 0xBF;  // E0/ED/F0/F4 to reject overlongs, surrogates and > U+10FFFF)
  bool failed_ = false;
  bool ascii_ = true;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_UTF8_VALIDATOR_H_

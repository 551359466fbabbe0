// SPDX-License-Identifier: MIT
/// @file
/// UTF-8 validation (RFC 3629 §4), as RFC 6455 §8.1 requires for text messages and close reasons.
///
/// Rejects overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
/// The incremental validator fails fast: it rejects at the first byte that cannot be part of any
/// valid continuation, even when the stream stops in the middle of a sequence.
#pragma once

#include <cstdint>

#include "wscore/bytes.hpp"

namespace wscore {

/// True if `text` is complete, valid UTF-8.
[[nodiscard]] bool is_valid_utf8(ByteView text) noexcept;

/// Validates a stream that arrives in pieces (frames, or chunks of frames). It keeps no view of
/// them: a piece may go away once feed() has returned.
class Utf8Validator {
 public:
  /// Validates the next piece. Returns false as soon as a byte makes the stream invalid; after
  /// that the validator stays failed until reset().
  [[nodiscard]] bool feed(ByteView piece) noexcept;

  /// True if no byte so far was invalid and the stream ends on a code point boundary.
  [[nodiscard]] bool complete() const noexcept { return !failed_ && pending_ == 0; }

  /// True once a byte made the stream invalid (until reset()).
  [[nodiscard]] bool failed() const noexcept { return failed_; }

  /// Starts a new stream.
  void reset() noexcept { *this = Utf8Validator{}; }

 private:
  // Advances the state machine by one byte; false if the byte makes the stream invalid.
  [[nodiscard]] bool step(std::uint8_t byte) noexcept;
  // Marks the validator failed and returns false.
  bool fail() noexcept;

  // Continuation bytes still expected for the sequence in progress, and the range the next one
  // must fall in (narrower than 80..BF right after E0, ED, F0 and F4: RFC 3629 §4).
  std::uint8_t pending_ = 0;
  std::uint8_t next_min_ = 0x80;
  std::uint8_t next_max_ = 0xBF;
  bool failed_ = false;
};

}  // namespace wscore

// SPDX-License-Identifier: MIT
// A deliberately simple UTF-8 validator, the oracle the fuzz targets check the library against.
//
// It shares nothing with the library's tables: it decodes code points from their bits and asks,
// after every byte, whether the sequence so far can still end as a valid scalar value. A
// sequence of N bytes encodes a code point of at least 0x80, 0x800 or 0x10000 for N = 2, 3, 4
// (no overlong forms), at most 0x10FFFF, and never a UTF-16 surrogate D800..DFFF (RFC 3629 §3,
// §4). The known leading bits of a cut sequence bound the code point it can still become; the
// prefix is viable while that range meets the valid ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wscore/bytes.hpp"

namespace wscore::fuzz {

class ReferenceUtf8 {
 public:
  // Takes the next bytes of a stream. False once the stream so far is not the start of any
  // valid UTF-8 text; it stays false.
  bool feed(ByteView bytes) {
    for (const std::byte byte : bytes) {
      if (failed_) return false;
      if (!step(static_cast<std::uint8_t>(byte))) failed_ = true;
    }
    return !failed_;
  }

  // True if the stream so far is complete, valid UTF-8.
  bool complete() const { return !failed_ && length_ == 0; }
  bool failed() const { return failed_; }

  static bool is_valid(ByteView bytes) {
    ReferenceUtf8 reference;
    return reference.feed(bytes) && reference.complete();
  }
  static bool is_valid_prefix(ByteView bytes) {
    ReferenceUtf8 reference;
    return reference.feed(bytes);
  }

 private:
  bool step(std::uint8_t byte) {
    if (length_ == 0) {
      if (byte < 0x80) return true;  // ASCII
      // The number of leading one bits is the sequence length.
      if ((byte & 0xE0) == 0xC0) {
        start(2, byte & 0x1F);
      } else if ((byte & 0xF0) == 0xE0) {
        start(3, byte & 0x0F);
      } else if ((byte & 0xF8) == 0xF0) {
        start(4, byte & 0x07);
      } else {
        return false;  // a continuation byte, or 11111xxx
      }
    } else {
      if ((byte & 0xC0) != 0x80) return false;
      bits_ = (bits_ << 6) | (byte & 0x3F);
      ++seen_;
    }
    if (!viable()) return false;
    if (seen_ == length_) length_ = seen_ = 0;
    return true;
  }

  void start(std::uint32_t length, std::uint32_t lead_bits) {
    length_ = length;
    seen_ = 1;
    bits_ = lead_bits;
  }

  // Whether some completion of the sequence so far is a valid scalar value of its length.
  bool viable() const {
    const std::uint32_t missing_bits = 6 * (length_ - seen_);
    const std::uint32_t lowest = bits_ << missing_bits;
    const std::uint32_t highest = lowest | ((1u << missing_bits) - 1);
    const std::uint32_t minimum = length_ == 2 ? 0x80 : length_ == 3 ? 0x800 : 0x10000;
    const std::uint32_t from = lowest > minimum ? lowest : minimum;
    const std::uint32_t to = highest < 0x10FFFF ? highest : 0x10FFFF;
    if (from > to) return false;
    const bool all_surrogates = from >= 0xD800 && to <= 0xDFFF;
    return !all_surrogates;
  }

  std::uint32_t length_ = 0;  // bytes of the sequence in progress, 0 between code points
  std::uint32_t seen_ = 0;    // bytes of it seen so far
  std::uint32_t bits_ = 0;    // the code point bits they carry
  bool failed_ = false;
};

}  // namespace wscore::fuzz

// SPDX-License-Identifier: MIT
// Turns arbitrary bytes into valid UTF-8 with code points of every length, so that targets which
// send text reach the paths for valid text (and for text cut between fragments) as easily as
// the paths that refuse invalid text.
#pragma once

#include <cstdint>
#include <vector>

#include "wscore/bytes.hpp"

namespace wscore::fuzz {

// RFC 3629 §3: the UTF-8 form of a scalar value.
inline void append_code_point(std::vector<std::byte>& out, std::uint32_t code_point) {
  const auto push = [&](std::uint32_t value) { out.push_back(static_cast<std::byte>(value)); };
  if (code_point < 0x80) {
    push(code_point);
  } else if (code_point < 0x800) {
    push(0xC0 | (code_point >> 6));
    push(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    push(0xE0 | (code_point >> 12));
    push(0x80 | ((code_point >> 6) & 0x3F));
    push(0x80 | (code_point & 0x3F));
  } else {
    push(0xF0 | (code_point >> 18));
    push(0x80 | ((code_point >> 12) & 0x3F));
    push(0x80 | ((code_point >> 6) & 0x3F));
    push(0x80 | (code_point & 0x3F));
  }
}

// One code point per input byte; the byte's low two bits choose the encoded length.
inline std::vector<std::byte> text_from_bytes(ByteView bytes) {
  std::vector<std::byte> text;
  for (const std::byte byte : bytes) {
    const auto b = std::to_integer<std::uint32_t>(byte);
    switch (b & 3) {
      case 0:
        append_code_point(text, 0x20 + (b >> 2));  // printable ASCII
        break;
      case 1:
        append_code_point(text, 0x80 + b * 3);  // two bytes
        break;
      case 2:
        // Three bytes, on both sides of the surrogates.
        append_code_point(text, (b & 4) ? 0xE000 + b * 31 : 0x800 + b * 200);
        break;
      default:
        append_code_point(text, 0x10000 + b * 4096);  // four bytes, up to U+10F000
        break;
    }
  }
  return text;
}

}  // namespace wscore::fuzz

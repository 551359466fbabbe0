// SPDX-License-Identifier: MIT
// Base64 encoding and strict decoding (RFC 4648 §4).
#include "wscore/detail/base64.hpp"

#include <array>
#include <cstdint>

namespace wscore::detail {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr int not_in_alphabet = -1;

consteval std::array<int, 256> make_decode_table() {
  std::array<int, 256> table{};
  table.fill(not_in_alphabet);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  return table;
}

constexpr std::array<int, 256> decode_table = make_decode_table();

int sextet(char c) noexcept {
  return decode_table[static_cast<unsigned char>(c)];
}

}  // namespace

void base64_encode(ByteView data, std::string& out) {
  out.reserve(out.size() + (data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t(data[i]) << 16) | (std::uint32_t(data[i + 1]) << 8) |
                                std::uint32_t(data[i + 2]);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += alphabet[group & 0x3F];
  }
  // RFC 4648 §4: a final group of one or two bytes is padded with "==" or "=".
  const std::size_t remaining = data.size() - i;
  if (remaining == 1) {
    const std::uint32_t group = std::uint32_t(data[i]) << 16;
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += "==";
  } else if (remaining == 2) {
    const std::uint32_t group = (std::uint32_t(data[i]) << 16) | (std::uint32_t(data[i + 1]) << 8);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += '=';
  }
}

std::string base64_encode(ByteView data) {
  std::string out;
  base64_encode(data, out);
  return out;
}

std::optional<std::vector<std::byte>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::byte> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last_group = i + 4 == text.size();
    std::size_t padding = 0;
    if (last_group && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;

    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4 - padding; ++j) {
      const int value = sextet(text[i + j]);
      if (value == not_in_alphabet) return std::nullopt;  // also catches '=' in the middle
      group |= std::uint32_t(value) << (18 - 6 * j);
    }
    // RFC 4648 §3.5 lets a decoder reject pad bits that are not zero; we ignore them instead,
    // because RFC 6455 §4.1 item 7 itself shows such a key ("...DQ4PEC==").
    out.push_back(std::byte(group >> 16));
    if (padding < 2) out.push_back(std::byte(group >> 8));
    if (padding < 1) out.push_back(std::byte(group));
  }
  return out;
}

}  // namespace wscore::detail

// SPDX-License-Identifier: MIT
// ASCII character classes shared by the HTTP and URI grammars (RFC 5234 B.1, RFC 3986 §2).
#pragma once

#include <string_view>

namespace wscore::detail {

[[nodiscard]] constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

[[nodiscard]] constexpr bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

[[nodiscard]] constexpr char to_lower_ascii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
[[nodiscard]] constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 §2.2: sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=".
[[nodiscard]] constexpr bool is_sub_delim(char c) noexcept {
  constexpr std::string_view sub_delims = "!$&'()*+,;=";
  return c != '\0' && sub_delims.find(c) != std::string_view::npos;
}

}  // namespace wscore::detail

// SPDX-License-Identifier: MIT
// Test support: HTTP heads (RFC 9112) written readably in tests, and edited a line at a time.
#pragma once

#include <string>
#include <string_view>

namespace wscore::test {

// Protocol traces are written with "\n" line ends for readability; the wire uses CRLF.
inline std::string crlf(std::string_view text) {
  std::string wire;
  for (const char c : text) {
    if (c == '\n') wire += '\r';
    wire += c;
  }
  return wire;
}

// Replaces the line of header `name` (matched case-sensitively, first occurrence) in the CRLF
// head `head` with `lines` (CRLF-separated, without the final CRLF); empty `lines` removes it.
inline std::string replace_header(std::string head, std::string_view name, std::string_view lines) {
  const std::size_t begin = head.find("\r\n" + std::string(name) + ":") + 2;
  const std::size_t end = head.find("\r\n", begin) + 2;
  head.replace(begin, end - begin, lines.empty() ? "" : std::string(lines) + "\r\n");
  return head;
}

// Adds `lines` after the last header of the CRLF head `head`.
inline std::string add_headers(std::string head, std::string_view lines) {
  head.insert(head.size() - 2, std::string(lines) + "\r\n");
  return head;
}

}  // namespace wscore::test

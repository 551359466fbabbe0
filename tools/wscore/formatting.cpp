// SPDX-License-Identifier: MIT
#include "formatting.hpp"

#include <chrono>
#include <cstdio>

#include "wscore/utf8.hpp"

namespace wscore::cli {
namespace {

std::string printf_string(const char* format, double value, const char* unit) {
  char text[48];
  std::snprintf(text, sizeof text, format, value, unit);
  return text;
}

}  // namespace

std::string format_duration(double nanoseconds) {
  if (nanoseconds < 1e3) return printf_string("%.0f %s", nanoseconds, "ns");
  if (nanoseconds < 1e6) return printf_string("%.1f %s", nanoseconds / 1e3, "µs");
  if (nanoseconds < 1e9) return printf_string("%.1f %s", nanoseconds / 1e6, "ms");
  return printf_string("%.2f %s", nanoseconds / 1e9, "s");
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  return printf_string("%.1f %s", bytes, units[unit]);
}

std::string to_hex(ByteView bytes) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::byte b : bytes) {
    out.push_back(digits[std::to_integer<unsigned>(b) >> 4]);
    out.push_back(digits[std::to_integer<unsigned>(b) & 0xf]);
  }
  return out;
}

std::string describe_payload(ByteView bytes) {
  if (bytes.empty()) return "(empty)";
  bool printable = is_valid_utf8(bytes);
  for (const std::byte b : bytes)
    printable = printable && (std::to_integer<unsigned>(b) >= 0x20 && b != std::byte{0x7f});
  return printable ? std::string(as_text(bytes)) : "0x" + to_hex(bytes);
}

std::string quote_for_error(std::string_view text) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out = "'";
  for (const char c : text) {
    const auto code = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (code < 0x20 || code == 0x7f) {
      out += "\\x";
      out.push_back(digits[code >> 4]);
      out.push_back(digits[code & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

void append_json_string(std::string& out, std::string_view text) {
  constexpr std::string_view digits = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto code = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (code < 0x20 || code == 0x7f) {  // RFC 8259 §7: control characters escaped
      out += "\\u00";
      out.push_back(digits[code >> 4]);
      out.push_back(digits[code & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

double unix_time_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()) /
         1e6;
}

}  // namespace wscore::cli

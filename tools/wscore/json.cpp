// SPDX-License-Identifier: MIT
#include "json.hpp"

#include <cstdint>

#include "wscore/utf8.hpp"

namespace wscore::cli {
namespace {

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// A cursor over the text; each read_* returns false on a syntax error.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return at_ == text_.size();
  }
  char peek() {
    skip_space();
    return at_ < text_.size() ? text_[at_] : '\0';
  }

  // RFC 8259 §7, after the opening quote has been seen by peek().
  bool read_string(std::string& out) {
    if (!take('"')) return false;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ == text_.size()) return false;
      const char escape = text_[at_++];
      switch (escape) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t unit = 0;
          if (!read_hex4(unit)) return false;
          // A high surrogate and its low one make one code point; a lone one is U+FFFD.
          if (unit >= 0xD800 && unit < 0xDC00 && text_.substr(at_, 2) == "\\u") {
            at_ += 2;
            std::uint32_t low = 0;
            if (!read_hex4(low)) return false;
            unit = (low >= 0xDC00 && low < 0xE000)
                       ? 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                       : 0xFFFD;
          } else if (unit >= 0xD800 && unit < 0xE000) {
            unit = 0xFFFD;
          }
          append_utf8(out, unit);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // A number, true, false or null: kept as its text.
  bool read_scalar(std::string& out) {
    skip_space();
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '}' && text_[at_] != ' ' &&
           text_[at_] != '\t' && text_[at_] != '\n' && text_[at_] != '\r') {
      ++at_;
    }
    out = std::string(text_.substr(start, at_ - start));
    if (out == "true" || out == "false" || out == "null") return true;
    // RFC 8259 §6, loosely: digits with an optional sign, fraction and exponent.
    if (out.empty()) return false;
    for (const char c : out) {
      if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
        return false;
      }
    }
    return true;
  }

 private:
  bool read_hex4(std::uint32_t& value) {
    if (text_.size() - at_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

std::string json_string(std::string_view text) {
  // Invalid UTF-8 (a path or a reason from the wire) must not make the line invalid JSON.
  std::string valid;
  if (!is_valid_utf8(as_bytes(text))) {
    for (const char c : text) {
      valid += static_cast<unsigned char>(c) < 0x80 ? std::string(1, c) : std::string("\uFFFD");
    }
    text = valid;
  }
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::optional<std::map<std::string, std::string>> parse_flat_json_object(std::string_view text) {
  Reader reader(text);
  std::map<std::string, std::string> members;
  if (!reader.take('{')) return std::nullopt;
  if (reader.take('}')) return reader.at_end() ? std::optional(members) : std::nullopt;
  do {
    std::string name, value;
    if (reader.peek() != '"' || !reader.read_string(name) || !reader.take(':')) {
      return std::nullopt;
    }
    const char first = reader.peek();
    if (first == '{' || first == '[') return std::nullopt;
    if (!(first == '"' ? reader.read_string(value) : reader.read_scalar(value))) {
      return std::nullopt;
    }
    members[name] = std::move(value);
  } while (reader.take(','));
  if (!reader.take('}') || !reader.at_end()) return std::nullopt;
  return members;
}

}  // namespace wscore::cli

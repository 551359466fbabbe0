// SPDX-License-Identifier: MIT
// Sec-WebSocket-Extensions (RFC 6455 §9.1):
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
// with the "implied *LWS" of RFC 2616 §2.1: optional whitespace around the separators.
#include "wscore/extension_offer.hpp"

#include "wscore/detail/http_head.hpp"

namespace wscore {
namespace {

// A cursor over a header value; every member returns false on a syntax error.
class ExtensionListReader {
 public:
  explicit ExtensionListReader(std::string_view text) noexcept : text_(text) {}

  bool at_end() const noexcept { return position_ == text_.size(); }
  bool peek(char c) const noexcept { return !at_end() && text_[position_] == c; }
  void advance() noexcept { ++position_; }

  void skip_ows() noexcept {
    while (peek(' ') || peek('\t'))
      advance();
  }

  bool read_token(std::string& token) {
    const std::size_t begin = position_;
    while (!at_end() && detail::is_token_char(text_[position_]))
      advance();
    token.assign(text_.substr(begin, position_ - begin));
    return !token.empty();
  }

  // RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, where
  // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ). Stores the unescaped content.
  bool read_quoted_string(std::string& content) {
    content.clear();
    advance();  // the opening DQUOTE
    while (!at_end()) {
      char c = text_[position_];
      advance();
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        c = text_[position_];
        advance();
      }
      // Any character may be kept here: the caller requires the content to be a token.
      content += c;
    }
    return false;  // no closing DQUOTE
  }

  bool read_parameter_value(std::string& value) {
    if (peek('"')) {
      // RFC 6455 §9.1: the unescaped quoted-string must itself be a token.
      return read_quoted_string(value) && detail::is_token(value);
    }
    return read_token(value);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

bool needs_quotes(std::string_view value) noexcept {
  return !detail::is_token(value);
}

}  // namespace

bool parse_extension_offers(std::string_view header_value, std::vector<ExtensionOffer>& offers) {
  ExtensionListReader reader(header_value);
  reader.skip_ows();
  while (!reader.at_end()) {
    // RFC 9110 §5.6.1: empty list elements ("a, , b") are accepted and ignored.
    if (reader.peek(',')) {
      reader.advance();
      reader.skip_ows();
      continue;
    }
    ExtensionOffer offer;
    if (!reader.read_token(offer.name)) return false;
    reader.skip_ows();
    while (reader.peek(';')) {
      reader.advance();
      reader.skip_ows();
      ExtensionParameter parameter;
      if (!reader.read_token(parameter.name)) return false;
      reader.skip_ows();
      if (reader.peek('=')) {
        reader.advance();
        reader.skip_ows();
        std::string value;
        if (!reader.read_parameter_value(value)) return false;
        parameter.value = std::move(value);
        reader.skip_ows();
      }
      offer.parameters.push_back(std::move(parameter));
    }
    offers.push_back(std::move(offer));
    if (reader.at_end()) break;
    if (!reader.peek(',')) return false;  // something other than ';' or ',' after an extension
  }
  return true;
}

std::string format_extension_offers(const std::vector<ExtensionOffer>& offers) {
  std::string out;
  for (const ExtensionOffer& offer : offers) {
    if (!out.empty()) out += ", ";
    out += offer.name;
    for (const ExtensionParameter& parameter : offer.parameters) {
      out += "; ";
      out += parameter.name;
      if (!parameter.value) continue;
      out += '=';
      if (!needs_quotes(*parameter.value)) {
        out += *parameter.value;
        continue;
      }
      out += '"';
      for (const char c : *parameter.value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
  }
  return out;
}

}  // namespace wscore

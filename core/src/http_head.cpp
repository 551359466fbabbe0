// SPDX-License-Identifier: MIT
// Incremental HTTP/1.1 head scanning and the grammar helpers of RFC 9110 §5.6 and RFC 9112.
#include "wscore/detail/http_head.hpp"

#include "wscore/detail/ascii.hpp"

namespace wscore::detail {
namespace {

bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

// Whether `text` has only characters that `allowed` accepts and pct-encoded octets
// (RFC 3986 §2.1).
template <class Allowed>
bool is_pct_encoded_text(std::string_view text, Allowed allowed) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return false;
      if (!is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2])) return false;
      i += 2;
    } else if (!allowed(text[i])) {
      return false;
    }
  }
  return true;
}

struct ReasonPhrase {
  int status;
  std::string_view phrase;
};

// RFC 9110 §15 (429 and 431: RFC 6585 §4, §5).
constexpr ReasonPhrase reason_phrases[] = {
    {101, "Switching Protocols"},
    {200, "OK"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {426, "Upgrade Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

// RFC 9110 §5.5: field-vchar = VCHAR / obs-text; SP and HTAB may appear inside a value.
bool is_field_value_char(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7F);
}

}  // namespace

bool is_token_char(char c) noexcept {
  // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
  // "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
  constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
  return is_alpha(c) || is_digit(c) || (c != '\0' && symbols.find(c) != std::string_view::npos);
}

bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && is_ows(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back()))
    text.remove_suffix(1);
  return text;
}

bool next_list_element(std::string_view& rest, std::string_view& element) noexcept {
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    element = trim_ows(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (!element.empty()) return true;
  }
  return false;
}

bool list_contains(std::string_view list, std::string_view token) noexcept {
  std::string_view element;
  while (next_list_element(list, element)) {
    if (equals_ignore_case(element, token)) return true;
  }
  return false;
}

bool is_origin_form(std::string_view target) noexcept {
  // RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ], where absolute-path =
  // 1*( "/" segment ), segment = *pchar, query = *( pchar / "/" / "?" ) (RFC 3986 §3.3, §3.4).
  if (target.empty() || target.front() != '/') return false;
  const auto is_path_char = [](char c) {
    return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '/';
  };
  const auto is_query_char = [&](char c) { return is_path_char(c) || c == '?'; };
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return is_pct_encoded_text(target, is_path_char);
  return is_pct_encoded_text(target.substr(0, question), is_path_char) &&
         is_pct_encoded_text(target.substr(question + 1), is_query_char);
}

bool is_valid_host(std::string_view host) noexcept {
  // RFC 9110 §7.2: Host = uri-host [ ":" port ]; the characters of reg-name, IPv4address,
  // IP-literal (RFC 3986 §3.2.2) and port. The structure is not checked further.
  if (host.empty()) return false;
  return is_pct_encoded_text(host, [](char c) {
    return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '[' || c == ']';
  });
}

std::string_view reason_phrase(int status) noexcept {
  for (const ReasonPhrase& entry : reason_phrases) {
    if (entry.status == status) return entry.phrase;
  }
  return {};
}

std::optional<HttpVersion> parse_http_version(std::string_view text) noexcept {
  constexpr std::string_view prefix = "HTTP/";
  if (text.size() != prefix.size() + 3 || !text.starts_with(prefix)) return std::nullopt;
  const char major = text[5], dot = text[6], minor = text[7];
  if (!is_digit(major) || dot != '.' || !is_digit(minor)) return std::nullopt;
  return HttpVersion{major - '0', minor - '0'};
}

void append_header_line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

HttpHeadScanner::Step HttpHeadScanner::scan(ByteView input, std::string& head) {
  if (state_ == State::end_of_head || state_ == State::failed) return {Event::need_more, 0};
  const std::string_view text = as_text(input);
  std::size_t appended = 0;  // bytes of `text` already in `head`
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (head.size() + (i - appended) + 1 > max_head_size_) {
      return {fail(Event::too_large, "head exceeds the size limit"), i + 1};
    }
    if (state_ == State::after_cr) {
      if (c != '\n') return {fail(Event::malformed, "CR not followed by LF"), i + 1};
      head.append(text.substr(appended, i + 1 - appended));
      appended = i + 1;
      state_ = State::line;
      if (const std::optional<Event> event = end_line(head)) return {*event, appended};
      continue;
    }
    // RFC 9112 §2.2: lines end in CRLF. NUL is never valid in a head (RFC 9110 §5.5).
    if (c == '\r') {
      state_ = State::after_cr;
    } else if (c == '\n') {
      return {fail(Event::malformed, "LF not preceded by CR"), i + 1};
    } else if (c == '\0') {
      return {fail(Event::malformed, "NUL in the head"), i + 1};
    } else if (line_begin_ != 0 && is_ows(c) && head.size() + (i - appended) == line_begin_) {
      // RFC 9112 §5.2: obs-fold (a field line starting with whitespace) is rejected, and so is
      // whitespace between the start line and the first field (RFC 9112 §2.2).
      return {fail(Event::malformed, "header line starts with whitespace (obs-fold)"), i + 1};
    }
  }
  head.append(text.substr(appended));
  return {Event::need_more, text.size()};
}

std::optional<HttpHeadScanner::Event> HttpHeadScanner::end_line(const std::string& head) {
  const std::size_t line_end = head.size() - 2;  // before the CRLF
  const std::string_view line = std::string_view(head).substr(line_begin_, line_end - line_begin_);
  const std::size_t begin = line_begin_;
  line_begin_ = head.size();
  if (begin == 0) return Event::start_line;
  if (line.empty()) {
    state_ = State::end_of_head;
    return Event::end_of_head;
  }

  // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS, field-name = token.
  std::size_t colon = 0;
  while (colon < line.size() && is_token_char(line[colon]))
    ++colon;
  if (colon == line.size()) return fail(Event::malformed, "header line without a colon");
  if (line[colon] != ':') {
    // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
    return fail(Event::malformed, is_ows(line[colon])
                                      ? "whitespace in a header name or before its colon"
                                      : "invalid character in a header name");
  }
  if (colon == 0) return fail(Event::malformed, "empty header name");
  const std::string_view raw_value = line.substr(colon + 1);
  for (const char c : raw_value) {
    if (!is_field_value_char(c)) return fail(Event::malformed, "control character in a header");
  }
  const std::string_view value = trim_ows(raw_value);
  const std::size_t value_begin =
      value.empty() ? begin + line.size() : begin + std::size_t(value.data() - line.data());
  fields_.push_back({begin, colon, value_begin, value.size()});
  return std::nullopt;
}

std::string_view HttpHeadScanner::start_line(const std::string& head) const noexcept {
  // The start line is the first line; line_begin_ is just past its CRLF.
  return std::string_view(head).substr(0, line_begin_ >= 2 ? line_begin_ - 2 : 0);
}

HttpHeadScanner::Field HttpHeadScanner::field(std::string_view head,
                                              std::size_t index) const noexcept {
  const FieldOffsets& offsets = fields_[index];
  return {head.substr(offsets.name_begin, offsets.name_size),
          head.substr(offsets.value_begin, offsets.value_size)};
}

HttpHeadScanner::Event HttpHeadScanner::fail(Event event, std::string_view what) noexcept {
  state_ = State::failed;
  what_ = what;
  return event;
}

}  // namespace wscore::detail

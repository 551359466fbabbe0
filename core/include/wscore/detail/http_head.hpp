// SPDX-License-Identifier: MIT
// The HTTP/1.1 message head (RFC 9112 §2.1, §5), shared by the request and response parsers of
// the opening handshake: an incremental scanner that buffers the head and checks its line and
// header-field syntax as bytes arrive, plus the small grammar helpers both parsers need.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"

namespace wscore::detail {

// RFC 9110 §5.6.2: tchar and token.
[[nodiscard]] bool is_token_char(char c) noexcept;
[[nodiscard]] bool is_token(std::string_view text) noexcept;

// ASCII case-insensitive equality (header names, Upgrade and Connection tokens).
[[nodiscard]] bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;

// Removes leading and trailing OWS (SP and HTAB, RFC 9110 §5.6.3).
[[nodiscard]] std::string_view trim_ows(std::string_view text) noexcept;

// Takes the next element of a comma-separated list (RFC 9110 §5.6.1) from the front of `rest`,
// trimmed of OWS. Empty elements are skipped, as the RFC asks recipients to. Returns false when
// the list has no more elements.
[[nodiscard]] bool next_list_element(std::string_view& rest, std::string_view& element) noexcept;

// Whether the comma list `list` has an element equal to `token`, ignoring case.
[[nodiscard]] bool list_contains(std::string_view list, std::string_view token) noexcept;

// Whether `target` is an origin-form request target, "/path?query" (RFC 9112 §3.2.1).
[[nodiscard]] bool is_origin_form(std::string_view target) noexcept;

// Whether `host` uses only the characters of a Host value, uri-host [":" port] (RFC 9110 §7.2),
// and is not empty.
[[nodiscard]] bool is_valid_host(std::string_view host) noexcept;

// The standard reason phrase of `status` (RFC 9110 §15), or "" for one we do not know.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
struct HttpVersion {
  int major = 0;
  int minor = 0;
};
[[nodiscard]] std::optional<HttpVersion> parse_http_version(std::string_view text) noexcept;

// Header fields named `name` (case-insensitive): how many, and the first one's value.
// `headers` is a range of HttpHeader.
struct HeaderOccurrences {
  std::size_t count = 0;
  std::string_view first_value;
};
template <class Headers>
[[nodiscard]] HeaderOccurrences find_headers(const Headers& headers,
                                             std::string_view name) noexcept {
  HeaderOccurrences found;
  for (const auto& header : headers) {
    if (!equals_ignore_case(header.name, name)) continue;
    if (found.count++ == 0) found.first_value = header.value;
  }
  return found;
}

// Appends "name: value" CRLF.
void append_header_line(std::string& out, std::string_view name, std::string_view value);

// Re-points a view into a buffer that started at `old_base` at the same offset in a buffer that
// starts at `new_base` (after the owning string was copied or moved). Default-constructed views
// stay as they are.
[[nodiscard]] inline std::string_view rebase_view(std::string_view view, const char* old_base,
                                                  const char* new_base) noexcept {
  if (view.data() == nullptr) return view;
  return {new_base + (view.data() - old_base), view.size()};
}

// Scans a message head a piece at a time. Every byte it accepts is appended to the caller's
// `head` buffer; it stops after the CRLF CRLF that ends the head and never takes a byte beyond
// it. Bytes are checked as they arrive, so an error is reported at the byte that causes it and
// the outcome does not depend on how the input was split:
//   - NUL, a CR not followed by LF, or an LF not preceded by CR: malformed (RFC 9112 §2.2
//     allows a bare LF to be accepted; we do not);
//   - a field line that starts with SP or HTAB (obs-fold, or whitespace before the first field,
//     RFC 9112 §5.2 and §2.2): malformed;
//   - a field line that is not token ":" OWS field-value OWS, has whitespace before the colon,
//     or a control character other than HTAB in its value (RFC 9112 §5, §5.1): malformed;
//   - more than `max_head_size` bytes without the end of the head: too_large.
// The start line is handed to the caller (Event::start_line) to check; header fields are
// recorded as offsets into `head` and turned into views by field() once the head is complete
// and the buffer no longer moves.
class HttpHeadScanner {
 public:
  enum class Event { need_more, start_line, end_of_head, malformed, too_large };
  struct Step {
    Event event;
    std::size_t bytes_consumed;  // of the input passed to this scan() call
  };

  explicit HttpHeadScanner(std::size_t max_head_size) noexcept : max_head_size_(max_head_size) {}

  // Takes bytes from `input` until an event other than need_more, or until the input is used
  // up. After start_line, call again with the rest of the input. After end_of_head, malformed
  // or too_large, it takes nothing more.
  Step scan(ByteView input, std::string& head);

  // The start line (without CRLF), valid right after Event::start_line until the next scan().
  [[nodiscard]] std::string_view start_line(const std::string& head) const noexcept;
  // Why the head is malformed or too large; a static string.
  [[nodiscard]] std::string_view what() const noexcept { return what_; }
  // The header fields seen so far, in order, as views into `head`: name, and value without
  // surrounding OWS.
  struct Field {
    std::string_view name;
    std::string_view value;
  };
  [[nodiscard]] std::size_t field_count() const noexcept { return fields_.size(); }
  [[nodiscard]] Field field(std::string_view head, std::size_t index) const noexcept;

 private:
  enum class State {
    line,         // inside a line (the start line when line_begin_ is 0)
    after_cr,     // the last byte was CR; only LF may follow
    end_of_head,  // the empty line has been seen
    failed,       // malformed or too large
  };
  struct FieldOffsets {
    std::size_t name_begin, name_size, value_begin, value_size;
  };

  // Checks the line that just ended and records it; returns the event to report, if any.
  std::optional<Event> end_line(const std::string& head);
  Event fail(Event event, std::string_view what) noexcept;

  std::size_t max_head_size_;
  State state_ = State::line;
  std::size_t line_begin_ = 0;  // offset in the head of the current line
  std::string_view what_;
  std::vector<FieldOffsets> fields_;
};

}  // namespace wscore::detail

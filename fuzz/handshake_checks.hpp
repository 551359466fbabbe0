// SPDX-License-Identifier: MIT
// Checks shared by the handshake targets: feeding a parser in pieces, comparing parsed heads,
// and the frames that follow a head.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "wscore/connection.hpp"
#include "wscore/detail/http_head.hpp"

namespace wscore::fuzz {

// Feeds `bytes` to `parser` in the given piece sizes, stopping at the first result that is not
// need_more. Returns that result with bytes_consumed summed over the calls. A parser that has
// finished must take nothing more.
template <class Parser>
typename Parser::Result feed_in_pieces(Parser& parser, ByteView bytes,
                                       const std::vector<std::size_t>& pieces) {
  typename Parser::Result result{Parser::Status::need_more, 0};
  std::size_t at = 0;
  std::size_t consumed = 0;
  for (const std::size_t piece : pieces) {
    result = parser.feed(bytes.subspan(at, piece));
    check(result.bytes_consumed <= piece, "a parser never consumes more than it is given");
    consumed += result.bytes_consumed;
    at += piece;
    if (result.status != Parser::Status::need_more) break;
  }
  if (result.status != Parser::Status::need_more) {
    check(parser.status() == result.status, "status() agrees with the last result");
    const auto again = parser.feed(bytes.subspan(std::min(consumed, bytes.size())));
    check(again.status == result.status && again.bytes_consumed == 0,
          "a finished parser takes nothing more");
  }
  result.bytes_consumed = consumed;
  return result;
}

// The head of a complete parse ends at its first empty line: nothing after it is consumed.
inline void check_head_end(ByteView bytes, std::size_t consumed) {
  const std::string_view text = as_text(bytes);
  const std::size_t blank_line = text.find("\r\n\r\n");
  check(blank_line != std::string_view::npos && blank_line + 4 == consumed,
        "a complete head ends at its first empty line, and no byte after it is consumed");
}

inline void check_header_fields(std::span<const HttpHeader> headers) {
  for (const HttpHeader& header : headers) {
    check(detail::is_token(header.name), "header names are tokens");
    check(detail::trim_ows(header.value) == header.value, "header values are trimmed");
    check(is_valid_header(header), "header values hold no CR, LF or NUL");
  }
}

inline bool same_headers(std::span<const HttpHeader> a, std::span<const HttpHeader> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

inline bool same_request(const HandshakeRequest& a, const HandshakeRequest& b) {
  return a.method() == b.method() && a.target() == b.target() && a.path() == b.path() &&
         a.query() == b.query() && a.host() == b.host() && a.origin() == b.origin() &&
         a.key() == b.key() && same_headers(a.headers(), b.headers()) &&
         std::equal(a.subprotocols().begin(), a.subprotocols().end(), b.subprotocols().begin(),
                    b.subprotocols().end()) &&
         std::equal(a.extensions().begin(), a.extensions().end(), b.extensions().begin(),
                    b.extensions().end());
}

inline bool same_response(const HandshakeResponse& a, const HandshakeResponse& b) {
  return a.status() == b.status() && a.reason() == b.reason() &&
         a.subprotocol() == b.subprotocol() && same_headers(a.headers(), b.headers()) &&
         std::equal(a.extensions().begin(), a.extensions().end(), b.extensions().begin(),
                    b.extensions().end());
}

// The trace of `bytes` fed to a fresh open connection in `role`. (Nothing to feed means no
// events; the frame targets cover next_event() on a connection that has no input yet.)
inline std::vector<TraceEntry> frames_trace(Role role, ByteView bytes) {
  if (bytes.empty()) return {};
  ConnectionOptions options;
  Connection connection = Connection::open(role, options, [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0x11};
  });
  EventChecker checker(options, 0);
  connection.receive(bytes);
  while (auto event = connection.next_event())
    checker.on_event(*event);
  return checker.trace();
}

inline std::vector<std::string> strings_of(std::span<const std::string_view> views) {
  return {views.begin(), views.end()};
}

inline std::vector<std::string> extension_names(std::span<const ExtensionOffer> offers) {
  std::vector<std::string> names;
  for (const ExtensionOffer& offer : offers)
    names.push_back(offer.name);
  return names;
}

}  // namespace wscore::fuzz

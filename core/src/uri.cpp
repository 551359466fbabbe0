// SPDX-License-Identifier: MIT
// WebSocket URIs (RFC 6455 §3) with the RFC 3986 productions they are built from:
//   ws-URI      = "ws:" "//" host [ ":" port ] path-abempty [ "?" query ]
//   host        = IP-literal / IPv4address / reg-name          (RFC 3986 §3.2.2)
//   IP-literal  = "[" IPv6address "]"                          (IPvFuture is not accepted)
//   reg-name    = *( unreserved / pct-encoded / sub-delims )   (IPv4address is a reg-name too)
//   port        = *DIGIT                                       (§3.2.3)
//   path-abempty = *( "/" segment ), segment = *pchar          (§3.3)
//   query       = *( pchar / "/" / "?" )                       (§3.4)
//   pchar       = unreserved / pct-encoded / sub-delims / ":" / "@"
#include "wscore/uri.hpp"

#include <charconv>
#include <cstddef>
#include <utility>

#include "wscore/detail/ascii.hpp"
#include "wscore/detail/http_head.hpp"

namespace wscore {
namespace {

using detail::is_alpha;
using detail::is_digit;
using detail::is_hex_digit;
using detail::is_sub_delim;
using detail::is_unreserved;

constexpr std::uint16_t default_ws_port = 80;    // RFC 6455 §3
constexpr std::uint16_t default_wss_port = 443;  // RFC 6455 §3

enum class CharCheck { ok, bad_character, bad_percent_encoding };

// Checks that every character of `text` is unreserved, sub-delims, pct-encoded (RFC 3986 §2.1:
// "%" HEXDIG HEXDIG) or one of `extra`. Every byte outside these sets (space, controls, CR, LF,
// non-ASCII, '"', '<', '>', '\\', '^', '`', '{', '|', '}', ...) is refused.
CharCheck check_characters(std::string_view text, std::string_view extra) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || !is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2])) {
        return CharCheck::bad_percent_encoding;
      }
      i += 2;
      continue;
    }
    if (!is_unreserved(c) && !is_sub_delim(c) && extra.find(c) == std::string_view::npos) {
      return CharCheck::bad_character;
    }
  }
  return CharCheck::ok;
}

// RFC 3986 §3.2.2: dec-octet is 0-255 without leading zeros; IPv4address is four of them.
bool is_ipv4_address(std::string_view text) noexcept {
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (!text.starts_with('.')) return false;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    unsigned value = 0;
    while (digits < text.size() && digits < 3 && is_digit(text[digits])) {
      value = value * 10 + static_cast<unsigned>(text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || value > 255 || (digits > 1 && text[0] == '0')) return false;
    text.remove_prefix(digits);
  }
  return text.empty();
}

// The number of 16-bit pieces in `text`, a ':'-separated list of h16 (1-4 hex digits) whose last
// element may be an IPv4address (two pieces) when `may_end_in_ipv4`; an empty list has none.
// Returns -1 if `text` is not such a list.
int count_ipv6_pieces(std::string_view text, bool may_end_in_ipv4) noexcept {
  if (text.empty()) return 0;
  int pieces = 0;
  while (true) {
    const std::size_t colon = text.find(':');
    const std::string_view element = text.substr(0, colon);
    const bool last = colon == std::string_view::npos;
    if (last && may_end_in_ipv4 && element.find('.') != std::string_view::npos) {
      return is_ipv4_address(element) ? pieces + 2 : -1;
    }
    if (element.empty() || element.size() > 4) return -1;
    for (const char c : element) {
      if (!is_hex_digit(c)) return -1;
    }
    ++pieces;
    if (last) return pieces;
    text.remove_prefix(colon + 1);
  }
}

// RFC 3986 §3.2.2 IPv6address: eight pieces, or fewer with one "::" standing for at least one
// zero piece; the last two pieces may be written as an IPv4 address.
bool is_ipv6_address(std::string_view text) noexcept {
  constexpr int all_pieces = 8;
  const std::size_t elided = text.find("::");
  if (elided == std::string_view::npos) return count_ipv6_pieces(text, true) == all_pieces;
  const int before = count_ipv6_pieces(text.substr(0, elided), false);
  const int after = count_ipv6_pieces(text.substr(elided + 2), true);
  return before >= 0 && after >= 0 && before + after < all_pieces;
}

// The reason for a CharCheck failure, or an empty view if the characters are fine.
std::string_view character_error(CharCheck check, std::string_view bad_character) noexcept {
  switch (check) {
    case CharCheck::ok:
      return {};
    case CharCheck::bad_character:
      return bad_character;
    case CharCheck::bad_percent_encoding:
      return "bad percent-encoding";
  }
  return bad_character;
}

struct Authority {
  std::string_view host;  // without brackets
  bool ipv6 = false;
  std::string_view port;  // after ':'; empty if there is no ':' or nothing after it
};

// RFC 3986 §3.2: authority = [ userinfo "@" ] host [ ":" port ], with userinfo refused.
// Returns the reason `authority` is refused, or an empty view (and fills `parts`).
std::string_view split_authority(std::string_view authority, Authority& parts) noexcept {
  // RFC 6455 §4.1 sends only host and port (the Host header) and the resource name, so there
  // is nowhere for credentials to go; dropping them silently would hide the caller's mistake.
  if (authority.find('@') != std::string_view::npos) {
    return "userinfo (user@) is not allowed in a WebSocket URI";
  }
  // RFC 3986 §3.2.2: host = IP-literal / IPv4address / reg-name.
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in IPv6 literal";
    parts.host = authority.substr(1, close - 1);
    parts.ipv6 = true;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return "only \":port\" may follow ']'";
    parts.port = after.substr(after.empty() ? 0 : 1);
    if (parts.host.empty()) return "empty host";
    if (parts.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return "character not allowed in IPv6 literal";
    }
    if (!is_ipv6_address(parts.host)) return "malformed IPv6 literal";
    return {};
  }
  // ':' is not a reg-name character, so the first one starts the port.
  const std::size_t colon = authority.find(':');
  parts.host = authority.substr(0, colon);
  parts.port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  if (parts.host.empty()) return "empty host";
  return character_error(check_characters(parts.host, {}), "character not allowed in host");
}

// RFC 3986 §3.2.3: port = *DIGIT, of which 1-65535 can be connected to; an empty port means
// the scheme's default. Returns false for anything else.
bool parse_port(std::string_view digits, std::uint16_t default_port, std::uint16_t& port) noexcept {
  if (digits.empty()) {
    port = default_port;
    return true;
  }
  unsigned value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return false;
  }
  if (value == 0) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// RFC 6455 §4.1 item 4: Host carries /host/, plus ":" /port/ only when the port is not the
// default; an IPv6 literal keeps its brackets there (RFC 9110 §7.2: uri-host [ ":" port ]).
void build_host_header(const Authority& parts, std::uint16_t port, std::uint16_t default_port,
                       std::string& host_header) {
  char port_digits[5];  // up to 65535
  std::size_t port_length = 0;
  if (port != default_port) {
    const auto converted = std::to_chars(port_digits, port_digits + sizeof port_digits, port);
    port_length = static_cast<std::size_t>(converted.ptr - port_digits);
  }
  host_header.reserve(parts.host.size() + (parts.ipv6 ? 2 : 0) +
                      (port_length > 0 ? 1 + port_length : 0));
  if (parts.ipv6) host_header.push_back('[');
  host_header.append(parts.host);
  if (parts.ipv6) host_header.push_back(']');
  if (port_length > 0) {
    host_header.push_back(':');
    host_header.append(port_digits, port_length);
  }
}

UriParseResult refuse(std::string_view reason) {
  return UriParseResult{std::nullopt, reason};
}

}  // namespace

UriParseResult parse_websocket_uri(std::string_view text) {
  // RFC 6455 §3 with RFC 3986 §3.1: the scheme is "ws" or "wss" in any case; "//" follows.
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return refuse("not a ws:// or wss:// URI");
  const std::string_view scheme = text.substr(0, colon);
  const bool secure = detail::equals_ignore_case(scheme, "wss");
  if (!secure && !detail::equals_ignore_case(scheme, "ws"))
    return refuse("not a ws:// or wss:// URI");
  std::string_view rest = text.substr(colon + 1);
  if (!rest.starts_with("//")) return refuse("not a ws:// or wss:// URI");
  rest.remove_prefix(2);

  // RFC 6455 §3: fragment identifiers MUST NOT be used; a '#' that is data is written %23.
  // '#' is in no other production, so any '#' is a fragment.
  if (rest.find('#') != std::string_view::npos) {
    return refuse("fragment (#) is not allowed in a WebSocket URI");
  }

  // RFC 3986 §3.2: the authority ends at the first '/' or '?' (no '#' is left).
  const std::size_t authority_end = rest.find_first_of("/?");
  Authority parts;
  if (const std::string_view reason = split_authority(rest.substr(0, authority_end), parts);
      !reason.empty()) {
    return refuse(reason);
  }
  const std::uint16_t default_port = secure ? default_wss_port : default_ws_port;
  std::uint16_t port = 0;
  if (!parse_port(parts.port, default_port, port)) return refuse("bad port");

  // RFC 3986 §3.3/§3.4: path-abempty (it starts with '/' or is empty, as the authority ends at
  // '/' or '?') then an optional query. Only pchar, '/' and (in the query) '?' may appear, so no
  // space, CR or LF can reach the request line built from the resource name.
  const std::string_view path_and_query =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  const std::size_t query_start = path_and_query.find('?');
  const std::string_view path = path_and_query.substr(0, query_start);
  const std::string_view query = query_start == std::string_view::npos
                                     ? std::string_view()
                                     : path_and_query.substr(query_start + 1);
  if (const std::string_view reason =
          character_error(check_characters(path, ":@/"), "character not allowed in path");
      !reason.empty()) {
    return refuse(reason);
  }
  if (const std::string_view reason =
          character_error(check_characters(query, ":@/?"), "character not allowed in query");
      !reason.empty()) {
    return refuse(reason);
  }

  WebSocketUri uri;
  uri.secure = secure;
  uri.host.assign(parts.host);
  uri.port = port;
  // RFC 6455 §3 resource-name: "/" if the path is empty, the path, then "?" and the query only
  // if the query is non-empty.
  uri.resource_name.clear();
  uri.resource_name.reserve((path.empty() ? 1 : path.size()) +
                            (query.empty() ? 0 : 1 + query.size()));
  uri.resource_name.append(path.empty() ? std::string_view("/") : path);
  if (!query.empty()) {
    uri.resource_name.push_back('?');
    uri.resource_name.append(query);
  }
  build_host_header(parts, port, default_port, uri.host_header);
  return UriParseResult{std::move(uri), {}};
}

}  // namespace wscore

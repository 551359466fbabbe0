// SPDX-License-Identifier: MIT
/// @file
/// WebSocket URIs (RFC 6455 §3): the /host/, /port/, /resource name/ and /secure/ flag a client
/// needs to open a connection (§4.1), taken from a ws:// or wss:// URI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wscore {

/// RFC 6455 §3: ws-URI = "ws:" "//" host [ ":" port ] path [ "?" query ], wss-URI likewise.
/// A value: it owns its strings.
struct WebSocketUri {
  bool secure = false;  ///< wss
  /// Without brackets for an IPv6 literal; as written otherwise (only the scheme's case is
  /// ignored; percent-encoding is kept, not decoded).
  std::string host;
  std::uint16_t port = 0;  ///< default 80 for ws, 443 for wss (§3)
  /// §3 "resource-name": the path (or "/" if empty), then "?" and the query if the query is
  /// non-empty. Percent-encoding is kept, so it can go into the request line as it is.
  std::string resource_name = "/";
  /// What the Host header carries (§4.1 item 4): host, "[v6]" for IPv6, ":port" appended only
  /// when not the default.
  std::string host_header;
};

/// What parse_websocket_uri() found: the URI, or why there is none.
struct UriParseResult {
  /// The URI's parts; nullopt when `error` is set.
  std::optional<WebSocketUri> uri;
  std::string_view error;  ///< empty on success; a short static reason
                           ///< @lifetime A string literal: valid for the life of the program.
};

/// Parses and validates `text`, the whole URI with nothing around it. Never throws on bad input;
/// the only allocations are the strings of the result. `error` points to a string literal, so it
/// stays valid for the life of the program. Refused, with these reasons:
/// @verbatim
///   "not a ws:// or wss:// URI"        the scheme (any case, RFC 3986 §3.1) is neither ws nor
///                                      wss, or is not followed by "//"
///   "fragment (#) is not allowed in a WebSocket URI"   RFC 6455 §3 (write '#' as %23)
///   "userinfo (user@) is not allowed in a WebSocket URI"  §4.1 has no way to send credentials
///   "empty host"
///   "unclosed '[' in IPv6 literal", "character not allowed in IPv6 literal",
///   "malformed IPv6 literal" (RFC 3986 §3.2.2 IPv6address), "only \":port\" may follow ']'"
///   "character not allowed in host"    not unreserved / pct-encoded / sub-delims (§3.2.2)
///   "bad port"                         not 1-65535 in decimal digits; an empty port is the default
///   "character not allowed in path", "character not allowed in query"   not pchar / "/" (and
///                                      "?" in the query), RFC 3986 §3.3 and §3.4: so no space,
///                                      CR or LF can reach the request line
///   "bad percent-encoding"             '%' not followed by two hex digits (RFC 3986 §2.1)
/// @endverbatim
/// The result owns copies of the parts: `text` may go away after the call.
[[nodiscard]] UriParseResult parse_websocket_uri(std::string_view text);

}  // namespace wscore

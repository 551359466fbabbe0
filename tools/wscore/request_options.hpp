// SPDX-License-Identifier: MIT
// What `wscore connect` puts into its opening request, checked before any connection is made so
// that a bad value is one clear line and exit 2, not a handshake that fails later: -H headers,
// --subprotocol, --origin, and the user:password of a URL (sent as Basic authentication).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wscore::cli {

// "Name: value" (RFC 9110 §5.1: a token, ':', the value without CR, LF or NUL). Headers the
// handshake writes itself (Host, Upgrade, Sec-WebSocket-*, ...) are refused with the option to
// use instead. The error names the option and the reason.
[[nodiscard]] std::optional<std::pair<std::string, std::string>> parse_header_option(
    std::string_view text, std::string& error);

// RFC 6455 §4.1 item 10: each subprotocol is a token (RFC 9110 §5.6.2), each offered once.
[[nodiscard]] std::optional<std::string> check_subprotocols(const std::vector<std::string>& names);

// RFC 6454 §6.2 (the serialization RFC 6455 §4.1 item 8 asks for): "null" or
// scheme "://" host [ ":" port ], with no path, whitespace or control character.
[[nodiscard]] std::optional<std::string> check_origin(std::string_view origin);

// A URL without its userinfo, and the Authorization value the userinfo makes, if it had one.
struct UrlCredentials {
  std::string url;                           // the URL with "user:password@" taken out
  std::optional<std::string> authorization;  // "Basic base64(user:password)" (RFC 7617 §2)
  std::string error;                         // the userinfo's percent-encoding is bad
};
// Takes "user:password@" out of scheme://user:password@host/..., percent-decoded (RFC 3986
// §3.2.1). A URL without userinfo comes back as it is.
[[nodiscard]] UrlCredentials take_credentials(std::string_view url);

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
#include "request_options.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "formatting.hpp"
#include "wscore/bytes.hpp"
#include "wscore/detail/ascii.hpp"
#include "wscore/detail/base64.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/handshake_request.hpp"

namespace wscore::cli {
namespace {

// The header fields the client handshake writes (RFC 6455 §4.1), and the option that sets each
// one a user may want to choose; a second copy would make the request invalid or ambiguous.
struct OwnedHeader {
  std::string_view name;
  std::string_view instead;
};
constexpr std::array<OwnedHeader, 9> owned_headers{{
    {"Host", "the URL"},
    {"Upgrade", ""},
    {"Connection", ""},
    {"Sec-WebSocket-Key", ""},
    {"Sec-WebSocket-Version", ""},
    {"Sec-WebSocket-Protocol", "--subprotocol"},
    {"Sec-WebSocket-Extensions", "--deflate"},
    {"Origin", "--origin"},
    {"Content-Length", ""},
}};

int hex_value(char digit) {
  return detail::is_digit(digit) ? digit - '0' : detail::to_lower_ascii(digit) - 'a' + 10;
}

// RFC 3986 §2.1: "%" HEXDIG HEXDIG is the octet it names; nullopt for a '%' without them.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !detail::is_hex_digit(text[i + 1]) ||
        !detail::is_hex_digit(text[i + 2])) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_header_option(std::string_view text,
                                                                       std::string& error) {
  const std::string quoted = "--header " + quote_for_error(text);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    error = quoted + ": expected \"Name: value\"";
    return std::nullopt;
  }
  const std::string_view name = text.substr(0, colon);
  const std::string_view value = detail::trim_ows(text.substr(colon + 1));
  if (!detail::is_token(name)) {
    error = quoted + ": the name must be a token (RFC 9110 §5.6.2: letters, digits and " +
            "!#$%&'*+-.^_`|~; no spaces)";
    return std::nullopt;
  }
  if (!is_valid_header({name, value})) {
    error = quoted + ": the value holds a control character (CR, LF or NUL; RFC 9110 §5.5)";
    return std::nullopt;
  }
  for (const OwnedHeader& owned : owned_headers) {
    if (!detail::equals_ignore_case(name, owned.name)) continue;
    error = quoted + ": " + std::string(owned.name) + " is written by the handshake itself";
    if (!owned.instead.empty()) error += "; use " + std::string(owned.instead);
    return std::nullopt;
  }
  return std::pair<std::string, std::string>(name, value);
}

std::optional<std::string> check_subprotocols(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!detail::is_token(name)) {
      return "--subprotocol " + quote_for_error(name) +
             ": not a token (RFC 6455 §4.1, RFC 9110 §5.6.2: letters, digits and " +
             "!#$%&'*+-.^_`|~; no spaces, commas or control characters)";
    }
    if (!seen.insert(name).second) {
      return "--subprotocol " + quote_for_error(name) + ": offered twice (RFC 6455 §4.1 item 10)";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_origin(std::string_view origin) {
  const std::string problem = "--origin " + quote_for_error(origin) + ": ";
  if (!is_valid_header({"Origin", origin}))
    return problem + "holds a control character (CR, LF or NUL)";
  if (origin == "null") return std::nullopt;
  const std::size_t separator = origin.find("://");
  const std::string_view scheme = origin.substr(0, separator);
  const bool scheme_ok =
      separator != std::string_view::npos && !scheme.empty() && detail::is_alpha(scheme[0]) &&
      std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return detail::is_alpha(c) || detail::is_digit(c) || c == '+' || c == '-' || c == '.';
      });
  const std::string_view authority = scheme_ok ? origin.substr(separator + 3) : std::string_view();
  if (!scheme_ok || !detail::is_valid_host(authority) ||
      authority.find_first_of("/?#@ ") != std::string_view::npos) {
    return problem + "expected scheme://host[:port] or null (RFC 6454 §6.2)";
  }
  return std::nullopt;
}

UrlCredentials take_credentials(std::string_view url) {
  UrlCredentials result{std::string(url), std::nullopt, {}};
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return result;
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return result;
  const std::string_view userinfo = authority.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  const auto user = percent_decode(userinfo.substr(0, colon));
  const auto password =
      percent_decode(colon == std::string_view::npos ? "" : userinfo.substr(colon + 1));
  if (!user || !password) {
    result.error = "bad percent-encoding in the URL's user:password";
    return result;
  }
  // RFC 7617 §2: user-id ":" password, base64-encoded (UTF-8, as §2.1's charset asks).
  result.authorization = "Basic " + detail::base64_encode(as_bytes(*user + ":" + *password));
  result.url = std::string(url.substr(0, authority_start)) + std::string(authority.substr(at + 1)) +
               std::string(url.substr(authority_end));
  return result;
}

}  // namespace wscore::cli

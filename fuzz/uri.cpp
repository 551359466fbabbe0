// SPDX-License-Identifier: MIT
// Fuzz target: parse_websocket_uri (RFC 6455 §3) on arbitrary text.
//
// Input: the text itself.
//
// Invariants: an error exactly when no URI comes back, and then a non-empty reason; a URI's
// resource name starts with "/" and holds nothing that could break a request line (no space,
// control character, non-ASCII byte or "#", RFC 6455 §3); its port is 1-65535, the scheme's
// default (80 or 443) when none was written; the Host header value is the host (bracketed when
// it is an IPv6 literal) plus ":port" exactly when the port is not the default; a client
// Connection accepts the parts as its request options (the parser and the request writer agree
// on what is safe); and the URI put back together from its parts parses to the same parts.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "wscore/connection.hpp"
#include "wscore/uri.hpp"

namespace wscore::fuzz {
namespace {

bool is_request_line_safe(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F || c == '#') return false;
  }
  return true;
}

std::string rebuilt(const WebSocketUri& uri) {
  std::string text = uri.secure ? "wss://" : "ws://";
  text += uri.host_header;
  text += uri.resource_name;
  return text;
}

void check_parts(const WebSocketUri& uri) {
  check(uri.resource_name.starts_with('/'), "the resource name starts with / (RFC 6455 3)");
  check(is_request_line_safe(uri.resource_name) && is_request_line_safe(uri.host_header),
        "nothing that could break the request line or carry a fragment");
  check(uri.port != 0, "a port in 1-65535");
  const std::uint16_t default_port = uri.secure ? 443 : 80;
  const bool ipv6 = uri.host.find(':') != std::string::npos;
  // (Appended piece by piece: g++ 12 warns falsely about "[" + host + "]", -Wrestrict.)
  std::string host_header;
  if (ipv6) host_header += '[';
  host_header += uri.host;
  if (ipv6) host_header += ']';
  if (uri.port != default_port) {
    host_header += ':';
    host_header += std::to_string(uri.port);
  }
  check(uri.host_header == host_header, "Host is the host, and the port unless it is the default");
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const UriParseResult result = parse_websocket_uri(text);
  check(result.uri.has_value() == result.error.empty(), "an error exactly when no URI");
  if (!result.uri) return 0;
  const WebSocketUri& uri = *result.uri;
  check_parts(uri);

  ClientHandshake handshake{};
  handshake.request.host = uri.host_header;
  handshake.request.target = uri.resource_name;
  Connection client = Connection::client(handshake, {}, [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0};
  });
  check(client.state() == ConnectionState::handshake && !client.pending_output().empty(),
        "a client accepts the parts as request options");

  const UriParseResult again = parse_websocket_uri(rebuilt(uri));
  check(again.uri && again.uri->secure == uri.secure && again.uri->host == uri.host &&
            again.uri->port == uri.port && again.uri->resource_name == uri.resource_name &&
            again.uri->host_header == uri.host_header,
        "the URI rebuilt from its parts parses to the same parts");
  return 0;
}

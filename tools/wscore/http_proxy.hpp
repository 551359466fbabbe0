// SPDX-License-Identifier: MIT
// `wscore connect --proxy http://[user:password@]host[:port]`: a TCP tunnel through an HTTP
// proxy (the CONNECT method, RFC 9110 §9.3.6), over which the WebSocket handshake (and TLS for
// wss://) then runs as over a direct connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wscore::cli {

struct ProxyAddress {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 80;
  std::optional<std::string> authorization;  // Proxy-Authorization value, from user:password
};

// http://host[:port][/] (or host:port); an error line when it is not one.
[[nodiscard]] std::optional<ProxyAddress> parse_proxy_url(std::string_view text,
                                                          std::string& error);

// A connected, blocking socket through which bytes reach `host`:`port`, or -1 with `error`
// (the proxy refused, timed out, or answered with a status other than 2xx, which is shown).
[[nodiscard]] int open_proxy_tunnel(const ProxyAddress& proxy, const std::string& host,
                                    std::uint16_t port, std::chrono::milliseconds timeout,
                                    std::string& error);

}  // namespace wscore::cli

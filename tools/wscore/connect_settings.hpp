// SPDX-License-Identifier: MIT
// The command line of `wscore connect`, read and checked whole before any connection is made:
// every bad value is one line naming the option and the reason (exit 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "connect_output.hpp"
#include "http_proxy.hpp"
#include "wscore/transport/client.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::cli {

struct ConnectSettings {
  std::string url;  // as given, without its user:password (it is printed)
  transport::ClientOptions client;
  transport::TlsClientConfig tls;  // for wss://; client.tls points here
  std::optional<ProxyAddress> proxy;
  OutputOptions output;
  bool echo = false;
  bool binary = false;      // stdin lines go out as binary messages
  bool ping_once = false;   // --ping
  std::uint64_t count = 0;  // --count/--once: exit after so many messages; 0: no limit
  std::chrono::milliseconds ping_interval{0};  // 0: none
  std::chrono::milliseconds timeout{10'000};
};

// The settings, or nullopt with `error` set; `help` is set (and nullopt returned) for --help.
[[nodiscard]] std::optional<ConnectSettings> read_connect_settings(int argc, char** argv,
                                                                   bool& help, std::string& error);

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
/// @file
/// Small POSIX socket helpers. Errors come back as a one-line message, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wscore::transport {

/// A new socket, or why there is none.
struct SocketResult {
  int fd = -1;                    ///< >= 0 on success
  std::string error;              ///< one line when fd < 0
  std::size_t address_index = 0;  ///< connect_tcp: which of the resolved addresses it tried
};

/// A non-blocking listening TCP socket on host:port (IPv4 or IPv6 literal or name).
/// `reuse_port` sets SO_REUSEPORT so several event loops can each own one.
SocketResult listen_tcp(const std::string& host, std::uint16_t port, bool reuse_port,
                        int backlog = 1024);

/// Starts a non-blocking connect to host:port (name resolution blocks), to the first address it
/// resolves to from `first_address` on, in the resolver's order. Completion is signalled by
/// writability; check with connect_error(), and when that fails, go on with the next address
/// (address_index + 1): `localhost` may resolve to ::1 first for a server on 127.0.0.1.
SocketResult connect_tcp(const std::string& host, std::uint16_t port,
                         std::size_t first_address = 0);

/// The pending error of a non-blocking connect (0 when connected).
int connect_error(int fd);

/// The port a socket is bound to (for port 0 listeners).
std::uint16_t local_port(int fd);

/// Sets O_NONBLOCK on `fd`; false on failure (errno set).
bool set_nonblocking(int fd);
/// Sets TCP_NODELAY: small frames go out at once, without Nagle's delay.
void set_nodelay(int fd);

}  // namespace wscore::transport

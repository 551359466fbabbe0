// SPDX-License-Identifier: MIT
// The remote address of an accepted socket, and how many connections each address has open on a
// server, over every event loop (ServerPolicy::max_connections_per_address).
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wscore::transport {

// An IPv6 address, an IPv4 one mapped into it (::ffff:a.b.c.d), so that a peer counts the same
// on an IPv4 and a dual-stack listener.
struct PeerAddress {
  std::array<std::uint8_t, 16> bytes{};

  static PeerAddress of(const sockaddr_storage& address) noexcept;
  // "127.0.0.1" or "::1", for logs.
  [[nodiscard]] std::string to_string() const;
  // "127.0.0.1:5000" or "[::1]:5000".
  [[nodiscard]] std::string with_port(std::uint16_t port) const;
  bool operator==(const PeerAddress&) const = default;
};

// The remote port of an accepted socket's address.
std::uint16_t port_of(const sockaddr_storage& address) noexcept;

class AddressCounts {
 public:
  // Counts one more connection from `address`, unless `limit` are open from it already.
  bool try_add(const PeerAddress& address, std::size_t limit);
  void remove(const PeerAddress& address);

 private:
  struct Hash {
    std::size_t operator()(const PeerAddress& address) const noexcept;
  };
  std::mutex mutex_;  // taken on accept and close only, and only when the limit is set
  std::unordered_map<PeerAddress, std::size_t, Hash> open_;
};

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
#include "peer_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string_view>

namespace wscore::transport {
namespace {

constexpr std::array<std::uint8_t, 12> ipv4_mapped_prefix = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xFF, 0xFF};

bool is_ipv4_mapped(const PeerAddress& address) noexcept {
  return std::memcmp(address.bytes.data(), ipv4_mapped_prefix.data(), 12) == 0;
}

}  // namespace

PeerAddress PeerAddress::of(const sockaddr_storage& address) noexcept {
  PeerAddress peer;
  if (address.ss_family == AF_INET) {
    const auto& ipv4 = reinterpret_cast<const sockaddr_in&>(address);
    std::memcpy(peer.bytes.data(), ipv4_mapped_prefix.data(), 12);
    std::memcpy(peer.bytes.data() + 12, &ipv4.sin_addr, 4);
  } else if (address.ss_family == AF_INET6) {
    const auto& ipv6 = reinterpret_cast<const sockaddr_in6&>(address);
    std::memcpy(peer.bytes.data(), &ipv6.sin6_addr, 16);
  }
  return peer;
}

std::string PeerAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  const bool ipv4 = is_ipv4_mapped(*this);
  if (inet_ntop(ipv4 ? AF_INET : AF_INET6, bytes.data() + (ipv4 ? 12 : 0), text, sizeof text) ==
      nullptr) {
    return "?";
  }
  return text;
}

std::string PeerAddress::with_port(std::uint16_t port) const {
  const std::string address = to_string();
  const std::string number = std::to_string(port);
  return is_ipv4_mapped(*this) ? address + ":" + number : "[" + address + "]:" + number;
}

std::uint16_t port_of(const sockaddr_storage& address) noexcept {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return 0;
}

std::size_t AddressCounts::Hash::operator()(const PeerAddress& address) const noexcept {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(address.bytes.data()), address.bytes.size()));
}

bool AddressCounts::try_add(const PeerAddress& address, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::size_t& open = open_[address];
  if (open >= limit) {
    if (open == 0) open_.erase(address);
    return false;
  }
  ++open;
  return true;
}

void AddressCounts::remove(const PeerAddress& address) {
  std::lock_guard lock(mutex_);
  const auto found = open_.find(address);
  if (found == open_.end()) return;
  if (--found->second == 0) open_.erase(found);
}

}  // namespace wscore::transport

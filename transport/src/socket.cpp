// SPDX-License-Identifier: MIT
#include "wscore/transport/socket.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace wscore::transport {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

AddrInfoList resolve(const std::string& host, std::uint16_t port, bool passive,
                     std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int status =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &list);
  if (status != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(status);
    return nullptr;
  }
  return AddrInfoList(list);
}

}  // namespace

bool set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void set_nodelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

SocketResult listen_tcp(const std::string& host, std::uint16_t port, bool reuse_port, int backlog) {
  std::string error;
  const AddrInfoList list = resolve(host, port, true, error);
  if (!list) return {-1, error};
  for (addrinfo* info = list.get(); info; info = info->ai_next) {
    const int fd = socket(info->ai_family, info->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, info->ai_addr, info->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
      return {fd, {}};
    }
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    close(fd);
  }
  return {-1, error};
}

SocketResult connect_tcp(const std::string& host, std::uint16_t port, std::size_t first_address) {
  std::string error;
  const AddrInfoList list = resolve(host, port, false, error);
  if (!list) return {-1, error};
  std::size_t index = 0;
  for (addrinfo* info = list.get(); info; info = info->ai_next, ++index) {
    if (index < first_address) continue;
    const int fd = socket(info->ai_family, info->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (connect(fd, info->ai_addr, info->ai_addrlen) == 0 || errno == EINPROGRESS) {
      set_nodelay(fd);
      return {fd, {}, index};
    }
    error = "cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    close(fd);
  }
  if (error.empty()) error = "cannot connect to " + host + ":" + std::to_string(port);
  return {-1, error, index};
}

int connect_error(int fd) {
  int error = 0;
  socklen_t size = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
  return error;
}

std::uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return 0;
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
}

}  // namespace wscore::transport

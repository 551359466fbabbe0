// SPDX-License-Identifier: MIT
// The transport client's TCP connect: when the first address a host resolves to refuses, the
// client goes on with the next one (a server on 127.0.0.1 only, `localhost` resolving to ::1
// first).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "wscore/transport/client.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/socket.hpp"

namespace wscore::transport {
namespace {

// Without a host name, getaddrinfo() gives the loopback addresses of both families (::1 and
// 127.0.0.1, in the resolver's order). Returns a listener on the second of them only, so that
// a connect to the first is refused, whichever order this machine uses.
int listen_on_the_second_loopback_address(std::uint16_t& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(nullptr, "1", &hints, &list) != 0) return -1;
  int fd = -1;
  if (list && list->ai_next) {
    addrinfo* second = list->ai_next;
    fd = socket(second->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);  // no effect for IPv4
    sockaddr_storage address{};
    std::memcpy(&address, second->ai_addr, second->ai_addrlen);
    // Port 0: any free port.
    if (second->ai_family == AF_INET6) {
      reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = 0;
    } else {
      reinterpret_cast<sockaddr_in*>(&address)->sin_port = 0;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), second->ai_addrlen) != 0 ||
        listen(fd, 4) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(list);
  if (fd >= 0) port = local_port(fd);
  return fd;
}

TEST(ClientConnect, GoesOnWithTheNextAddressWhenTheFirstRefuses) {
  std::uint16_t port = 0;
  const int listener = listen_on_the_second_loopback_address(port);
  ASSERT_GE(listener, 0) << "this machine needs IPv4 and IPv6 loopback addresses";
  // The first address refuses: nothing listens there on this port.
  const SocketResult first = connect_tcp("", port);
  ASSERT_GE(first.fd, 0) << first.error;
  EXPECT_EQ(first.address_index, 0u);
  close(first.fd);

  EventLoop loop;
  ClientOptions options;
  options.url.host = "";  // the loopback addresses, as above
  options.url.port = port;
  options.url.host_header = "localhost:" + std::to_string(port);
  std::string failure;
  ClientHandlers handlers;
  handlers.on_error = [&](Client&, std::string_view error, int) {
    failure = std::string(error);
    loop.stop();
  };
  std::string error;
  auto client = Client::connect(loop, options, handlers, error);
  ASSERT_TRUE(client) << error;

  // The connection arrives on the second address, with the opening handshake.
  int accepted = -1;
  std::string request;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  loop.run(std::chrono::milliseconds(10), [&] {
    if (accepted < 0) accepted = accept(listener, nullptr, nullptr);
    if (accepted >= 0) {
      char buffer[1024];
      const ssize_t received = recv(accepted, buffer, sizeof buffer, MSG_DONTWAIT);
      if (received > 0) request.append(buffer, static_cast<std::size_t>(received));
      if (request.find("\r\n\r\n") != std::string::npos) loop.stop();
    }
    if (std::chrono::steady_clock::now() > deadline) loop.stop();
  });
  EXPECT_EQ(failure, "");
  ASSERT_GE(accepted, 0) << "the client never reached the second address";
  EXPECT_EQ(request.rfind("GET / HTTP/1.1\r\n", 0), 0u) << request;
  close(accepted);
  close(listener);
}

}  // namespace
}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// The whole sans-IO loop over a blocking POSIX socket, server side, for one connection on
// 127.0.0.1:PORT (0: any, printed): give the core what recv() returns (0: end of stream), act on
// each event (echo), send() what it queued until all is taken (send may take less), close when
// the core says so. Exit 0 after a clean close.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "wscore/connection.hpp"

int main(int argc, char** argv) {  // blocking_server PORT
  sockaddr_in address{.sin_family = AF_INET,
                      .sin_port = htons(argc > 1 ? std::stoi(argv[1]) : 0),
                      .sin_addr = {htonl(INADDR_LOOPBACK)},
                      .sin_zero = {}};
  socklen_t size = sizeof address;
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), size) != 0) return 1;
  listen(listener, 1);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  dprintf(1, "listening on %d\n", ntohs(address.sin_port));  // unbuffered: a peer waits for it
  const int fd = accept(listener, nullptr, nullptr);
  auto connection = wscore::Connection::server();
  int status = 1;
  std::byte buffer[16384];
  while (connection.transport_action() == wscore::TransportAction::keep_open) {
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got > 0) connection.receive({buffer, static_cast<std::size_t>(got)});
    if (got <= 0) connection.receive_eof();  // the client went away: ConnectionLost follows
    while (auto event = connection.next_event()) {
      std::visit(wscore::Overloaded{
                     [&](const wscore::RequestReceived&) {
                       // A refused accept() (bad options) must still answer the request.
                       if (connection.accept() != wscore::ApiError::none) {
                         (void)connection.reject(500, "cannot accept");
                       }
                     },
                     [&](const wscore::MessageReceived& message) {
                       (void)connection.send(message.type, message.data);
                     },
                     [&](const wscore::CloseReceived& close) { status = close.code != 1000; },
                     [](const auto&) {},  // pings (answered by the core), failures: status 1
                 },
                 *event);
    }
    while (!connection.pending_output().empty()) {  // partial writes: until all is taken
      const ssize_t sent = send(fd, connection.pending_output().data(),
                                connection.pending_output().size(), MSG_NOSIGNAL);
      if (sent < 0) connection.abort("send failed");
      if (sent > 0) connection.consume_output(static_cast<std::size_t>(sent));
    }
  }
  close(fd);  // RFC 6455 §7.1.1: the server closes the TCP connection first
  return status;
}

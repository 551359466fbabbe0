// SPDX-License-Identifier: MIT
// The whole sans-IO loop over a blocking POSIX socket, client side: send() what the core queued
// until all is taken (it may take less), give it what recv() returns (0: end of stream), act on
// each event. Sends each MESSAGE as text, prints the echoes, closes with 1000 once all are back;
// exit 0 after a clean close.   blocking_client HOST PORT MESSAGE...
#include <netdb.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "wscore/connection.hpp"

int main(int argc, char** argv) {
  addrinfo hints{}, *address = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (argc < 4 || getaddrinfo(argv[1], argv[2], &hints, &address) != 0) return 2;
  const int fd = socket(address->ai_family, SOCK_STREAM, 0);
  const int connected = connect(fd, address->ai_addr, address->ai_addrlen);
  freeaddrinfo(address);
  if (connected != 0) return std::perror("connect"), 1;
  // Masking keys and the nonce (RFC 6455 §10.3); getrandom(2) fills up to 256 bytes whole.
  auto random = [](wscore::MutableByteView out) { (void)getrandom(out.data(), out.size(), 0); };
  const std::string host = std::string(argv[1]) + ":" + argv[2];
  wscore::ClientHandshake handshake{{.host = host, .target = "/"}, {}};
  random(handshake.nonce);
  auto connection = wscore::Connection::client(handshake, {}, random);
  int echoes = 0, status = 1;
  std::byte buffer[16384];
  for (ssize_t got = 1; got > 0;) {
    while (!connection.pending_output().empty()) {  // partial writes: until all is taken
      const ssize_t sent = send(fd, connection.pending_output().data(),
                                connection.pending_output().size(), MSG_NOSIGNAL);
      if (sent < 0) connection.abort("send failed");
      if (sent > 0) connection.consume_output(static_cast<std::size_t>(sent));
    }
    if (connection.transport_action() == wscore::TransportAction::close_when_flushed) break;
    got = recv(fd, buffer, sizeof buffer, 0);  // the client waits for the server to close
    if (got > 0) connection.receive({buffer, static_cast<std::size_t>(got)});
    if (got <= 0) connection.receive_eof();
    while (auto event = connection.next_event()) {
      std::visit(wscore::Overloaded{
                     [&](const wscore::HandshakeCompleted&) {
                       for (int i = 3; i < argc; ++i)
                         (void)connection.send_text(argv[i]);
                     },
                     [&](const wscore::MessageReceived& message) {
                       std::printf("%s\n", std::string(message.text()).c_str());
                       if (++echoes == argc - 3) (void)connection.close(1000, "done");
                     },
                     [&](const wscore::CloseReceived& close) { status = close.code != 1000; },
                     [](const auto&) {},  // pings (answered by the core), failures: status 1
                 },
                 *event);
    }
  }
  return status;
}

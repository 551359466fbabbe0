// SPDX-License-Identifier: MIT
// The embedding example from the README, compiled and run, so the README stays true.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "wscore/connection.hpp"

namespace {

// A stand-in for a blocking socket: reads hand out the scripted input in small pieces, then end
// of stream; writes take at most 7 bytes at a time, as a congested socket would.
struct ScriptedSocket {
  std::string input;
  std::size_t read_at = 0;
  std::string written;

  // Returns the bytes read, 0 at end of stream (as recv() does).
  std::size_t read(std::span<std::byte> buffer) {
    const std::size_t size = std::min({buffer.size(), input.size() - read_at, std::size_t{5}});
    std::memcpy(buffer.data(), input.data() + read_at, size);
    read_at += size;
    return size;
  }
  // Returns how many bytes it took (as send() does).
  std::size_t write(std::span<const std::byte> bytes) {
    const std::size_t size = std::min<std::size_t>(bytes.size(), 7);
    written.append(reinterpret_cast<const char*>(bytes.data()), size);
    return size;
  }
};

// --- README example begins ---
// An echo server on top of any blocking socket-like transport: feed what it read, act on every
// event, write what the connection queued until all of it is taken, stop when the core says so.
template <class Socket>
std::uint16_t serve_echo(Socket& socket) {
  wscore::Connection connection = wscore::Connection::server();
  std::uint16_t close_code = 0;
  std::array<std::byte, 16 * 1024> buffer;
  while (connection.transport_action() == wscore::TransportAction::keep_open) {
    const std::size_t read = socket.read(buffer);
    if (read == 0) {
      connection.receive_eof();  // the peer went away: ConnectionLost (1006) follows
    } else {
      connection.receive(std::span<const std::byte>(buffer.data(), read));
    }
    while (auto event = connection.next_event()) {
      std::visit(wscore::Overloaded{
                     [&](const wscore::RequestReceived&) {
                       // or connection.reject(403, "go away"); a refused accept() (bad
                       // options) must still answer the request
                       if (connection.accept() != wscore::ApiError::none) {
                         (void)connection.reject(500, "server misconfigured");
                       }
                     },
                     [&](const wscore::MessageReceived& message) {
                       (void)connection.send(message.type, message.data);  // echo, same type
                     },
                     [&](const wscore::CloseReceived& close) { close_code = close.code; },
                     [&](const wscore::ProtocolError& error) { close_code = error.code; },
                     [&](const wscore::ConnectionLost& lost) { close_code = lost.code; },
                     [](const auto&) {},  // handshake failures, pings, pongs, fragments
                 },
                 *event);
    }
    // Partial writes: write until the socket has taken every pending byte.
    while (!connection.pending_output().empty()) {
      connection.consume_output(socket.write(connection.pending_output()));
    }
  }
  return close_code;  // transport_action() says close (or wait for the peer, as a client)
}
// --- README example ends ---

std::string upgrade_request() {
  return "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// RFC 6455 §5.7: a masked "Hello".
constexpr unsigned char masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                          0x7f, 0x9f, 0x4d, 0x51, 0x58};

TEST(Readme, EmbeddingExampleEchoesAndClosesThroughPartialWrites) {
  ScriptedSocket socket;
  socket.input = upgrade_request();
  socket.input.append(reinterpret_cast<const char*>(masked_hello), sizeof masked_hello);
  // A masked Close with code 1000 (RFC 6455 §5.5.1).
  const unsigned char close[] = {0x88, 0x82, 0x01, 0x02, 0x03, 0x04, 0x02, 0xea};
  socket.input.append(reinterpret_cast<const char*>(close), sizeof close);
  EXPECT_EQ(serve_echo(socket), 1000);
  EXPECT_EQ(socket.written.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  // The echo and the Close reply follow the response head, whole despite 7-byte writes.
  const std::string expected_tail = "\r\n\r\n\x81\x05Hello\x88\x02\x03\xe8";
  ASSERT_GE(socket.written.size(), expected_tail.size());
  EXPECT_EQ(socket.written.substr(socket.written.size() - expected_tail.size()), expected_tail);
}

TEST(Readme, EmbeddingExampleReportsEndOfStreamAs1006) {
  ScriptedSocket socket;
  socket.input = upgrade_request();
  socket.input.append(reinterpret_cast<const char*>(masked_hello), sizeof masked_hello);
  EXPECT_EQ(serve_echo(socket), 1006);  // RFC 6455 §7.1.5: no Close before end of stream
  EXPECT_NE(socket.written.find("\x81\x05Hello"), std::string::npos);
}

}  // namespace

// The embedding example from the README, compiled and run, so the README stays true.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wscore/connection.hpp"

namespace {

// --- README example begins ---
// An echo server on top of any transport: feed what the socket read, act on events, write what
// the connection queued.
struct EchoSession {
  wscore::Connection connection = wscore::Connection::server();

  // Returns false once the transport should be closed (after writing what is pending).
  bool on_bytes_read(std::span<std::byte> bytes) {
    connection.receive(bytes);  // parsed lazily, in place
    while (auto event = connection.next_event()) {
      if (std::holds_alternative<wscore::RequestReceived>(*event)) {
        connection.accept();  // or connection.reject(403, "go away")
      } else if (auto* message = std::get_if<wscore::MessageReceived>(&*event)) {
        connection.send(message->type, message->data);  // echo, same type
      } else if (auto* close = std::get_if<wscore::CloseReceived>(&*event)) {
        (void)close->code;  // the reply Close is already queued
      }
    }
    return connection.transport_action() == wscore::TransportAction::keep_open;
  }

  std::span<const std::byte> bytes_to_write() const { return connection.pending_output(); }
  void on_bytes_written(std::size_t n) { connection.consume_output(n); }
};
// --- README example ends ---

TEST(Readme, EmbeddingExampleEchoesAndCloses) {
  EchoSession session;
  std::string request =
      "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  // RFC 6455 §5.7: a masked "Hello", then a masked Close with code 1000.
  const unsigned char frames[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
                                  0x58, 0x88, 0x82, 0x01, 0x02, 0x03, 0x04, 0x02, 0xea};
  request.append(reinterpret_cast<const char*>(frames), sizeof frames);
  std::vector<std::byte> input(reinterpret_cast<const std::byte*>(request.data()),
                               reinterpret_cast<const std::byte*>(request.data() + request.size()));
  EXPECT_FALSE(session.on_bytes_read(input));  // closed by the client's Close
  const std::string written(reinterpret_cast<const char*>(session.bytes_to_write().data()),
                            session.bytes_to_write().size());
  EXPECT_EQ(written.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  // The echo and the Close reply follow the response head.
  EXPECT_NE(written.find("\x81\x05Hello\x88\x02\x03\xe8"), std::string::npos);
  session.on_bytes_written(written.size());
  EXPECT_TRUE(session.bytes_to_write().empty());
}

}  // namespace

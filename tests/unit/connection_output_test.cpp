// SPDX-License-Identifier: MIT
// Output into the caller's buffers: write_output() copies what is pending into a buffer of the
// transport's and consumes it, in any piece size (as wslay_frame_write does).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/trace.hpp"
#include "wscore/driver.hpp"

namespace wscore {
namespace {

TEST(WriteOutput, FillsTheCallersBufferInPiecesAndConsumesWhatItCopied) {
  Connection connection = Connection::open(Role::server);
  // RFC 6455 §5.7: an unmasked "Hello" and an unmasked Ping "Hello".
  ASSERT_EQ(connection.send_text("Hello"), ApiError::none);
  ASSERT_EQ(connection.ping(as_bytes(std::string_view("Hello"))), ApiError::none);
  const std::vector<std::byte> expected(connection.pending_output().begin(),
                                        connection.pending_output().end());
  std::vector<std::byte> written;
  std::array<std::byte, 5> buffer{};
  EXPECT_EQ(connection.write_output(MutableByteView(buffer).first(0)), 0u);
  while (const std::size_t size = connection.write_output(buffer)) {
    written.insert(written.end(), buffer.begin(),
                   buffer.begin() + static_cast<std::ptrdiff_t>(size));
  }
  EXPECT_EQ(test::hex(written), "810548656c6c6f890548656c6c6f");
  EXPECT_EQ(written, expected);
  EXPECT_TRUE(connection.pending_output().empty());
}

TEST(WriteOutput, DriverWritesIntoTheCallersBufferAndFollowsBackpressure) {
  DriverPolicy policy;
  policy.max_outbound_buffer = 300;  // the 101 response (129 bytes) fits, a 200-byte message too
  Driver driver = Driver::server({}, policy, Milliseconds{0});
  driver.receive(test::bytes_of("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
                 Milliseconds{0});
  ASSERT_TRUE(driver.next_event());
  ASSERT_EQ(driver.accept(), ApiError::none);
  ASSERT_EQ(driver.send(MessageType::binary, std::vector<std::byte>(200)), ApiError::none);
  EXPECT_FALSE(driver.wants_read()) << "over max_outbound_buffer";
  std::vector<std::byte> buffer(4096);
  const std::size_t size = driver.write_output(buffer);
  EXPECT_EQ(std::string(as_text(ByteView(buffer).first(12))), "HTTP/1.1 101");
  EXPECT_GT(size, 200u);
  EXPECT_TRUE(driver.pending_output().empty());
  EXPECT_TRUE(driver.wants_read()) << "drained";
}

}  // namespace
}  // namespace wscore

// SPDX-License-Identifier: MIT
// PreparedMessage and Connection::send_prepared(): a broadcast framed once (RFC 6455 §5.2) and,
// where permessage-deflate resets after every message, compressed once per settings (RFC 7692
// §7.1.1, §7.2.1); the bytes every connection writes are the bytes send() would have written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/prepared_message.hpp"

namespace wscore {
namespace {

using test::compress_everything;
using test::deflating;
using test::hex;
using test::open_client;
using test::open_server;

constexpr MaskKey kKey{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};

std::string text_of_size(std::size_t size) {
  std::string text;
  while (text.size() < size)
    text += "chat message number " + std::to_string(text.size()) + ", ";
  text.resize(size);
  return text;
}

// What `connection` queued, taken out.
std::string take_output(Connection& connection) {
  std::string out = hex(connection.pending_output());
  connection.consume_output(connection.pending_output().size());
  return out;
}

TEST(Rfc6455Section5_2, PreparedFrameIsWhatSendWritesForAServer) {
  for (const std::size_t size : {0u, 1u, 125u, 126u, 65535u, 65536u, 70000u}) {
    SCOPED_TRACE(size);
    const std::string text = text_of_size(size);
    for (const MessageType type : {MessageType::text, MessageType::binary}) {
      const PreparedMessage message(type, as_bytes(text));
      ASSERT_EQ(message.error(), ApiError::none);
      Connection by_send = open_server();
      Connection by_prepared = open_server();
      ASSERT_EQ(by_send.send(type, as_bytes(text)), ApiError::none);
      ASSERT_EQ(by_prepared.send_prepared(message), ApiError::none);
      const std::string sent = take_output(by_send);
      EXPECT_EQ(take_output(by_prepared), sent);
      EXPECT_EQ(hex(message.frame()), sent);
      EXPECT_EQ(message.payload().size(), size);
    }
  }
}

TEST(Rfc6455Section8_1, PreparedTextThatIsNotUtf8IsRefusedAndWritesNothing) {
  const std::string invalid = "caf\xc3";
  const PreparedMessage message(MessageType::text, as_bytes(invalid));
  EXPECT_EQ(message.error(), ApiError::invalid_utf8);
  Connection server = open_server();
  EXPECT_EQ(server.send_prepared(message), ApiError::invalid_utf8);
  EXPECT_TRUE(server.pending_output().empty());
  // The same bytes as binary are fine.
  EXPECT_EQ(server.send_prepared(PreparedMessage(MessageType::binary, as_bytes(invalid))),
            ApiError::none);
}

TEST(Rfc6455Section5_3, AClientMasksAPreparedMessageWithItsOwnKey) {
  const PreparedMessage message(MessageType::text, as_bytes(std::string("to the server")));
  Connection client = open_client({}, kKey);
  Connection by_send = open_client({}, kKey);
  ASSERT_EQ(client.send_prepared(message), ApiError::none);
  ASSERT_EQ(by_send.send_text("to the server"), ApiError::none);
  const std::string masked = take_output(client);
  EXPECT_EQ(masked, take_output(by_send));
  EXPECT_NE(masked, hex(message.frame()));  // not the server's unmasked frame
}

TEST(Rfc6455Section5_4, NoPreparedMessageInTheMiddleOfAFragmentedOneOrAfterClose) {
  const PreparedMessage message(MessageType::binary, as_bytes(std::string("x")));
  Connection server = open_server();
  ASSERT_EQ(server.send_fragment(MessageType::text, as_bytes(std::string("half")), false),
            ApiError::none);
  EXPECT_EQ(server.send_prepared(message), ApiError::message_in_progress);
  ASSERT_EQ(server.send_fragment(MessageType::text, as_bytes(std::string("done")), true),
            ApiError::none);
  ASSERT_EQ(server.close(1000, ""), ApiError::none);
  EXPECT_EQ(server.send_prepared(message), ApiError::wrong_state);
}

TEST(Rfc7692Section7_1_1_1, WithoutContextTakeoverOneCompressionServesEveryConnection) {
  DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  const std::string text = text_of_size(4000);
  const PreparedMessage message(MessageType::text, as_bytes(text));
  Connection reference = deflating(Role::server, agreement, compress_everything());
  ASSERT_EQ(reference.send_text(text), ApiError::none);
  const std::string expected = take_output(reference);
  EXPECT_EQ(expected.substr(0, 2), "c1");  // FIN, RSV1, text (§6.1)

  std::vector<Connection> members;
  for (int i = 0; i < 1000; ++i)
    members.push_back(deflating(Role::server, agreement, compress_everything()));
  for (Connection& member : members) {
    ASSERT_EQ(member.send_prepared(message), ApiError::none);
    ASSERT_EQ(take_output(member), expected);
  }
  EXPECT_EQ(message.compressed_frames_made(), 1u);  // compressed once for the thousand

  // A peer inflates it to the message (§7.2.2).
  Connection client = deflating(Role::client, agreement);
  Connection sender = deflating(Role::server, agreement, compress_everything());
  ASSERT_EQ(sender.send_prepared(message), ApiError::none);
  client.receive(sender.pending_output());
  const auto event = client.next_event();
  ASSERT_TRUE(event.has_value());
  const auto* received = std::get_if<MessageReceived>(&*event);
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(std::string(as_text(received->data)), text);
}

TEST(Rfc7692Section7_1_2, OtherWindowSizesGetACompressionOfTheirOwn) {
  DeflateAgreement small_window;
  small_window.server_no_context_takeover = true;
  small_window.server_max_window_bits = 9;
  DeflateAgreement full_window;
  full_window.server_no_context_takeover = true;
  const PreparedMessage message(MessageType::binary, as_bytes(text_of_size(3000)));
  Connection a = deflating(Role::server, small_window, compress_everything());
  Connection b = deflating(Role::server, full_window, compress_everything());
  Connection c = deflating(Role::server, small_window, compress_everything());
  for (Connection* member : {&a, &b, &c})
    ASSERT_EQ(member->send_prepared(message), ApiError::none);
  EXPECT_EQ(message.compressed_frames_made(), 2u);
  EXPECT_EQ(take_output(a), take_output(c));
}

TEST(Rfc7692Section7_2_3_2, WithContextTakeoverEachConnectionCompressesWithItsOwnWindow) {
  const std::string text = "Hello";
  const PreparedMessage message(MessageType::text, as_bytes(text));
  Connection by_prepared = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(by_prepared.send_prepared(message), ApiError::none);
  ASSERT_EQ(by_prepared.send_prepared(message), ApiError::none);
  // The §7.2.3.2 bytes: the second "Hello" refers back into this connection's window.
  EXPECT_EQ(hex(by_prepared.pending_output()), "c107f248cdc9c90700c105f200110000");
  EXPECT_EQ(message.compressed_frames_made(), 0u);
}

TEST(Rfc7692Section6, UnderTheThresholdAPreparedMessageGoesUncompressed) {
  DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  const PreparedMessage message(MessageType::text, as_bytes(std::string("short")));
  Connection server = deflating(Role::server, agreement);  // threshold 128 by default
  ASSERT_EQ(server.send_prepared(message), ApiError::none);
  EXPECT_EQ(take_output(server), hex(message.frame()));
  EXPECT_EQ(message.compressed_frames_made(), 0u);
}

}  // namespace
}  // namespace wscore

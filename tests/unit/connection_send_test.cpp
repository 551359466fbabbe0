// SPDX-License-Identifier: MIT
// Sending (RFC 6455 §5.2-§5.6): exact wire bytes, masking by role, and misuse reported as an
// ApiError with nothing written.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes_of;
using test::hex;
using test::open_client;
using test::open_server;
using test::rfc_mask_key;
using test::Trace;

TEST(Rfc6455Section5_7, ServerSendsTheUnmaskedHelloExample) {
  Connection connection = open_server();
  EXPECT_EQ(connection.send_text("Hello"), ApiError::none);
  EXPECT_EQ(hex(connection.pending_output()), "810548656c6c6f");
}

TEST(Rfc6455Section5_7, ClientSendsTheMaskedHelloExample) {
  Connection connection = open_client({}, rfc_mask_key);
  EXPECT_EQ(connection.send_text("Hello"), ApiError::none);
  EXPECT_EQ(hex(connection.pending_output()), "818537fa213d7f9f4d5158");
}

TEST(Rfc6455Section5_7, FragmentsAndControlFramesInterleaved) {
  Connection connection = open_server();
  EXPECT_EQ(connection.send_fragment(MessageType::text, as_bytes("Hel"), false), ApiError::none);
  EXPECT_EQ(connection.ping(as_bytes("Hello")), ApiError::none);
  EXPECT_EQ(connection.send_fragment(MessageType::text, as_bytes("lo"), true), ApiError::none);
  EXPECT_EQ(hex(connection.pending_output()),
            "010348656c"
            "890548656c6c6f"
            "80026c6f");
}

TEST(Rfc6455Section5_2, LengthFormsAreMinimal) {
  for (std::size_t size : {0u, 125u, 126u, 65535u, 65536u}) {
    Connection connection = open_server();
    EXPECT_EQ(connection.send_binary(Bytes(size)), ApiError::none);
    const std::size_t header = size < 126 ? 2 : size <= 65535 ? 4 : 10;
    EXPECT_EQ(connection.pending_output().size(), header + size) << size;
  }
}

TEST(Rfc6455Section5_3, ClientMasksEveryFrameWithAFreshKey) {
  std::uint8_t counter = 0;
  Connection connection = Connection::open(Role::client, {}, [&](MutableByteView out) {
    for (auto& b : out)
      b = static_cast<std::byte>(++counter);
  });
  ASSERT_EQ(connection.send_text("a"), ApiError::none);
  ASSERT_EQ(connection.ping(), ApiError::none);
  EXPECT_EQ(hex(connection.pending_output()),
            "8181"
            "01020304"
            "60"
            "8980"
            "05060708");
  EXPECT_EQ(test::parse_as(Role::server, connection.pending_output()), (Trace{"text a", "ping "}));
}

TEST(Misuse, NothingIsSentBeforeTheHandshakeOrAfterClose) {
  Connection handshaking = Connection::server();
  EXPECT_EQ(handshaking.send_text("x"), ApiError::wrong_state);
  Connection connection = open_server();
  ASSERT_EQ(connection.close(), ApiError::none);
  const std::size_t sent = connection.pending_output().size();
  EXPECT_EQ(connection.send_text("x"), ApiError::wrong_state);
  EXPECT_EQ(connection.pong(), ApiError::wrong_state);
  EXPECT_EQ(connection.pending_output().size(), sent);
}

TEST(Misuse, ControlPayloadOver125Bytes) {
  Connection connection = open_server();
  EXPECT_EQ(connection.ping(Bytes(126)), ApiError::control_payload_too_large);
  EXPECT_EQ(connection.pong(Bytes(126)), ApiError::control_payload_too_large);
  EXPECT_TRUE(connection.pending_output().empty());
  EXPECT_EQ(connection.ping(Bytes(125)), ApiError::none);
}

TEST(Misuse, FragmentedSendRules) {
  Connection connection = open_server();
  ASSERT_EQ(connection.send_fragment(MessageType::binary, Bytes(1), false), ApiError::none);
  EXPECT_EQ(connection.send_text("x"), ApiError::message_in_progress);
  ASSERT_EQ(connection.send_fragment(MessageType::binary, Bytes(1), true), ApiError::none);
  EXPECT_EQ(connection.send_text("x"), ApiError::none);
}

TEST(Misuse, InvalidUtf8TextIsRefused) {
  Connection connection = open_server();
  EXPECT_EQ(connection.send_text("\xED\xA0\x80"), ApiError::invalid_utf8);
  // A code point split across fragments is fine; ending inside one is not.
  EXPECT_EQ(connection.send_fragment(MessageType::text, as_bytes("\xE2\x82"), false),
            ApiError::none);
  EXPECT_EQ(connection.send_fragment(MessageType::text, as_bytes("\xAC"), false), ApiError::none);
  EXPECT_EQ(connection.send_fragment(MessageType::text, as_bytes("\xE2"), true),
            ApiError::invalid_utf8);
  EXPECT_EQ(connection.send_fragment(MessageType::text, {}, true), ApiError::none);
  EXPECT_EQ(test::parse_as(Role::client, connection.pending_output()), Trace{"text \xE2\x82\xAC"});
}

TEST(Misuse, ClientWithoutRandomSourceCannotSend) {
  Connection connection = Connection::open(Role::client);
  EXPECT_EQ(connection.send_text("x"), ApiError::no_random_source);
}

TEST(ZeroCopy, EncodeMessageHeadLetsTheCallerWriteThePayload) {
  Connection server = open_server();
  FrameHead head;
  const Bytes payload = bytes_of("Hello");
  ASSERT_EQ(server.encode_message_head(MessageType::text, payload, head), ApiError::none);
  EXPECT_EQ(hex(head.view()), "8105");
  EXPECT_FALSE(head.masked);

  Connection client = open_client({}, rfc_mask_key);
  Bytes client_payload = bytes_of("Hello");
  ASSERT_EQ(client.encode_message_head(MessageType::text, client_payload, head), ApiError::none);
  apply_mask(client_payload, head.mask_key);
  EXPECT_EQ(hex(head.view()) + hex(client_payload), "818537fa213d7f9f4d5158");
}

}  // namespace
}  // namespace wscore

// SPDX-License-Identifier: MIT
// permessage-deflate through a Connection's opening handshake (RFC 7692 §5, RFC 6455 §4, §9.1):
// the server answers per its options, the client offers and checks, both replayed at every split.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes_of;
using test::example_handshake;
using test::handshaking_client;
using test::output_text;
using test::Trace;
using test::with_writes;

std::string request_offering(std::string_view extensions) {
  std::string request =
      "GET /chat HTTP/1.1\r\n"
      "Host: server.example.com\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  if (!extensions.empty()) {
    request += "Sec-WebSocket-Extensions: " + std::string(extensions) + "\r\n";
  }
  return request + "\r\n";
}

ConnectionOptions deflate_on() {
  ConnectionOptions options;
  options.deflate.enabled = true;
  return options;
}

TEST(Rfc7692Section5_1, ServerAcceptsTheBrowsersOfferAndThenInflates) {
  const Bytes wire = test::concat(
      {bytes_of(request_offering("permessage-deflate; client_max_window_bits")),
       test::masked_frame(0xc1, test::bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}))});
  // Nothing is written before accept().
  EXPECT_EQ(
      test::trace_at_every_split(test::handshaking_server_factory(deflate_on()), wire, with_writes),
      Trace{"request /chat"});
  Connection server = Connection::server(deflate_on());
  EXPECT_EQ(test::run_pieces(server, {wire}), Trace{"request /chat"});
  EXPECT_FALSE(server.deflate_agreement());  // nothing agreed before accept()
  ASSERT_EQ(server.accept(), ApiError::none);
  EXPECT_NE(output_text(server).find("\r\nSec-WebSocket-Extensions: permessage-deflate; "
                                     "server_max_window_bits=12; client_max_window_bits=12\r\n"),
            std::string::npos);
  EXPECT_EQ(server.deflate_agreement(), (DeflateAgreement{false, false, 12, 12}));
  auto message = server.next_event();
  ASSERT_TRUE(message);
  EXPECT_EQ(test::describe(*message), "text Hello rsv=4");
}

TEST(Rfc7692Section5_1, ServerAnswersWithoutTheExtensionWhenNoOfferIsAcceptable) {
  for (const char* offers : {"", "permessage-deflate; x-unknown", "x-other"}) {
    SCOPED_TRACE(offers);
    Connection server = Connection::server(deflate_on());
    test::run_pieces(server, {bytes_of(request_offering(offers))});
    ASSERT_EQ(server.accept(), ApiError::none);
    EXPECT_EQ(output_text(server).find("Sec-WebSocket-Extensions"), std::string::npos);
    EXPECT_FALSE(server.deflate_agreement());
    // RSV1 then means nothing: 1002 (RFC 6455 §5.2).
    EXPECT_EQ(test::run_pieces(server, {test::masked_frame(0xc1, test::bytes({0x00}))}),
              Trace{"error 1002 rsv_without_extension"});
  }
}

TEST(Rfc7692Section5_1, ServerWithDeflateOffIgnoresTheOffer) {
  Connection server = Connection::server();
  test::run_pieces(server, {bytes_of(request_offering("permessage-deflate"))});
  ASSERT_EQ(server.accept(), ApiError::none);
  EXPECT_EQ(output_text(server).find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(Rfc7692Section5_1, ServerKeepsTheCallersOwnExtensionsFirst) {
  Connection server = Connection::server(deflate_on());
  test::run_pieces(server, {bytes_of(request_offering("x-mine, permessage-deflate"))});
  ASSERT_EQ(server.accept({.extensions = "x-mine", .extension_rsv_bits = rsv_bit::rsv2}),
            ApiError::none);
  EXPECT_NE(output_text(server).find("\r\nSec-WebSocket-Extensions: x-mine, permessage-deflate; "
                                     "server_max_window_bits=12\r\n"),
            std::string::npos);
  // Both RSV bits are now allowed on a message's first frame.
  EXPECT_EQ(test::run_pieces(server, {test::masked_frame(0xe2, test::bytes({0x00}))}),
            Trace{"binary  rsv=6"});
}

TEST(Misuse, AcceptRefusesBadDeflateOptionsAndACallerNamingPermessageDeflate) {
  ConnectionOptions bad = deflate_on();
  bad.deflate.memory_level = 0;
  Connection server = Connection::server(bad);
  test::run_pieces(server, {bytes_of(request_offering("permessage-deflate"))});
  EXPECT_EQ(server.accept(), ApiError::invalid_deflate_options);
  Connection other = Connection::server(deflate_on());
  test::run_pieces(other, {bytes_of(request_offering("permessage-deflate"))});
  EXPECT_EQ(other.accept({.extensions = "permessage-deflate"}), ApiError::extension_conflict);
  EXPECT_TRUE(other.pending_output().empty());
  EXPECT_EQ(other.accept(), ApiError::none);
  EXPECT_EQ(other.enable_deflate({}), ApiError::extension_conflict);
}

// The server's 101 for example_handshake(), with `extensions` if not empty, then `frames`.
Bytes response_with(std::string_view extensions, const Bytes& frames = {}) {
  std::string head =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      compute_accept_key("AAECAwQFBgcICQoLDA0ODw==") + "\r\n";
  if (!extensions.empty()) {
    head += "Sec-WebSocket-Extensions: " + std::string(extensions) + "\r\n";
  }
  return test::concat({bytes_of(head + "\r\n"), frames});
}

TEST(Rfc7692Section5_1, ClientOffersChecksTheAnswerAndThenInflates) {
  Connection client = handshaking_client(example_handshake(), deflate_on());
  EXPECT_NE(output_text(client).find("\r\nSec-WebSocket-Extensions: permessage-deflate; "
                                     "server_max_window_bits=12; client_max_window_bits\r\n"),
            std::string::npos);
  const Bytes wire =
      response_with("permessage-deflate; server_max_window_bits=10",
                    test::bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  EXPECT_EQ(
      test::trace_at_every_split(
          test::handshaking_client_factory(example_handshake(), deflate_on()), wire, with_writes),
      (Trace{"wrote GET /chat request", "handshake 101", "text Hello rsv=4"}));
  test::run_pieces(client, {wire});
  // The server said it uses 10 and left our window alone (we still compress with our 12).
  EXPECT_EQ(client.deflate_agreement(), (DeflateAgreement{false, false, 10, 15}));
}

TEST(Rfc7692Section7_1_2_2, ClientTakesAnyWindowTheServerAllowsIt) {
  // We offer client_max_window_bits without a value, so any value in the answer is one we
  // offered (Autobahn's server answers 15 whatever the offer said).
  for (const int bits : {8, 12, 15}) {
    SCOPED_TRACE(bits);
    Connection client = handshaking_client(example_handshake(), deflate_on());
    test::run_pieces(client, {response_with("permessage-deflate; server_max_window_bits=12; "
                                            "client_max_window_bits=" +
                                            std::to_string(bits))});
    EXPECT_EQ(client.state(), ConnectionState::open);
    EXPECT_EQ(client.deflate_agreement(),
              (DeflateAgreement{false, false, 12, static_cast<std::uint8_t>(bits)}));
  }
}

TEST(Rfc7692Section5_1, ClientFailsTheHandshakeOnAnAnswerItCannotAccept) {
  const char* answers[] = {
      "permessage-deflate",                             // our server_max_window_bits ignored
      "permessage-deflate; server_max_window_bits=13",  // larger than offered
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=16",
      "permessage-deflate; server_max_window_bits=12; x-unknown",
      ("permessage-deflate; server_max_window_bits=12, permessage-deflate; "
       "server_max_window_bits=12"),
      "x-not-offered",  // RFC 6455 §4.1 check 5
  };
  for (const char* answer : answers) {
    SCOPED_TRACE(answer);
    const test::ConnectionFactory make =
        test::handshaking_client_factory(example_handshake(), deflate_on());
    EXPECT_EQ(test::trace_at_every_split(make, response_with(answer), with_writes),
              (Trace{"wrote GET /chat request", "handshake-failed 101"}));
    Connection client = make();
    client.receive(ByteView(response_with(answer)));
    auto event = client.next_event();
    ASSERT_TRUE(event && std::holds_alternative<HandshakeFailed>(*event));
    EXPECT_FALSE(std::get<HandshakeFailed>(*event).error.what.empty());
    EXPECT_EQ(client.transport_action(), TransportAction::close_when_flushed);
  }
}

TEST(Rfc7692Section5_1, ClientWithoutAnAnswerGoesOnUncompressed) {
  Connection client = handshaking_client(example_handshake(), deflate_on());
  EXPECT_EQ(test::run_pieces(client, {response_with("")}), Trace{"handshake 101"});
  EXPECT_FALSE(client.deflate_agreement());
  ASSERT_EQ(client.send_text(std::string(1000, 'a')), ApiError::none);
  client.consume_output(client.pending_output().size() - 1000 - 8);  // the request
  EXPECT_EQ(client.pending_output()[0], std::byte{0x81});
}

TEST(Misuse, ClientRefusesBadDeflateOptionsAndAnOfferOfItsOwn) {
  ConnectionOptions bad = deflate_on();
  bad.deflate.peer_max_window_bits = 16;
  Connection client = handshaking_client(example_handshake(), bad);
  EXPECT_TRUE(client.pending_output().empty());
  auto event = client.next_event();
  ASSERT_TRUE(event);
  EXPECT_EQ(test::describe(*event), "handshake-failed 0");
  ClientHandshake handshake = example_handshake();
  handshake.request.extensions = "permessage-deflate";
  Connection twice = handshaking_client(handshake, deflate_on());
  EXPECT_TRUE(twice.pending_output().empty());
  // With deflate off, the caller may offer (and handle) it alone, as before.
  Connection alone = handshaking_client(handshake);
  EXPECT_NE(output_text(alone).find("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
            std::string::npos);
}

TEST(Rfc7692Section5, ServerAndClientConnectionsNegotiateAndTalk) {
  for (const bool no_takeover : {false, true}) {
    SCOPED_TRACE(no_takeover);
    ConnectionOptions client_options = deflate_on();
    client_options.deflate.no_context_takeover = no_takeover;
    client_options.deflate.peer_no_context_takeover = no_takeover;
    Connection client = handshaking_client(example_handshake(), client_options);
    Connection server = Connection::server(deflate_on());
    server.receive(client.pending_output());
    client.consume_output(client.pending_output().size());
    ASSERT_TRUE(server.next_event());
    ASSERT_EQ(server.accept(), ApiError::none);
    const std::string text(5000, 'x');
    ASSERT_EQ(server.send_text(text), ApiError::none);
    client.receive(server.pending_output());
    server.consume_output(server.pending_output().size());
    EXPECT_EQ(test::describe(*client.next_event()), "handshake 101");
    EXPECT_EQ(test::describe(*client.next_event()),
              test::describe(MessageReceived{MessageType::text, bytes_of(text), 4}));
    EXPECT_EQ(client.deflate_agreement(), server.deflate_agreement());
    EXPECT_EQ(client.deflate_agreement(), (DeflateAgreement{no_takeover, no_takeover, 12, 12}));
    ASSERT_EQ(client.send_text(text), ApiError::none);
    EXPECT_LT(client.pending_output().size(), 100u);
    server.receive(client.pending_output());
    EXPECT_EQ(test::describe(*server.next_event()),
              test::describe(MessageReceived{MessageType::text, bytes_of(text), 4}));
  }
}

}  // namespace
}  // namespace wscore

// SPDX-License-Identifier: MIT
// The opening handshake through a Connection (RFC 6455 §4): both roles, bytes after the head
// parsed as frames, errors answered with the right HTTP status. Traces that record writes show
// each head by its start line ("wrote GET /chat request", "wrote 400 response: <why>").
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "support/write_trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes_of;
using test::concat;
using test::masked_frame;
using test::output_text;
using test::Trace;
using test::with_writes;

// RFC 6455 §1.3.
constexpr std::string_view example_request =
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

TEST(Rfc6455Section4_2, ServerReportsTheRequestThenAcceptsAndReadsTheFramesThatFollowIt) {
  const Bytes wire = concat({bytes_of(example_request), masked_frame(0x81, bytes_of("Hello"))});
  ConnectionOptions options;
  options.subprotocols = {"superchat", "chat"};
  const test::ConnectionFactory make = test::handshaking_server_factory(options);
  // Every split: the request is reported, and nothing more is read or written until accept().
  EXPECT_EQ(test::trace_at_every_split(make, wire, with_writes), Trace{"request /chat?room=1"});

  Connection connection = make();
  connection.receive(ByteView(wire));
  auto event = connection.next_event();
  ASSERT_TRUE(event);
  const auto* request = std::get_if<RequestReceived>(&*event);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->request->path(), "/chat");
  EXPECT_EQ(request->request->query(), "room=1");
  EXPECT_EQ(request->request->origin(), "http://example.com");
  EXPECT_FALSE(connection.next_event());  // frames wait for the decision
  ASSERT_EQ(connection.accept(), ApiError::none);
  EXPECT_EQ(test::describe_written(Role::server, connection.pending_output()),
            Trace{"wrote 101 response"});
  const std::string response = output_text(connection);
  EXPECT_EQ(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_NE(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  // Our preference wins among what the client offered (RFC 6455 §4.2.2 item 5.4).
  EXPECT_NE(response.find("Sec-WebSocket-Protocol: superchat\r\n"), std::string::npos);
  EXPECT_EQ(connection.subprotocol(), "superchat");
  auto message = connection.next_event();
  ASSERT_TRUE(message);
  EXPECT_EQ(test::describe(*message), "text Hello");
}

TEST(Rfc6455Section4_2_2, AcceptRefusesASubprotocolTheClientDidNotOffer) {
  Connection connection = Connection::server();
  test::run_pieces(connection, {bytes_of(example_request)});
  EXPECT_EQ(connection.accept({.subprotocol = "mqtt"}), ApiError::subprotocol_not_offered);
  EXPECT_TRUE(connection.pending_output().empty());
  EXPECT_EQ(connection.accept({.subprotocol = "chat"}), ApiError::none);
  EXPECT_EQ(connection.subprotocol(), "chat");
}

TEST(Rfc6455Section4_2_1, MalformedRequestGets400AndTheConnectionCloses) {
  EXPECT_EQ(test::trace_at_every_split(test::handshaking_server_factory(),
                                       bytes_of("GET / HTTP/1.1\r\nHost x\r\n\r\n"), with_writes),
            (Trace{"handshake-failed 400",
                   "wrote 400 response: whitespace in a header name or before its colon"}));
  Connection connection = Connection::server();
  EXPECT_EQ(test::run_pieces(connection, {bytes_of("GET / HTTP/1.1\r\nHost x\r\n\r\n")}),
            Trace{"handshake-failed 400"});
  EXPECT_EQ(output_text(connection).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
}

TEST(Rfc6455Section4_4, UnsupportedVersionGets426WithTheVersionWeSpeak) {
  std::string request(example_request);
  request.replace(request.find("Version: 13"), 11, "Version: 12");
  EXPECT_EQ(
      test::trace_at_every_split(test::handshaking_server_factory(), bytes_of(request),
                                 with_writes),
      (Trace{"handshake-failed 426", "wrote 426 response: Sec-WebSocket-Version must be 13"}));
  Connection connection = Connection::server();
  EXPECT_EQ(test::run_pieces(connection, {bytes_of(request)}), Trace{"handshake-failed 426"});
  const std::string response = output_text(connection);
  EXPECT_EQ(response.rfind("HTTP/1.1 426 ", 0), 0u);
  EXPECT_NE(response.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
}

TEST(Rfc6455Section4_2_1, OversizedHeadGets431) {
  ConnectionOptions options;
  options.max_handshake_size = 256;
  Connection connection = Connection::server(options);
  std::string request = "GET / HTTP/1.1\r\nX-Padding: " + std::string(300, 'a') + "\r\n";
  EXPECT_EQ(test::run_pieces(connection, {bytes_of(request)}), Trace{"handshake-failed 431"});
  EXPECT_EQ(test::trace_at_every_split(test::handshaking_server_factory(options), bytes_of(request),
                                       with_writes),
            (Trace{"handshake-failed 431", "wrote 431 response: head exceeds the size limit"}));
}

TEST(Rfc6455Section4_2_1, RejectAnswersWithTheCallersStatus) {
  Connection connection = Connection::server();
  test::run_pieces(connection, {bytes_of(example_request)});
  ASSERT_EQ(connection.reject(403, "origin not allowed"), ApiError::none);
  EXPECT_EQ(test::describe_written(Role::server, connection.pending_output()),
            Trace{"wrote 403 response: origin not allowed"});
  EXPECT_EQ(output_text(connection).rfind("HTTP/1.1 403 ", 0), 0u);
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
}

TEST(Rfc6455Section4_1, ClientAndServerConnectionsTalkToEachOther) {
  const std::string_view offered[] = {"chat", "superchat"};
  ClientHandshake handshake = test::example_handshake();
  handshake.request.subprotocols = offered;
  Connection client = test::handshaking_client(handshake);
  ConnectionOptions server_options;
  server_options.subprotocols = {"superchat"};
  Connection server = Connection::server(server_options);

  server.receive(client.pending_output());
  client.consume_output(client.pending_output().size());
  auto request = server.next_event();
  ASSERT_TRUE(request && std::holds_alternative<RequestReceived>(*request));
  ASSERT_EQ(server.accept(), ApiError::none);
  ASSERT_EQ(server.send_text("welcome"), ApiError::none);

  // The response and the first frame arrive in one piece, at every split; before them, the client
  // had written its request.
  const Bytes from_server(server.pending_output().begin(), server.pending_output().end());
  EXPECT_EQ(test::trace_at_every_split(test::handshaking_client_factory(handshake), from_server,
                                       with_writes),
            (Trace{"wrote GET /chat request", "handshake 101", "text welcome"}));
  client.receive(ByteView(from_server));
  while (client.next_event()) {
  }
  EXPECT_EQ(client.state(), ConnectionState::open);
  EXPECT_EQ(client.subprotocol(), "superchat");
}

TEST(Rfc6455Section4_1, ClientFailsOnAWrongAcceptKey) {
  Connection client = test::handshaking_client(test::client_handshake("localhost"));
  const std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  const Trace trace = test::run_pieces(client, {bytes_of(response)});
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].rfind("handshake-failed", 0), 0u);
  EXPECT_EQ(client.transport_action(), TransportAction::close_when_flushed);
  // Failed before the connection opened: no Close frame follows the request (RFC 6455 §4.1).
  EXPECT_EQ(test::trace_at_every_split(
                test::handshaking_client_factory(test::client_handshake("localhost")),
                bytes_of(response), with_writes),
            (Trace{"wrote GET / request", "handshake-failed 101"}));
}

TEST(Rfc6455Section4_1, ClientReportsTheStatusOfARefusal) {
  Connection client = test::handshaking_client(test::client_handshake("localhost"));
  EXPECT_EQ(
      test::run_pieces(client, {bytes_of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")}),
      Trace{"handshake-failed 404"});
  EXPECT_EQ(test::trace_at_every_split(
                test::handshaking_client_factory(test::client_handshake("localhost")),
                bytes_of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), with_writes),
            (Trace{"wrote GET / request", "handshake-failed 404"}));
}

}  // namespace
}  // namespace wscore

namespace wscore {
namespace {

TEST(HeaderInjection, AcceptAndRejectRefuseHeadersThatCouldInjectLines) {
  Connection connection = Connection::server();
  test::run_pieces(connection, {test::bytes_of(example_request)});
  const HttpHeader injected[] = {{"X-Test", "a\r\nSet-Cookie: x=1"}};
  const HttpHeader bad_name[] = {{"X Test", "a"}};
  EXPECT_EQ(connection.accept({.extra_headers = injected}), ApiError::invalid_header);
  EXPECT_EQ(connection.accept({.extra_headers = bad_name}), ApiError::invalid_header);
  EXPECT_EQ(connection.accept({.extensions = "permessage-deflate\r\nX: y"}),
            ApiError::invalid_header);
  EXPECT_EQ(connection.reject(403, "no", injected), ApiError::invalid_header);
  EXPECT_TRUE(connection.pending_output().empty());
  const HttpHeader fine[] = {{"X-Test", "a\tb"}};
  EXPECT_EQ(connection.accept({.extra_headers = fine}), ApiError::none);
  EXPECT_NE(std::string(as_text(connection.pending_output())).find("X-Test: a\tb\r\n"),
            std::string::npos);
}

TEST(HeaderInjection, ClientRefusesOptionsThatWouldMakeAnInvalidRequest) {
  const std::string_view bad_subprotocol[] = {"chat room"};
  const HttpHeader injected[] = {{"X-Test", "a\nb"}};
  for (int variant = 0; variant < 5; ++variant) {
    SCOPED_TRACE(variant);
    ClientHandshake handshake{};
    handshake.request.host = variant == 0 ? "example.com\r\nX: y" : "example.com";
    if (variant == 1) handshake.request.target = "/chat\r\n";
    if (variant == 2) handshake.request.subprotocols = bad_subprotocol;
    if (variant == 3) handshake.request.extra_headers = injected;
    if (variant == 4) handshake.request.origin = "http://a\r\nb";
    Connection client = test::handshaking_client(handshake);
    EXPECT_TRUE(client.pending_output().empty());
    EXPECT_EQ(client.transport_action(), TransportAction::close_when_flushed);
    auto event = client.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(test::describe(*event), "handshake-failed 0");
    EXPECT_FALSE(client.next_event());
  }
}

}  // namespace
}  // namespace wscore

// SPDX-License-Identifier: MIT
// RFC 6455 §5.5.1, §7: the closing handshake, close codes and what the transport should do.
// Traces list the events, then what the connection wrote ("wrote close 1000"), at every split.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::concat;
using test::masked_frame;
using test::open_client;
using test::open_server;
using test::server_factory;
using test::Trace;
using test::trace_at_every_split;
using test::unmasked_frame;
using test::with_writes;

Bytes close_payload(std::uint16_t code, std::string_view reason = {}) {
  Bytes payload = bytes({code >> 8, code & 0xFF});
  const Bytes text = bytes_of(reason);
  payload.insert(payload.end(), text.begin(), text.end());
  return payload;
}

TEST(Rfc6455Section7_4, ValidCloseCodesAreReported) {
  // RFC 6455 §5.5.1: the reply "typically echos the status code it received", without the reason.
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                   3999, 4000, 4999}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(
        trace_at_every_split(server_factory(), masked_frame(0x88, close_payload(code, "bye")),
                             with_writes),
        (Trace{"close " + std::to_string(code) + " bye", "wrote close " + std::to_string(code)}));
  }
}

TEST(Rfc6455Section7_4, InvalidCloseCodesFailWith1002) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x88, close_payload(code)),
                                   with_writes),
              (Trace{"error 1002 invalid_close_code",
                     "wrote close 1002 close code that may not be sent (RFC 6455 7.4)"}));
  }
}

TEST(Rfc6455Section5_5_1, OneBytePayloadFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x88, bytes({0x03})), with_writes),
            (Trace{"error 1002 close_payload_one_byte",
                   "wrote close 1002 close frame with a 1-byte payload (RFC 6455 5.5.1)"}));
}

TEST(Rfc6455Section5_5_1, ReasonThatIsNotUtf8FailsWith1007) {
  Bytes payload = close_payload(1000);
  payload.push_back(std::byte{0xFF});
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x88, payload), with_writes),
            (Trace{"error 1007 invalid_close_reason",
                   "wrote close 1007 close reason is not UTF-8 (RFC 6455 5.5.1)"}));
}

TEST(Rfc6455Section5_5_1, EmptyCloseIsReportedAs1005AndAnsweredEmpty) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x88, {}), with_writes),
            (Trace{"close 1005", "wrote close"}));
  Connection connection = open_server();
  EXPECT_EQ(test::run_pieces(connection, {masked_frame(0x88, {})}), Trace{"close 1005"});
  EXPECT_EQ(test::hex(connection.pending_output()), "8800");
}

TEST(Rfc6455Section7_1_2, PeerCloseIsAnsweredWithTheSameCodeAndThenServerClosesFirst) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x88, close_payload(4321, "done")),
                                 with_writes),
            (Trace{"close 4321 done", "wrote close 4321"}));
  Connection connection = open_server();
  EXPECT_EQ(test::run_pieces(connection, {masked_frame(0x88, close_payload(4321, "done"))}),
            Trace{"close 4321 done"});
  EXPECT_EQ(test::hex(connection.pending_output()), "880210e1");
  EXPECT_EQ(connection.state(), ConnectionState::closed);
  // RFC 6455 §7.1.1: the server closes the TCP connection first.
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
}

TEST(Rfc6455Section7_1_1, ClientWaitsForTheServerToCloseTcp) {
  Connection connection = open_client();
  EXPECT_EQ(connection.close(1000, "bye"), ApiError::none);
  EXPECT_EQ(connection.state(), ConnectionState::close_sent);
  EXPECT_EQ(connection.transport_action(), TransportAction::keep_open);
  EXPECT_EQ(test::parse_as(Role::server, connection.pending_output()), Trace{"close 1000 bye"});
  // Data the server sent before seeing our Close still arrives; then its Close, which is not
  // answered: only our own Close went out.
  EXPECT_EQ(test::run_pieces(connection,
                             {concat({unmasked_frame(0x81, bytes_of("late")),
                                      unmasked_frame(0x88, close_payload(1000))})},
                             with_writes),
            (Trace{"wrote close 1000 bye", "text late", "close 1000"}));
  EXPECT_EQ(connection.state(), ConnectionState::closed);
  EXPECT_EQ(connection.transport_action(), TransportAction::await_peer_close);
}

TEST(Rfc6455Section7_1_4, NothingIsReadOrSentAfterThePeersClose) {
  Connection connection = open_server();
  const Bytes wire = concat({masked_frame(0x88, close_payload(1000)),
                             masked_frame(0x81, bytes_of("ignored")), bytes({0xFF, 0xFF})});
  EXPECT_EQ(trace_at_every_split(server_factory(), wire, with_writes),
            (Trace{"close 1000", "wrote close 1000"}));
  EXPECT_EQ(test::run_pieces(connection, {wire}, with_writes),
            (Trace{"close 1000", "wrote close 1000"}));
  EXPECT_EQ(connection.send_text("more"), ApiError::wrong_state);
  EXPECT_EQ(connection.ping(), ApiError::wrong_state);
  EXPECT_EQ(connection.close(), ApiError::wrong_state);
  // Nothing written since the reply to the Close, by those calls or for more input.
  EXPECT_EQ(test::run_pieces(connection, {masked_frame(0x81, bytes_of("x"))}, with_writes),
            Trace{});
}

TEST(Rfc6455Section7_1_7, ProtocolErrorSendsCloseWithItsCodeAndClosesTcp) {
  EXPECT_EQ(
      trace_at_every_split(server_factory(), unmasked_frame(0x81, bytes_of("x")), with_writes),
      (Trace{"error 1002 unmasked_frame_from_client",
             "wrote close 1002 unmasked frame from a client (RFC 6455 5.1)"}));
  Connection connection = open_server();
  EXPECT_EQ(test::run_pieces(connection, {unmasked_frame(0x81, bytes_of("x"))}),
            Trace{"error 1002 unmasked_frame_from_client"});
  const Trace sent = test::parse_as(Role::client, connection.pending_output());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].rfind("close 1002", 0), 0u);
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
}

TEST(Rfc6455Section7_4, ReportedOnlyCodesAreNeverSent) {
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    Connection connection = open_server();
    EXPECT_EQ(connection.close(code), ApiError::invalid_close_code) << code;
    EXPECT_TRUE(connection.pending_output().empty());
  }
}

TEST(Rfc6455Section5_5_1, CloseReasonLimits) {
  Connection connection = open_server();
  EXPECT_EQ(connection.close(1000, std::string(124, 'x')), ApiError::control_payload_too_large);
  EXPECT_EQ(connection.close(1000, "\xC0\xAF"), ApiError::invalid_utf8);
  EXPECT_TRUE(connection.pending_output().empty());
  EXPECT_EQ(connection.close(1000, std::string(123, 'x')), ApiError::none);
  EXPECT_EQ(connection.pending_output().size(), 2u + 125u);
}

TEST(Rfc6455Section7_1_5, EndOfStreamWithoutCloseIsReportedAs1006) {
  Connection connection = open_server();
  const Bytes frame = masked_frame(0x81, bytes_of("Hi"));
  connection.receive(ByteView(frame).first(3));
  connection.receive_eof();
  Trace trace;
  while (auto event = connection.next_event())
    trace.push_back(test::describe(*event));
  EXPECT_EQ(trace, Trace{"lost 1006"});
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
}

TEST(Rfc6455Section7_1_5, EndOfStreamAfterCloseHandshakeIsNotAnError) {
  Connection connection = open_client();
  EXPECT_EQ(test::run_pieces(connection, {unmasked_frame(0x88, close_payload(1000))}, with_writes),
            (Trace{"close 1000", "wrote close 1000"}));
  connection.receive_eof();
  EXPECT_FALSE(connection.next_event());
}

}  // namespace
}  // namespace wscore

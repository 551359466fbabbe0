// SPDX-License-Identifier: MIT
// RFC 6455 §5: frames and messages through a Connection, both roles. Every input is replayed
// whole, one byte at a time and at every 2-way split, with identical events and identical bytes
// written: a Pong for a Ping (§5.5.2), and for a peer's error the Close that fails the
// connection (§7.1.7), with the violation's code and its sentence as the reason.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::client_factory;
using test::concat;
using test::masked_frame;
using test::open_client;
using test::open_server;
using test::server_factory;
using test::Trace;
using test::trace_at_every_split;
using test::unmasked_frame;
using test::with_writes;

Bytes pattern(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::byte>(i * 7 + 3);
  return data;
}

// --- RFC 6455 §5.7 examples, byte for byte ---

TEST(Rfc6455Section5_7, SingleFrameUnmaskedText) {
  EXPECT_EQ(
      trace_at_every_split(client_factory(), bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
      Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, SingleFrameMaskedText) {
  EXPECT_EQ(trace_at_every_split(server_factory(), bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
                                                          0x9f, 0x4d, 0x51, 0x58})),
            Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, FragmentedUnmaskedText) {
  const Bytes wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f});
  EXPECT_EQ(trace_at_every_split(client_factory(), wire), Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, FragmentedMaskedTextInBothRoles) {
  const Bytes wire =
      concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x80, bytes_of("lo"))});
  EXPECT_EQ(trace_at_every_split(server_factory(), wire), Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, UnmaskedPingAndMaskedPong) {
  // RFC 6455 §5.5.2: the Ping is answered with a Pong carrying its payload (masked, from a
  // client); §5.5.3: a Pong is not answered.
  EXPECT_EQ(trace_at_every_split(client_factory(),
                                 bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), with_writes),
            (Trace{"ping Hello", "wrote pong Hello"}));
  EXPECT_EQ(
      trace_at_every_split(
          server_factory(),
          bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}), with_writes),
      Trace{"pong Hello"});
}

TEST(Rfc6455Section5_7, BinaryWith16BitLength) {
  const Bytes payload = pattern(256);
  const Bytes wire = concat({bytes({0x82, 0x7E, 0x01, 0x00}), payload});
  const Trace trace = trace_at_every_split(client_factory(), wire);
  EXPECT_EQ(trace, test::parse_as(Role::client, unmasked_frame(0x82, payload)));
  EXPECT_EQ(trace, trace_at_every_split(server_factory(), masked_frame(0x82, payload)));
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].rfind("binary 256 bytes", 0), 0u);
}

TEST(Rfc6455Section5_7, BinaryWith64BitLength) {
  const Bytes payload = pattern(65536);
  const Bytes wire = concat({bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}), payload});
  Connection connection = open_client();
  const Trace trace = test::run_pieces(connection, {wire});
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].rfind("binary 65536 bytes", 0), 0u);
  // Masked, to a server, in pieces of 1000 bytes.
  const Bytes masked = masked_frame(0x82, payload);
  std::vector<Bytes> pieces;
  for (std::size_t at = 0; at < masked.size(); at += 1000) {
    pieces.emplace_back(
        masked.begin() + static_cast<std::ptrdiff_t>(at),
        masked.begin() + static_cast<std::ptrdiff_t>(std::min(at + 1000, masked.size())));
  }
  Connection receiver = open_server();
  EXPECT_EQ(test::run_pieces(receiver, pieces), trace);
}

// --- RFC 6455 §5.1, §5.2, §5.3: header rules ---

TEST(Rfc6455Section5_1, ServerFailsUnmaskedFrameWith1002) {
  EXPECT_EQ(
      trace_at_every_split(server_factory(), unmasked_frame(0x81, bytes_of("Hi")), with_writes),
      (Trace{"error 1002 unmasked_frame_from_client",
             "wrote close 1002 unmasked frame from a client (RFC 6455 5.1)"}));
}

TEST(Rfc6455Section5_1, ClientFailsMaskedFrameWith1002) {
  EXPECT_EQ(trace_at_every_split(client_factory(), masked_frame(0x81, bytes_of("Hi")), with_writes),
            (Trace{"error 1002 masked_frame_from_server",
                   "wrote close 1002 masked frame from a server (RFC 6455 5.1)"}));
}

TEST(Rfc6455Section5_2, SixtyFourBitLengthWithHighBitFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(client_factory(), bytes({0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1}),
                                 with_writes),
            (Trace{"error 1002 length_high_bit_set",
                   "wrote close 1002 64-bit payload length with the high bit set (RFC 6455 5.2)"}));
}

TEST(Rfc6455Section5_2, ReservedOpcodesFailWith1002) {
  for (int opcode : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(opcode);
    EXPECT_EQ(
        trace_at_every_split(server_factory(), masked_frame(0x80 | opcode, bytes_of("x")),
                             with_writes),
        (Trace{"error 1002 reserved_opcode", "wrote close 1002 reserved opcode (RFC 6455 5.2)"}));
  }
}

TEST(Rfc6455Section5_2, RsvBitsWithoutExtensionFailWith1002) {
  for (int rsv : {0x40, 0x20, 0x10, 0x70}) {
    SCOPED_TRACE(rsv);
    EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x81 | rsv, bytes_of("x")),
                                   with_writes),
              (Trace{"error 1002 rsv_without_extension",
                     "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
  }
}

TEST(Rfc6455Section5_8, RsvBitClaimedByExtensionIsDeliveredOnFirstFrameOnly) {
  auto make = [] {
    Connection connection = open_server();
    connection.set_extension_rsv_bits(rsv_bit::rsv1);
    return connection;
  };
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xC2, bytes_of("x"))),
            Trace{"binary 78 rsv=4"});
  // Not on continuation frames, not on control frames, and not the bits it does not claim.
  EXPECT_EQ(
      trace_at_every_split(
          make, concat({masked_frame(0x42, bytes_of("x")), masked_frame(0xC0, bytes_of("y"))}),
          with_writes),
      (Trace{"error 1002 rsv_without_extension",
             "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xC9, bytes_of("x")), with_writes),
            (Trace{"error 1002 rsv_without_extension",
                   "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xA2, bytes_of("x")), with_writes),
            (Trace{"error 1002 rsv_without_extension",
                   "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
}

// --- RFC 6455 §5.4: fragmentation ---

TEST(Rfc6455Section5_4, ContinuationWithoutMessageFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x80, bytes_of("x")), with_writes),
            (Trace{"error 1002 continuation_without_message",
                   "wrote close 1002 continuation frame without a message (RFC 6455 5.4)"}));
}

TEST(Rfc6455Section5_4, NewDataFrameInsideFragmentedMessageFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(
                server_factory(),
                concat({masked_frame(0x01, bytes_of("a")), masked_frame(0x81, bytes_of("b"))}),
                with_writes),
            (Trace{"error 1002 data_frame_inside_message",
                   "wrote close 1002 new message inside a fragmented one (RFC 6455 5.4)"}));
}

TEST(Rfc6455Section5_4, ControlFramesInterleaveWithFragments) {
  const Bytes wire = concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x89, bytes_of("p")),
                             masked_frame(0x00, bytes_of("l")), masked_frame(0x8A, bytes_of("q")),
                             masked_frame(0x80, bytes_of("o"))});
  EXPECT_EQ(trace_at_every_split(server_factory(), wire, with_writes),
            (Trace{"ping p", "pong q", "text Hello", "wrote pong p"}));
}

TEST(Rfc6455Section5_4, StreamingDeliversEachFramePieceAsItArrives) {
  const ConnectionOptions options = test::streaming_delivery();
  const Bytes wire = concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x00, {}),
                             masked_frame(0x80, bytes_of("lo"))});
  EXPECT_EQ(trace_at_every_split(server_factory(options), wire),
            (Trace{"fragment text fin=0 Hel", "fragment text fin=1 lo"}));
  // Split inside a payload: the pieces arrive as they come, the message ends once.
  Connection connection = open_server(options);
  const Bytes frame = masked_frame(0x82, bytes_of("abcdef"));
  EXPECT_EQ(test::run_pieces(connection, {Bytes(frame.begin(), frame.begin() + 9),
                                          Bytes(frame.begin() + 9, frame.end())}),
            (Trace{"fragment binary fin=0 616263", "fragment binary fin=1 646566"}));
}

TEST(Rfc6455Section5_4, AMessageIn65536FragmentsArrivesWhole) {
  // 4 MiB in 65,536 fragments of 64 bytes (Autobahn's cases 9.3.1 and 9.4.1), text validated
  // across every fragment boundary (§8.1; "€𝄞" is 7 bytes, so characters straddle them) and
  // binary, in both delivery modes, fed in 64 KiB reads.
  std::string text;
  while (text.size() + 7 <= (4u << 20))
    text += "\xE2\x82\xAC\xF0\x9D\x84\x9E";
  text.resize(4u << 20, 'x');
  for (const std::uint8_t opcode : {0x01, 0x02}) {
    Bytes wire;
    for (std::size_t at = 0; at < text.size(); at += 64) {
      const std::uint8_t head = (at == 0 ? opcode : 0x00) | (at + 64 == text.size() ? 0x80 : 0);
      const Bytes frame = masked_frame(head, bytes_of(text.substr(at, 64)));
      wire.insert(wire.end(), frame.begin(), frame.end());
    }
    for (const DeliveryMode delivery : {DeliveryMode::whole_messages, DeliveryMode::streaming}) {
      ConnectionOptions options;
      options.delivery = delivery;
      Connection connection = open_server(options);
      std::string received;
      std::size_t messages = 0;
      for (std::size_t at = 0; at < wire.size(); at += 65536) {
        connection.receive(
            ByteView(wire).subspan(at, std::min<std::size_t>(65536, wire.size() - at)));
        while (auto event = connection.next_event()) {
          if (const auto* message = std::get_if<MessageReceived>(&*event)) {
            EXPECT_EQ(message->type, static_cast<MessageType>(opcode));
            received += message->text();
            ++messages;
          } else if (const auto* fragment = std::get_if<FragmentReceived>(&*event)) {
            EXPECT_EQ(fragment->type, static_cast<MessageType>(opcode));
            received += as_text(fragment->data);
            messages += fragment->message_finished ? 1 : 0;
          } else {
            ADD_FAILURE() << test::describe(*event);
          }
        }
      }
      EXPECT_EQ(messages, 1u);
      EXPECT_TRUE(received == text) << "opcode " << int{opcode};
      EXPECT_EQ(connection.state(), ConnectionState::open);
    }
  }
}

TEST(Rfc6455Section5_4, EmptyMessagesAndFragments) {
  EXPECT_EQ(trace_at_every_split(
                server_factory(),
                concat({masked_frame(0x81, {}), masked_frame(0x82, {}), masked_frame(0x01, {}),
                        masked_frame(0x00, {}), masked_frame(0x80, {})})),
            (Trace{"text ", "binary ", "text "}));
}

// --- RFC 6455 §5.5: control frames ---

TEST(Rfc6455Section5_5, ControlFrameOver125BytesFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x89, pattern(126)), with_writes),
            (Trace{"error 1002 control_frame_too_long",
                   "wrote close 1002 control frame over 125 bytes (RFC 6455 5.5)"}));
  EXPECT_EQ(test::parse_as(Role::server, masked_frame(0x89, pattern(125))).size(), 1u);
}

TEST(Rfc6455Section5_5, FragmentedControlFrameFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x09, bytes_of("x")), with_writes),
            (Trace{"error 1002 fragmented_control_frame",
                   "wrote close 1002 fragmented control frame (RFC 6455 5.5)"}));
}

TEST(Rfc6455Section5_5_2, PingIsAnsweredWithPongCarryingItsPayload) {
  EXPECT_EQ(
      trace_at_every_split(server_factory(), masked_frame(0x89, bytes_of("Hello")), with_writes),
      (Trace{"ping Hello", "wrote pong Hello"}));
  Connection connection = open_server();
  test::run_pieces(connection, {masked_frame(0x89, bytes_of("Hello"))});
  EXPECT_EQ(test::hex(connection.pending_output()), "8a0548656c6c6f");
}

TEST(Rfc6455Section5_5_2, BurstOfPingsInOneReadIsAnsweredPongForPing) {
  // Ten Pings in one piece of input, none of the output drained in between: ten Pongs, in order,
  // each with its Ping's payload (what Autobahn's case 2.10 checks).
  Bytes pings;
  Bytes pongs;
  for (char c = '0'; c <= '9'; ++c) {
    const Bytes payload = bytes_of(std::string(40, c));
    pings = concat({pings, masked_frame(0x89, payload)});
    pongs = concat({pongs, unmasked_frame(0x8A, payload)});
  }
  Connection connection = open_server();
  test::run_pieces(connection, {pings});
  EXPECT_EQ(test::hex(connection.pending_output()), test::hex(pongs));
}

TEST(Rfc6455Section5_5_3, PingFloodKeepsAtMostSixteenUnsentPongsTheLastForTheLatestPing) {
  // 26 Pings that the caller never drains: the Pongs for the first 15, then the latest one's.
  Connection connection = open_server();
  Bytes expected;
  for (char c = 'a'; c <= 'z'; ++c) {
    test::run_pieces(connection, {masked_frame(0x89, bytes_of(std::string(100, c)))});
    if (c < 'a' + 15 || c == 'z') {
      expected = concat({expected, unmasked_frame(0x8A, bytes_of(std::string(100, c)))});
    }
  }
  EXPECT_EQ(test::hex(connection.pending_output()), test::hex(expected));
  // Once the last Pong is (partly) written it is no longer replaced: the next one is added.
  connection.consume_output(expected.size() - 1);
  test::run_pieces(connection, {masked_frame(0x89, bytes_of("A"))});
  EXPECT_EQ(test::hex(connection.pending_output()),
            test::hex(concat(
                {Bytes(expected.end() - 1, expected.end()), unmasked_frame(0x8A, bytes_of("A"))})));
}

// --- RFC 6455 §8.1: UTF-8 ---

TEST(Rfc6455Section8_1, InvalidUtf8InTextFailsWith1007) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x81, bytes({0x48, 0xC0, 0xAF})),
                                 with_writes),
            (Trace{"error 1007 invalid_utf8",
                   "wrote close 1007 invalid UTF-8 in a text message (RFC 6455 8.1)"}));
}

TEST(Rfc6455Section8_1, CodePointSplitAcrossFragmentsIsValid) {
  // U+20AC EURO SIGN, E2 82 AC, cut after each byte.
  const Bytes wire = concat({masked_frame(0x01, bytes({0xE2})), masked_frame(0x00, bytes({0x82})),
                             masked_frame(0x80, bytes({0xAC}))});
  EXPECT_EQ(trace_at_every_split(server_factory(), wire), Trace{"text \xE2\x82\xAC"});
}

TEST(Rfc6455Section8_1, FailsFastInsideANonFinalFragment) {
  // The message never ends, yet the invalid byte is reported at once.
  const Bytes wire = masked_frame(0x01, bytes({0x41, 0xF4, 0x90}));
  EXPECT_EQ(trace_at_every_split(server_factory(), wire, with_writes),
            (Trace{"error 1007 invalid_utf8",
                   "wrote close 1007 invalid UTF-8 in a text message (RFC 6455 8.1)"}));
  EXPECT_EQ(trace_at_every_split(server_factory(test::streaming_delivery()), wire, with_writes),
            (Trace{"error 1007 invalid_utf8",
                   "wrote close 1007 invalid UTF-8 in a text message (RFC 6455 8.1)"}));
}

TEST(Rfc6455Section8_1, TextEndingInsideACodePointFailsWith1007) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x81, bytes({0x41, 0xE2, 0x82})),
                                 with_writes),
            (Trace{"error 1007 truncated_utf8",
                   "wrote close 1007 text message ends inside a UTF-8 sequence"}));
}

TEST(Rfc6455Section8_1, BinaryIsNotValidated) {
  EXPECT_EQ(trace_at_every_split(server_factory(), masked_frame(0x82, bytes({0xC0, 0xAF}))),
            Trace{"binary c0af"});
}

// --- RFC 6455 §10.4: limits ---

TEST(Rfc6455Section10_4, FrameOverMaxFrameSizeFailsWith1009BeforeItsPayload) {
  ConnectionOptions options;
  options.max_frame_size = 1000;
  Connection connection = open_server(options);
  // Only the header of a frame that claims 2^62 bytes: rejected at once, nothing allocated.
  const Bytes header = bytes({0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  EXPECT_EQ(test::run_pieces(connection, {header}), Trace{"error 1009 frame_too_big"});
  EXPECT_EQ(
      trace_at_every_split(server_factory(options), masked_frame(0x82, pattern(1001)), with_writes),
      (Trace{"error 1009 frame_too_big", "wrote close 1009 frame larger than max_frame_size"}));
  EXPECT_EQ(test::parse_as(Role::server, masked_frame(0x82, pattern(1000)), options).size(), 1u);
}

TEST(Rfc6455Section10_4, MessageOverMaxMessageSizeFailsWith1009) {
  ConnectionOptions options;
  options.max_message_size = 10;
  const Bytes wire = concat({masked_frame(0x02, pattern(6)), masked_frame(0x80, pattern(5))});
  EXPECT_EQ(trace_at_every_split(server_factory(options), wire, with_writes),
            (Trace{"error 1009 message_too_big",
                   "wrote close 1009 message larger than max_message_size"}));
  options.delivery = DeliveryMode::streaming;
  EXPECT_EQ(trace_at_every_split(server_factory(options), wire, with_writes),
            (Trace{"fragment binary fin=0 03"
                   "0a11181f26",
                   "error 1009 message_too_big",
                   "wrote close 1009 message larger than max_message_size"}));
}

// §10.4 lets an endpoint limit what it takes; a message in very many tiny fragments costs a frame
// header per byte (a tiny-fragment flood), so their count per message is bounded too (1008: a
// policy, §7.4.1). At the limit the message is delivered.
TEST(Rfc6455Section10_4, MessageInMoreThanMaxFragmentsFailsWith1008) {
  ConnectionOptions options;
  options.max_fragments_per_message = 3;
  const Bytes three = concat({masked_frame(0x01, bytes_of("a")), masked_frame(0x00, bytes_of("b")),
                              masked_frame(0x80, bytes_of("c"))});
  EXPECT_EQ(trace_at_every_split(server_factory(options), three, with_writes), Trace{"text abc"});
  const Bytes four = concat({masked_frame(0x01, bytes_of("a")), masked_frame(0x00, bytes_of("b")),
                             masked_frame(0x00, bytes_of("c")), masked_frame(0x80, bytes_of("d"))});
  EXPECT_EQ(trace_at_every_split(server_factory(options), four, with_writes),
            (Trace{"error 1008 too_many_fragments",
                   "wrote close 1008 message in more than max_fragments_per_message frames"}));
  // Control frames between the fragments do not count (§5.4 allows them there).
  const Bytes with_ping =
      concat({masked_frame(0x01, bytes_of("a")), masked_frame(0x89, bytes_of("p")),
              masked_frame(0x00, bytes_of("b")), masked_frame(0x80, bytes_of("c"))});
  EXPECT_EQ(test::parse_as(Role::server, with_ping, options).back(), "text abc");
}

TEST(Rfc6455Section10_4, NoEventAfterAProtocolError) {
  const Bytes wire = concat({masked_frame(0x80, bytes_of("x")), masked_frame(0x81, bytes_of("y"))});
  EXPECT_EQ(trace_at_every_split(server_factory(), wire, with_writes),
            (Trace{"error 1002 continuation_without_message",
                   "wrote close 1002 continuation frame without a message (RFC 6455 5.4)"}));
}

// --- Zero copy ---

TEST(ZeroCopy, WholeFrameInTheInputIsDeliveredInPlace) {
  Bytes wire = masked_frame(0x82, pattern(300));
  Connection connection = open_server();
  connection.receive_in_place(MutableByteView(wire));
  auto event = connection.next_event();
  ASSERT_TRUE(event);
  const auto* message = std::get_if<MessageReceived>(&*event);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->data.data(), wire.data() + 8);  // 4-byte header + 4-byte key
  EXPECT_TRUE(std::equal(message->data.begin(), message->data.end(), pattern(300).begin()));
}

}  // namespace
}  // namespace wscore

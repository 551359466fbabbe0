// RFC 6455 §5: frames and messages through a Connection, both roles. Every input is replayed
// whole, one byte at a time and at every 2-way split, with identical events.
#include <gtest/gtest.h>

#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::concat;
using test::masked_frame;
using test::trace_at_every_split;
using test::unmasked_frame;
using Trace = std::vector<std::string>;

auto server(ConnectionOptions options = {}) {
  return [options] { return Connection::open(Role::server, options); };
}
auto client(ConnectionOptions options = {}) {
  return [options] { return Connection::open(Role::client, options, test::fixed_random({})); };
}

Bytes pattern(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::byte>(i * 7 + 3);
  return data;
}

// --- RFC 6455 §5.7 examples, byte for byte ---

TEST(Rfc6455Section5_7, SingleFrameUnmaskedText) {
  EXPECT_EQ(trace_at_every_split(client(), bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
            Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, SingleFrameMaskedText) {
  EXPECT_EQ(trace_at_every_split(server(), bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f,
                                                  0x4d, 0x51, 0x58})),
            Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, FragmentedUnmaskedText) {
  const Bytes wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f});
  EXPECT_EQ(trace_at_every_split(client(), wire), Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, FragmentedMaskedTextInBothRoles) {
  const Bytes wire =
      concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x80, bytes_of("lo"))});
  EXPECT_EQ(trace_at_every_split(server(), wire), Trace{"text Hello"});
}

TEST(Rfc6455Section5_7, UnmaskedPingAndMaskedPong) {
  EXPECT_EQ(trace_at_every_split(client(), bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
            Trace{"ping Hello"});
  EXPECT_EQ(trace_at_every_split(server(), bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f,
                                                  0x4d, 0x51, 0x58})),
            Trace{"pong Hello"});
}

TEST(Rfc6455Section5_7, BinaryWith16BitLength) {
  const Bytes payload = pattern(256);
  const Bytes wire = concat({bytes({0x82, 0x7E, 0x01, 0x00}), payload});
  const Trace trace = trace_at_every_split(client(), wire);
  EXPECT_EQ(trace, test::parse_as(Role::client, unmasked_frame(0x82, payload)));
  EXPECT_EQ(trace, trace_at_every_split(server(), masked_frame(0x82, payload)));
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].rfind("binary 256 bytes", 0), 0u);
}

TEST(Rfc6455Section5_7, BinaryWith64BitLength) {
  const Bytes payload = pattern(65536);
  const Bytes wire = concat({bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}), payload});
  Connection connection = client()();
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
  Connection receiver = server()();
  EXPECT_EQ(test::run_pieces(receiver, pieces), trace);
}

// --- RFC 6455 §5.1, §5.2, §5.3: header rules ---

TEST(Rfc6455Section5_1, ServerFailsUnmaskedFrameWith1002) {
  EXPECT_EQ(trace_at_every_split(server(), unmasked_frame(0x81, bytes_of("Hi"))),
            Trace{"error 1002 unmasked_frame_from_client"});
}

TEST(Rfc6455Section5_1, ClientFailsMaskedFrameWith1002) {
  EXPECT_EQ(trace_at_every_split(client(), masked_frame(0x81, bytes_of("Hi"))),
            Trace{"error 1002 masked_frame_from_server"});
}

TEST(Rfc6455Section5_2, SixtyFourBitLengthWithHighBitFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(client(), bytes({0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1})),
            Trace{"error 1002 length_high_bit_set"});
}

TEST(Rfc6455Section5_2, ReservedOpcodesFailWith1002) {
  for (int opcode : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(opcode);
    EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x80 | opcode, bytes_of("x"))),
              Trace{"error 1002 reserved_opcode"});
  }
}

TEST(Rfc6455Section5_2, RsvBitsWithoutExtensionFailWith1002) {
  for (int rsv : {0x40, 0x20, 0x10, 0x70}) {
    SCOPED_TRACE(rsv);
    EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x81 | rsv, bytes_of("x"))),
              Trace{"error 1002 rsv_without_extension"});
  }
}

TEST(Rfc6455Section5_8, RsvBitClaimedByExtensionIsDeliveredOnFirstFrameOnly) {
  auto make = [] {
    Connection connection = Connection::open(Role::server);
    connection.set_extension_rsv_bits(rsv_bit::rsv1);
    return connection;
  };
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xC2, bytes_of("x"))),
            Trace{"binary 78 rsv=4"});
  // Not on continuation frames, not on control frames, and not the bits it does not claim.
  EXPECT_EQ(trace_at_every_split(make, concat({masked_frame(0x42, bytes_of("x")),
                                               masked_frame(0xC0, bytes_of("y"))})),
            Trace{"error 1002 rsv_without_extension"});
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xC9, bytes_of("x"))),
            Trace{"error 1002 rsv_without_extension"});
  EXPECT_EQ(trace_at_every_split(make, masked_frame(0xA2, bytes_of("x"))),
            Trace{"error 1002 rsv_without_extension"});
}

// --- RFC 6455 §5.4: fragmentation ---

TEST(Rfc6455Section5_4, ContinuationWithoutMessageFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x80, bytes_of("x"))),
            Trace{"error 1002 continuation_without_message"});
}

TEST(Rfc6455Section5_4, NewDataFrameInsideFragmentedMessageFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server(), concat({masked_frame(0x01, bytes_of("a")),
                                                   masked_frame(0x81, bytes_of("b"))})),
            Trace{"error 1002 data_frame_inside_message"});
}

TEST(Rfc6455Section5_4, ControlFramesInterleaveWithFragments) {
  const Bytes wire = concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x89, bytes_of("p")),
                             masked_frame(0x00, bytes_of("l")), masked_frame(0x8A, bytes_of("q")),
                             masked_frame(0x80, bytes_of("o"))});
  EXPECT_EQ(trace_at_every_split(server(), wire), (Trace{"ping p", "pong q", "text Hello"}));
}

TEST(Rfc6455Section5_4, StreamingDeliversEachFramePieceAsItArrives) {
  ConnectionOptions options;
  options.delivery = DeliveryMode::streaming;
  const Bytes wire = concat({masked_frame(0x01, bytes_of("Hel")), masked_frame(0x00, {}),
                             masked_frame(0x80, bytes_of("lo"))});
  EXPECT_EQ(trace_at_every_split(server(options), wire),
            (Trace{"fragment text fin=0 Hel", "fragment text fin=1 lo"}));
  // Split inside a payload: the pieces arrive as they come, the message ends once.
  Connection connection = server(options)();
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
      Connection connection = Connection::open(Role::server, options);
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
  EXPECT_EQ(trace_at_every_split(server(), concat({masked_frame(0x81, {}), masked_frame(0x82, {}),
                                                   masked_frame(0x01, {}), masked_frame(0x00, {}),
                                                   masked_frame(0x80, {})})),
            (Trace{"text ", "binary ", "text "}));
}

// --- RFC 6455 §5.5: control frames ---

TEST(Rfc6455Section5_5, ControlFrameOver125BytesFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x89, pattern(126))),
            Trace{"error 1002 control_frame_too_long"});
  EXPECT_EQ(test::parse_as(Role::server, masked_frame(0x89, pattern(125))).size(), 1u);
}

TEST(Rfc6455Section5_5, FragmentedControlFrameFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x09, bytes_of("x"))),
            Trace{"error 1002 fragmented_control_frame"});
}

TEST(Rfc6455Section5_5_2, PingIsAnsweredWithPongCarryingItsPayload) {
  Connection connection = Connection::open(Role::server);
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
  Connection connection = Connection::open(Role::server);
  test::run_pieces(connection, {pings});
  EXPECT_EQ(test::hex(connection.pending_output()), test::hex(pongs));
}

TEST(Rfc6455Section5_5_3, PingFloodKeepsAtMostSixteenUnsentPongsTheLastForTheLatestPing) {
  // 26 Pings that the caller never drains: the Pongs for the first 15, then the latest one's.
  Connection connection = Connection::open(Role::server);
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
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x81, bytes({0x48, 0xC0, 0xAF}))),
            Trace{"error 1007 invalid_utf8"});
}

TEST(Rfc6455Section8_1, CodePointSplitAcrossFragmentsIsValid) {
  // U+20AC EURO SIGN, E2 82 AC, cut after each byte.
  const Bytes wire = concat({masked_frame(0x01, bytes({0xE2})), masked_frame(0x00, bytes({0x82})),
                             masked_frame(0x80, bytes({0xAC}))});
  EXPECT_EQ(trace_at_every_split(server(), wire), Trace{"text \xE2\x82\xAC"});
}

TEST(Rfc6455Section8_1, FailsFastInsideANonFinalFragment) {
  // The message never ends, yet the invalid byte is reported at once.
  const Bytes wire = masked_frame(0x01, bytes({0x41, 0xF4, 0x90}));
  EXPECT_EQ(trace_at_every_split(server(), wire), Trace{"error 1007 invalid_utf8"});
  ConnectionOptions streaming;
  streaming.delivery = DeliveryMode::streaming;
  EXPECT_EQ(trace_at_every_split(server(streaming), wire), Trace{"error 1007 invalid_utf8"});
}

TEST(Rfc6455Section8_1, TextEndingInsideACodePointFailsWith1007) {
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x81, bytes({0x41, 0xE2, 0x82}))),
            Trace{"error 1007 truncated_utf8"});
}

TEST(Rfc6455Section8_1, BinaryIsNotValidated) {
  EXPECT_EQ(trace_at_every_split(server(), masked_frame(0x82, bytes({0xC0, 0xAF}))),
            Trace{"binary c0af"});
}

// --- RFC 6455 §10.4: limits ---

TEST(Rfc6455Section10_4, FrameOverMaxFrameSizeFailsWith1009BeforeItsPayload) {
  ConnectionOptions options;
  options.max_frame_size = 1000;
  Connection connection = Connection::open(Role::server, options);
  // Only the header of a frame that claims 2^62 bytes: rejected at once, nothing allocated.
  const Bytes header = bytes({0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  EXPECT_EQ(test::run_pieces(connection, {header}), Trace{"error 1009 frame_too_big"});
  EXPECT_EQ(trace_at_every_split(server(options), masked_frame(0x82, pattern(1001))),
            Trace{"error 1009 frame_too_big"});
  EXPECT_EQ(test::parse_as(Role::server, masked_frame(0x82, pattern(1000)), options).size(), 1u);
}

TEST(Rfc6455Section10_4, MessageOverMaxMessageSizeFailsWith1009) {
  ConnectionOptions options;
  options.max_message_size = 10;
  const Bytes wire = concat({masked_frame(0x02, pattern(6)), masked_frame(0x80, pattern(5))});
  EXPECT_EQ(trace_at_every_split(server(options), wire), Trace{"error 1009 message_too_big"});
  options.delivery = DeliveryMode::streaming;
  EXPECT_EQ(trace_at_every_split(server(options), wire), (Trace{"fragment binary fin=0 03"
                                                                "0a11181f26",
                                                                "error 1009 message_too_big"}));
}

TEST(Rfc6455Section10_4, NoEventAfterAProtocolError) {
  const Bytes wire = concat({masked_frame(0x80, bytes_of("x")), masked_frame(0x81, bytes_of("y"))});
  EXPECT_EQ(trace_at_every_split(server(), wire), Trace{"error 1002 continuation_without_message"});
}

// --- Zero copy ---

TEST(ZeroCopy, WholeFrameInTheInputIsDeliveredInPlace) {
  Bytes wire = masked_frame(0x82, pattern(300));
  Connection connection = Connection::open(Role::server);
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

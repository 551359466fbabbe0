// SPDX-License-Identifier: MIT
// RFC 6455 §5: the frame layer on its own (FrameParser), reading valid frames: the §5.7
// examples, frames back to back, the parser's place in a frame, unmasking (§5.3) and fragments
// (§5.4). The rules a header breaks are in frame_parser_rules_test.cpp. Every input is replayed
// at every split (splits.hpp) through parse() and through parse_copying(), and must give the same
// trace each time (read_frames in support/frame_trace.hpp).
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/frame_trace.hpp"
#include "support/trace.hpp"
#include "wscore/frame_parser.hpp"

namespace wscore {
namespace {

using test::binary_data;
using test::bytes;
using test::Bytes;
using test::concat;
using test::frames_at_every_split;
using test::hex;
using test::masked_frame;
using test::payload_summary;
using test::read_frames;
using test::Reading;
using test::rfc_masked_hello;
using test::rfc_unmasked_hello;
using test::small_out_size;
using test::status_name;
using test::Trace;
using test::unmasked_frame;

// ---- RFC 6455 §5.7: the examples, each read by the role that may receive it ----

TEST(FrameParserRfc6455Section5_7, SingleFrameUnmaskedTextToAClient) {
  EXPECT_EQ(
      frames_at_every_split(FrameParser(Role::client), rfc_unmasked_hello),
      (Trace{"header fin=1 rsv=0 text unmasked len=5", "payload Hello", "end", "consumed 7"}));
}

TEST(FrameParserRfc6455Section5_7, SingleFrameMaskedTextToAServer) {
  EXPECT_EQ(hex(masked_frame(0x81, as_bytes("Hello"))), hex(rfc_masked_hello));  // same key
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), rfc_masked_hello),
            (Trace{"header fin=1 rsv=0 text masked len=5", "payload Hello", "end", "consumed 11"}));
}

TEST(FrameParserRfc6455Section5_7, FragmentedUnmaskedTextToAClient) {
  const Bytes input = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{
                "header fin=0 rsv=0 text unmasked len=3",
                "payload Hel",
                "end",
                "header fin=1 rsv=0 continuation unmasked len=2",
                "payload lo",
                "end",
                "consumed 9",
            }));
}

TEST(FrameParserRfc6455Section5_7, UnmaskedPingToAClient) {
  const Bytes input = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  EXPECT_EQ(
      frames_at_every_split(FrameParser(Role::client), input),
      (Trace{"header fin=1 rsv=0 ping unmasked len=5", "payload Hello", "end", "consumed 7"}));
}

TEST(FrameParserRfc6455Section5_7, MaskedPongToAServer) {
  const Bytes input = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), input),
            (Trace{"header fin=1 rsv=0 pong masked len=5", "payload Hello", "end", "consumed 11"}));
}

TEST(FrameParserRfc6455Section5_7, Binary256BytesWithThe16BitLength) {
  const Bytes data = binary_data(256);
  const Bytes input = concat({bytes({0x82, 0x7E, 0x01, 0x00}), data});
  EXPECT_EQ(hex(unmasked_frame(0x82, data)), hex(input));
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{"header fin=1 rsv=0 binary unmasked len=256", "payload " + payload_summary(data),
                   "end", "consumed 260"}));
}

TEST(FrameParserRfc6455Section5_7, Binary64KiBWithThe64BitLength) {
  const Bytes data = binary_data(65536);
  const Bytes input =
      concat({bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}), data});
  EXPECT_EQ(hex(unmasked_frame(0x82, data)), hex(input));
  const Trace expected{"header fin=1 rsv=0 binary unmasked len=65536",
                       "payload " + payload_summary(data), "end", "consumed 65546"};
  // 65 547 splits: parse_copying() gets a 4 KiB `out` there (still 16 steps a frame) to stay
  // quick, and the 3-byte one on the whole input.
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input, 4096), expected);
  EXPECT_EQ(read_frames(FrameParser(Role::client), {as_text(input)}, Reading::copying), expected);
}

// ---- RFC 6455 §5.2: one frame after another ----

TEST(FrameParserRfc6455Section5_2, FramesBackToBackIncludingEmptyOnesToAServer) {
  const Bytes input =
      concat({masked_frame(0x81, as_bytes("Hi")), masked_frame(0x81, {}),
              masked_frame(0x89, as_bytes("?")), masked_frame(0x82, bytes({0x00, 0x01, 0x02})),
              masked_frame(0x88, {})});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), input),
            (Trace{
                "header fin=1 rsv=0 text masked len=2",
                "payload Hi",
                "end",
                "header fin=1 rsv=0 text masked len=0",
                "end",
                "header fin=1 rsv=0 ping masked len=1",
                "payload ?",
                "end",
                "header fin=1 rsv=0 binary masked len=3",
                "payload 000102",
                "end",
                "header fin=1 rsv=0 close masked len=0",
                "end",
                "consumed 36",
            }));
}

TEST(FrameParserRfc6455Section5_2, FramesBackToBackIncludingEmptyOnesToAClient) {
  const Bytes input = concat({rfc_unmasked_hello, bytes({0x81, 0x00}), bytes({0x8a, 0x00}),
                              bytes({0x88, 0x02, 0x03, 0xe8}), bytes({0x88, 0x00})});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{
                "header fin=1 rsv=0 text unmasked len=5",
                "payload Hello",
                "end",
                "header fin=1 rsv=0 text unmasked len=0",
                "end",
                "header fin=1 rsv=0 pong unmasked len=0",
                "end",
                "header fin=1 rsv=0 close unmasked len=2",
                "payload 03e8",
                "end",
                "header fin=1 rsv=0 close unmasked len=0",
                "end",
                "consumed 17",
            }));
}

TEST(FrameParserRfc6455Section5_2, EmptyPayloadEndsWithAStepThatNeedsNoInput) {
  for (const Reading reading : {Reading::in_place, Reading::copying}) {
    SCOPED_TRACE(reading == Reading::in_place ? "parse()" : "parse_copying()");
    FrameParser parser(Role::client);
    Bytes input = bytes({0x88, 0x00});
    std::array<std::byte, small_out_size> out{};
    const auto next_step = [&](MutableByteView piece) {
      return reading == Reading::in_place ? parser.parse(piece) : parser.parse_copying(piece, out);
    };
    const FrameParser::Step header = next_step(input);
    EXPECT_EQ(status_name(header.status), "header");
    EXPECT_EQ(header.bytes_consumed, 2u);
    EXPECT_TRUE(parser.reading_payload());
    const FrameParser::Step end = next_step({});
    EXPECT_EQ(status_name(end.status), "payload");
    EXPECT_EQ(end.bytes_consumed, 0u);
    EXPECT_TRUE(end.payload.empty());
    EXPECT_TRUE(end.frame_finished);
    EXPECT_TRUE(parser.at_frame_start());
    EXPECT_EQ(status_name(next_step({}).status), "need_more");
  }
}

TEST(FrameParserRfc6455Section5_2, ReportsItsPlaceInAFrameReadInPieces) {
  FrameParser parser(Role::client);
  EXPECT_TRUE(parser.at_frame_start());
  EXPECT_FALSE(parser.reading_payload());

  Bytes first = bytes({0x82});
  FrameParser::Step step = parser.parse(first);
  EXPECT_EQ(status_name(step.status), "need_more");
  EXPECT_EQ(step.bytes_consumed, 1u);
  EXPECT_FALSE(parser.at_frame_start());  // one header byte gathered
  EXPECT_FALSE(parser.reading_payload());

  Bytes second = bytes({0x05, 0x01, 0x02});
  step = parser.parse(second);
  EXPECT_EQ(status_name(step.status), "header");
  EXPECT_EQ(step.bytes_consumed, 1u);
  EXPECT_EQ(parser.header().payload_length, 5u);
  EXPECT_FALSE(parser.at_frame_start());
  EXPECT_TRUE(parser.reading_payload());
  EXPECT_EQ(parser.payload_offset(), 0u);
  EXPECT_EQ(parser.payload_remaining(), 5u);

  step = parser.parse(MutableByteView(second).subspan(1));
  EXPECT_EQ(status_name(step.status), "payload");
  EXPECT_EQ(hex(step.payload), "0102");
  EXPECT_FALSE(step.frame_finished);
  EXPECT_EQ(parser.payload_offset(), 2u);
  EXPECT_EQ(parser.payload_remaining(), 3u);

  Bytes third = bytes({0x03});
  step = parser.parse(third);
  EXPECT_EQ(hex(step.payload), "03");
  EXPECT_FALSE(step.frame_finished);
  EXPECT_EQ(parser.payload_offset(), 3u);
  EXPECT_EQ(parser.payload_remaining(), 2u);
  EXPECT_TRUE(parser.reading_payload());

  Bytes fourth = bytes({0x04, 0x05, 0x81, 0x02, 0x6f, 0x6b});
  step = parser.parse(fourth);
  EXPECT_EQ(step.bytes_consumed, 2u);  // the rest of this frame, not the next one
  EXPECT_EQ(hex(step.payload), "0405");
  EXPECT_TRUE(step.frame_finished);
  EXPECT_EQ(parser.payload_offset(), 5u);
  EXPECT_EQ(parser.payload_remaining(), 0u);
  EXPECT_TRUE(parser.at_frame_start());
  EXPECT_FALSE(parser.reading_payload());

  step = parser.parse(MutableByteView(fourth).subspan(2));
  EXPECT_EQ(status_name(step.status), "header");
  EXPECT_EQ(parser.payload_offset(), 0u);
  EXPECT_EQ(parser.payload_remaining(), 2u);
  step = parser.parse(MutableByteView(fourth).subspan(4));
  EXPECT_EQ(as_text(step.payload), "ok");
  EXPECT_TRUE(step.frame_finished);
  EXPECT_TRUE(parser.at_frame_start());

  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client),
                                  concat({first, second, third, bytes({0x04, 0x05}),
                                          bytes({0x81, 0x02, 0x6f, 0x6b})})),
            (Trace{
                "header fin=1 rsv=0 binary unmasked len=5",
                "payload 0102030405",
                "end",
                "header fin=1 rsv=0 text unmasked len=2",
                "payload ok",
                "end",
                "consumed 11",
            }));
}

TEST(FrameParserRfc6455Section5_2, PayloadCutShortAsksForMoreInput) {
  // Status::need_more: "every byte was taken; more input is needed". Mid-payload with no input
  // left, that is the answer; the loop in frame_parser.hpp stops on nothing else.
  for (const Reading reading : {Reading::in_place, Reading::copying}) {
    SCOPED_TRACE(reading == Reading::in_place ? "parse()" : "parse_copying()");
    FrameParser parser(Role::client);
    Bytes input = bytes({0x81, 0x05, 0x48, 0x65});
    std::array<std::byte, small_out_size> out{};
    const auto next_step = [&](MutableByteView piece) {
      return reading == Reading::in_place ? parser.parse(piece) : parser.parse_copying(piece, out);
    };
    EXPECT_EQ(status_name(next_step(input).status), "header");
    const FrameParser::Step payload = next_step(MutableByteView(input).subspan(2));
    EXPECT_EQ(status_name(payload.status), "payload");
    EXPECT_EQ(as_text(payload.payload), "He");
    EXPECT_FALSE(payload.frame_finished);
    const FrameParser::Step nothing_left = next_step({});
    EXPECT_EQ(status_name(nothing_left.status), "need_more");
    EXPECT_EQ(nothing_left.bytes_consumed, 0u);
    EXPECT_TRUE(parser.reading_payload());
    EXPECT_EQ(parser.payload_remaining(), 3u);
  }
}

TEST(FrameParserRfc6455Section5_2, NonMinimalLengthFormsAreAccepted) {
  // The minimal length encoding is the sender's duty; the longer forms read unambiguously. The
  // 64-bit form with a mask fills the whole 14-byte header.
  const Bytes masked_hello(rfc_masked_hello.begin() + 6, rfc_masked_hello.end());
  const Bytes input = concat(
      {bytes({0x81, 0xfe, 0x00, 0x05, 0x37, 0xfa, 0x21, 0x3d}), masked_hello,
       bytes({0x81, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x37, 0xfa, 0x21, 0x3d}),
       masked_hello});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), input),
            (Trace{
                "header fin=1 rsv=0 text masked len=5",
                "payload Hello",
                "end",
                "header fin=1 rsv=0 text masked len=5",
                "payload Hello",
                "end",
                "consumed 32",
            }));
}

// ---- RFC 6455 §5.3: unmasking wherever the payload is cut ----

TEST(FrameParserRfc6455Section5_3, UnmasksAPayloadCutAtEveryOffsetModulo4) {
  const MaskKey key{std::byte{0xa1}, std::byte{0xb2}, std::byte{0xc3}, std::byte{0xd4}};
  const std::string_view text = "The quick brown fox";  // 19 bytes: not a multiple of 4
  const Bytes frame = masked_frame(0x81, as_bytes(text), key);
  const Trace expected{"header fin=1 rsv=0 text masked len=19", "payload " + std::string(text),
                       "end", "consumed 25"};
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), frame), expected);
  // Pieces of every size from 1 to 5, starting at every offset modulo 4.
  const std::string_view wire = as_text(frame);
  for (std::size_t first = 0; first < 4; ++first) {
    for (std::size_t size = 1; size <= 5; ++size) {
      SCOPED_TRACE("first " + std::to_string(first) + " then pieces of " + std::to_string(size));
      std::vector<std::string_view> pieces{wire.substr(0, 6 + first)};
      for (std::size_t at = 6 + first; at < wire.size(); at += size)
        pieces.push_back(wire.substr(at, size));
      EXPECT_EQ(read_frames(FrameParser(Role::server), pieces, Reading::in_place), expected);
      EXPECT_EQ(read_frames(FrameParser(Role::server), pieces, Reading::copying), expected);
      EXPECT_EQ(read_frames(FrameParser(Role::server), pieces, Reading::copying, 64), expected);
    }
  }
}

TEST(FrameParserRfc6455Section5_3, UnmasksALongPayloadCutAtEveryOffset) {
  // Long enough for the vector kernels, which every 2-way split enters at another key offset.
  const MaskKey key{std::byte{0x5a}, std::byte{0x0f}, std::byte{0xf0}, std::byte{0x99}};
  const Bytes data = binary_data(301);
  const Bytes frame = masked_frame(0x82, data, key);
  const Trace expected{"header fin=1 rsv=0 binary masked len=301",
                       "payload " + payload_summary(data), "end", "consumed 309"};
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), frame), expected);
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), frame, 128), expected);
}

// ---- RFC 6455 §5.4: fragmentation is the message layer's (Connection), not the frame layer's ----

TEST(FrameParserRfc6455Section5_4, ContinuationWithNoMessageOpenIsAPlainHeader) {
  // Connection refuses it as continuation_without_message.
  EXPECT_EQ(
      frames_at_every_split(FrameParser(Role::client), bytes({0x80, 0x02, 0x6c, 0x6f})),
      (Trace{"header fin=1 rsv=0 continuation unmasked len=2", "payload lo", "end", "consumed 4"}));
}

TEST(FrameParserRfc6455Section5_4, TwoTextFramesWithoutFinInARowArePlainHeaders) {
  // Connection refuses the second as data_frame_inside_message.
  const Bytes input = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x01, 0x02, 0x6c, 0x6f});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{
                "header fin=0 rsv=0 text unmasked len=3",
                "payload Hel",
                "end",
                "header fin=0 rsv=0 text unmasked len=2",
                "payload lo",
                "end",
                "consumed 9",
            }));
}

TEST(FrameParserRfc6455Section5_4, ControlFrameBetweenFragmentsIsAPlainHeader) {
  const Bytes input = concat({masked_frame(0x01, as_bytes("Hel")), masked_frame(0x89, {}),
                              masked_frame(0x80, as_bytes("lo"))});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), input),
            (Trace{
                "header fin=0 rsv=0 text masked len=3",
                "payload Hel",
                "end",
                "header fin=1 rsv=0 ping masked len=0",
                "end",
                "header fin=1 rsv=0 continuation masked len=2",
                "payload lo",
                "end",
                "consumed 23",
            }));
}

}  // namespace
}  // namespace wscore
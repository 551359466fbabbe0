// SPDX-License-Identifier: MIT
// RFC 6455 §5: the frame layer on its own (FrameParser), refusing what one frame header breaks:
// the 64-bit length form (§5.2), reserved opcodes (§5.2), RSV bits no extension claims (§5.2,
// RFC 7692 §6), masking by role (§5.1) and the control-frame rules (§5.5); after a violation
// nothing more is read (§7.1.7). Every input is replayed at every split (splits.hpp) through
// parse() and through parse_copying() (read_frames in support/frame_trace.hpp).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "support/frame_trace.hpp"
#include "support/trace.hpp"
#include "wscore/frame_parser.hpp"
#include "wscore/violation.hpp"

namespace wscore {
namespace {

using test::bytes;
using test::Bytes;
using test::bytes_of;
using test::concat;
using test::frames_at_every_split;
using test::hex;
using test::masked_frame;
using test::payload_summary;
using test::rfc_masked_hello;
using test::rfc_unmasked_hello;
using test::small_out_size;
using test::status_name;
using test::Trace;
using test::unmasked_frame;

// ---- RFC 6455 §5.2: the rules one header breaks on its own ----

TEST(FrameParserRfc6455Section5_2, SixtyFourBitLengthWithTheHighBitSetIsRefused) {
  // The violation consumes the header that breaks the rule, as every other violation does, and
  // nothing after it.
  const Bytes input = concat({unmasked_frame(0x81, as_bytes("ok")),
                              bytes({0x82, 0x7f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}),
                              bytes_of("rest")});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{
                "header fin=1 rsv=0 text unmasked len=2",
                "payload ok",
                "end",
                "violation length_high_bit_set",
                "consumed 14",
            }));
}

TEST(FrameParserRfc6455Section5_2, SixtyFourBitLengthBelowTheHighBitIsAccepted) {
  const Bytes input = bytes({0x82, 0x7f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), input),
            (Trace{"header fin=1 rsv=0 binary unmasked len=4611686018427387904",
                   "unfinished: 4611686018427387904 payload bytes to come", "consumed 10"}));
}

TEST(FrameParserRfc6455Section5_2, ReservedOpcodesAreRefused) {
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), masked_frame(0x83, as_bytes("x"))),
            (Trace{"violation reserved_opcode", "consumed 6"}));
  EXPECT_EQ(frames_at_every_split(
                FrameParser(Role::server),
                concat({masked_frame(0x81, as_bytes("Hi")), masked_frame(0x8B, as_bytes("x")),
                        masked_frame(0x81, as_bytes("Hi"))})),
            (Trace{
                "header fin=1 rsv=0 text masked len=2",
                "payload Hi",
                "end",
                "violation reserved_opcode",
                "consumed 14",
            }));
  for (const std::uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    EXPECT_EQ(frames_at_every_split(FrameParser(Role::client),
                                    unmasked_frame(0x80 | opcode, as_bytes("x"))),
              (Trace{"violation reserved_opcode", "consumed 2"}));
  }
}

TEST(FrameParserRfc6455Section5_2, RsvBitsWithoutAnExtensionAreRefused) {
  for (const std::uint8_t first_byte : {0xC1, 0xA1, 0x91, 0xF2}) {  // RSV1, RSV2, RSV3, all
    SCOPED_TRACE("first byte " + hex(bytes({first_byte})));
    EXPECT_EQ(
        frames_at_every_split(FrameParser(Role::server), masked_frame(first_byte, as_bytes("Hi"))),
        (Trace{"violation rsv_without_extension", "consumed 6"}));
  }
}

// ---- RFC 7692 §6: RSV1 claimed by an extension, on the first frame of a data message only ----

TEST(FrameParserRfc7692Section6, Rsv1IsAllowedOnTextAndBinaryWhenClaimed) {
  const Bytes input =
      concat({masked_frame(0xC1, as_bytes("Hi")), masked_frame(0xC2, bytes({0x01})),
              masked_frame(0x41, as_bytes("He")), masked_frame(0x80, as_bytes("llo"))});
  const Trace expected{"header fin=1 rsv=4 text masked len=2",
                       "payload Hi",
                       "end",
                       "header fin=1 rsv=4 binary masked len=1",
                       "payload 01",
                       "end",
                       "header fin=0 rsv=4 text masked len=2",
                       "payload He",
                       "end",
                       "header fin=1 rsv=0 continuation masked len=3",
                       "payload llo",
                       "end",
                       "consumed 32"};
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server, rsv_bit::rsv1), input), expected);

  FrameParser set_later(Role::server);
  set_later.set_extension_rsv_bits(rsv_bit::rsv1);
  EXPECT_EQ(set_later.extension_rsv_bits(), rsv_bit::rsv1);
  EXPECT_EQ(frames_at_every_split(set_later, input), expected);

  FrameParser unset_later(Role::server, rsv_bit::rsv1);
  unset_later.set_extension_rsv_bits(0);
  EXPECT_EQ(frames_at_every_split(unset_later, input),
            (Trace{"violation rsv_without_extension", "consumed 6"}));
}

TEST(FrameParserRfc7692Section6, Rsv1IsRefusedOnContinuationAndControlFrames) {
  const FrameParser deflating(Role::server, rsv_bit::rsv1);
  EXPECT_EQ(frames_at_every_split(deflating, concat({masked_frame(0x41, as_bytes("He")),
                                                     masked_frame(0xC0, as_bytes("llo"))})),
            (Trace{
                "header fin=0 rsv=4 text masked len=2",
                "payload He",
                "end",
                "violation rsv_without_extension",
                "consumed 14",
            }));
  for (const std::uint8_t first_byte : {0xC8, 0xC9, 0xCA}) {  // Close, Ping, Pong with RSV1
    SCOPED_TRACE("first byte " + hex(bytes({first_byte})));
    EXPECT_EQ(frames_at_every_split(deflating, masked_frame(first_byte, {})),
              (Trace{"violation rsv_without_extension", "consumed 6"}));
  }
  // RSV2 and RSV3 stay unclaimed.
  for (const std::uint8_t first_byte : {0xE1, 0xD1}) {
    SCOPED_TRACE("first byte " + hex(bytes({first_byte})));
    EXPECT_EQ(frames_at_every_split(deflating, masked_frame(first_byte, as_bytes("Hi"))),
              (Trace{"violation rsv_without_extension", "consumed 6"}));
  }
}

// ---- RFC 6455 §5.1: masking by role ----

TEST(FrameParserRfc6455Section5_1, UnmaskedFrameFromAClientIsRefused) {
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), rfc_unmasked_hello),
            (Trace{"violation unmasked_frame_from_client", "consumed 2"}));
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server),
                                  concat({masked_frame(0x81, as_bytes("Hi")), bytes({0x88, 0x00}),
                                          masked_frame(0x81, as_bytes("Hi"))})),
            (Trace{
                "header fin=1 rsv=0 text masked len=2",
                "payload Hi",
                "end",
                "violation unmasked_frame_from_client",
                "consumed 10",
            }));
}

TEST(FrameParserRfc6455Section5_1, MaskedFrameFromAServerIsRefused) {
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client), rfc_masked_hello),
            (Trace{"violation masked_frame_from_server", "consumed 6"}));
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client),
                                  concat({rfc_unmasked_hello, masked_frame(0x8a, {})})),
            (Trace{
                "header fin=1 rsv=0 text unmasked len=5",
                "payload Hello",
                "end",
                "violation masked_frame_from_server",
                "consumed 13",
            }));
}

// ---- RFC 6455 §5.5: control frames are at most 125 bytes and never fragmented ----

TEST(FrameParserRfc6455Section5_5, ControlFrameOf126BytesIsRefused) {
  const Bytes payload(126, std::byte{'p'});
  for (const std::uint8_t first_byte : {0x89, 0x8A, 0x88}) {  // Ping, Pong, Close
    SCOPED_TRACE("first byte " + hex(bytes({first_byte})));
    EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), masked_frame(first_byte, payload)),
              (Trace{"violation control_frame_too_long", "consumed 8"}));
  }
}

TEST(FrameParserRfc6455Section5_5, ControlFrameOf125BytesIsAccepted) {
  const Bytes payload(125, std::byte{'p'});
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), masked_frame(0x89, payload)),
            (Trace{"header fin=1 rsv=0 ping masked len=125", "payload " + payload_summary(payload),
                   "end", "consumed 131"}));
}

TEST(FrameParserRfc6455Section5_5, ControlFrameWithoutFinIsRefused) {
  for (const std::uint8_t first_byte : {0x09, 0x0A, 0x08}) {  // Ping, Pong, Close
    SCOPED_TRACE("first byte " + hex(bytes({first_byte})));
    EXPECT_EQ(frames_at_every_split(FrameParser(Role::server),
                                    masked_frame(first_byte, as_bytes("Hello"))),
              (Trace{"violation fragmented_control_frame", "consumed 6"}));
  }
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::client),
                                  concat({bytes({0x01, 0x03, 0x48, 0x65, 0x6c}),
                                          bytes({0x09, 0x00}), bytes({0x80, 0x02, 0x6c, 0x6f})})),
            (Trace{
                "header fin=0 rsv=0 text unmasked len=3",
                "payload Hel",
                "end",
                "violation fragmented_control_frame",
                "consumed 7",
            }));
}

// ---- RFC 6455 §7.1.7: once the connection is failed, nothing more is read ----

TEST(FrameParserRfc6455Section7_1_7, KeepsReportingTheViolationAndConsumesNothing) {
  FrameParser parser(Role::server);
  Bytes input = concat({rfc_unmasked_hello, masked_frame(0x81, as_bytes("Hi"))});
  const FrameParser::Step failed = parser.parse(input);
  EXPECT_EQ(status_name(failed.status), "violation");
  EXPECT_EQ(failed.bytes_consumed, 2u);  // the header that broke the rule
  ASSERT_EQ(parser.violation(), Violation::unmasked_frame_from_client);
  EXPECT_EQ(close_code_for(*parser.violation()), 1002);
  EXPECT_FALSE(parser.at_frame_start());
  EXPECT_FALSE(parser.reading_payload());

  std::array<std::byte, small_out_size> out{};
  for (const MutableByteView more :
       {MutableByteView(input).subspan(2), MutableByteView(input).subspan(7), MutableByteView{}}) {
    const FrameParser::Step again = parser.parse(more);
    EXPECT_EQ(status_name(again.status), "violation");
    EXPECT_EQ(again.bytes_consumed, 0u);
    EXPECT_TRUE(again.payload.empty());
    const FrameParser::Step copying = parser.parse_copying(more, out);
    EXPECT_EQ(status_name(copying.status), "violation");
    EXPECT_EQ(copying.bytes_consumed, 0u);
    EXPECT_EQ(parser.violation(), Violation::unmasked_frame_from_client);
  }
  EXPECT_EQ(hex(input), hex(concat({rfc_unmasked_hello, masked_frame(0x81, as_bytes("Hi"))})));
}

}  // namespace
}  // namespace wscore

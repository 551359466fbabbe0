// RFC 6455 §5: the frame layer on its own (FrameParser). Every input is replayed whole, one byte
// at a time and at every 2-way split, through parse() and through parse_copying(), and must give
// the same trace each time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "split_helpers.hpp"
#include "support/trace.hpp"
#include "wscore/frame_parser.hpp"
#include "wscore/violation.hpp"

namespace wscore {
namespace {

using test::bytes;
using test::Bytes;
using test::bytes_of;
using test::concat;
using test::hex;
using test::masked_frame;
using test::unmasked_frame;
using Trace = std::vector<std::string>;
using Status = FrameParser::Status;

std::string status_name(Status status) {
  switch (status) {
    case Status::need_more:
      return "need_more";
    case Status::header:
      return "header";
    case Status::payload:
      return "payload";
    case Status::violation:
      return "violation";
  }
  return "?";
}

// Short printable payloads verbatim, other short ones in hex, long ones by size and a hash.
std::string summary(ByteView payload) {
  if (payload.size() > 32) {
    return std::to_string(payload.size()) +
           " bytes hash=" + std::to_string(std::hash<std::string_view>{}(as_text(payload)));
  }
  const bool printable = std::all_of(payload.begin(), payload.end(), [](std::byte b) {
    const auto c = static_cast<unsigned char>(b);
    return c >= 0x20 && c < 0x7f;
  });
  return printable ? std::string(as_text(payload)) : hex(payload);
}

std::string opcode_name(std::uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::continuation:
      return "continuation";
    case Opcode::text:
      return "text";
    case Opcode::binary:
      return "binary";
    case Opcode::close:
      return "close";
    case Opcode::ping:
      return "ping";
    case Opcode::pong:
      return "pong";
  }
  return "opcode=" + std::to_string(opcode);
}

// "header fin=1 rsv=0 text masked len=5"; rsv is the rsv_bit flags (4 is RSV1).
std::string describe(const FrameHeader& header) {
  return std::string("header fin=") + (header.fin ? "1" : "0") +
         " rsv=" + std::to_string(header.rsv) + " " + opcode_name(header.opcode) +
         (header.masked ? " masked" : " unmasked") +
         " len=" + std::to_string(header.payload_length);
}

// How the test hands input to the parser: parse() unmasks in the input; parse_copying() copies
// into `out`, by default so small that a payload comes out in several steps.
enum class Reading { in_place, copying };
constexpr std::size_t small_out_size = 3;

// Runs `parser` over `pieces` in order and returns its trace: a line per header, the payload of a
// frame joined whatever steps it came in ("payload Hello"), "end" when a frame ends,
// "violation <name>", what is left unfinished when the input runs out, and "consumed <bytes>"
// (the sum of bytes_consumed). Each piece gets a buffer of its own, overwritten with 0xEE after
// the call, so a parser that kept a view of its input would trace garbage. A step that
// contradicts the parser's own API adds a line starting with "wrong:".
Trace read_frames(FrameParser parser, const std::vector<std::string_view>& pieces, Reading reading,
                  std::size_t out_size = small_out_size) {
  Trace trace;
  const auto wrong = [&trace](const std::string& what) { trace.push_back("wrong: " + what); };
  Bytes payload;  // the current frame's payload so far, unmasked
  std::uint64_t consumed = 0;
  bool stopped = false;
  std::optional<Violation> reported;
  std::vector<Bytes> buffers;
  Bytes out(out_size);
  const auto next_step = [&](MutableByteView input) {
    if (!out.empty()) std::memset(out.data(), 0xEE, out.size());
    return reading == Reading::in_place ? parser.parse(input) : parser.parse_copying(input, out);
  };
  // RFC 6455 §7.1.7: after a violation nothing more is read.
  const auto expect_stopped = [&](MutableByteView input) {
    const FrameParser::Step again = next_step(input);
    if (again.status != Status::violation || again.bytes_consumed != 0 || !again.payload.empty() ||
        parser.violation() != reported || parser.at_frame_start() || parser.reading_payload()) {
      wrong("read on after the violation");
    }
  };
  for (const std::string_view piece : pieces) {
    // memcpy, not vector's range copy: a 64 KiB frame is replayed at 65 547 splits, also under
    // AddressSanitizer, whose memmove is slow.
    Bytes& buffer = buffers.emplace_back(piece.size());
    if (!piece.empty()) std::memcpy(buffer.data(), piece.data(), piece.size());
    MutableByteView rest(buffer);
    if (stopped) expect_stopped(rest);
    while (!stopped) {
      const FrameParser::Step step = next_step(rest);
      if (step.bytes_consumed > rest.size()) {
        wrong("consumed " + std::to_string(step.bytes_consumed) + " of " +
              std::to_string(rest.size()) + " bytes");
        stopped = true;
        break;
      }
      consumed += step.bytes_consumed;
      const MutableByteView taken = rest.first(step.bytes_consumed);
      rest = rest.subspan(step.bytes_consumed);
      if (step.status == Status::need_more) {
        if (!rest.empty()) wrong("need_more with " + std::to_string(rest.size()) + " bytes left");
        break;
      }
      if (step.status == Status::violation) {
        stopped = true;
        reported = parser.violation();
        if (!reported) {
          wrong("Status::violation without violation()");
          break;
        }
        trace.push_back("violation " + std::string(violation_name(*reported)));
        expect_stopped(rest);
        expect_stopped({});
        break;
      }
      if (step.status == Status::header) {
        trace.push_back(describe(parser.header()));
        payload.clear();
        payload.reserve(static_cast<std::size_t>(
            std::min<std::uint64_t>(parser.header().payload_length, std::uint64_t{1} << 20)));
        if (parser.payload_offset() != 0 || !parser.reading_payload() || parser.at_frame_start()) {
          wrong("position after a header");
        }
        continue;
      }
      // Status::payload: in place, a view of the bytes taken; copied, the start of `out`.
      const std::byte* const expected_at = reading == Reading::in_place ? taken.data() : out.data();
      if (step.payload.size() != step.bytes_consumed ||
          (!step.payload.empty() && step.payload.data() != expected_at)) {
        wrong("payload step of " + std::to_string(step.payload.size()) + " bytes, consumed " +
              std::to_string(step.bytes_consumed));
      }
      const std::size_t joined = payload.size();
      payload.resize(joined + step.payload.size());
      if (!step.payload.empty()) {
        std::memcpy(payload.data() + joined, step.payload.data(), step.payload.size());
      }
      if (parser.payload_offset() != payload.size() ||
          parser.payload_offset() + parser.payload_remaining() != parser.header().payload_length ||
          parser.reading_payload() == step.frame_finished ||
          parser.at_frame_start() != step.frame_finished) {
        wrong("position after " + std::to_string(payload.size()) + " payload bytes");
      }
      if (step.frame_finished) {
        if (!payload.empty()) trace.push_back("payload " + summary(payload));
        trace.push_back("end");
        payload.clear();
      } else if (step.bytes_consumed == 0) {
        // No input left mid-payload. (parse() says so with an empty payload step rather than
        // need_more: see PayloadCutShortAsksForMoreInput.)
        if (!rest.empty()) wrong("payload step took none of " + std::to_string(rest.size()));
        break;
      }
    }
    if (reading == Reading::copying && !piece.empty() &&
        std::memcmp(buffer.data(), piece.data(), piece.size()) != 0) {
      wrong("parse_copying() wrote to its input");
    }
    if (!buffer.empty()) std::memset(buffer.data(), 0xEE, buffer.size());
  }
  if (!stopped && parser.reading_payload()) {
    if (!payload.empty()) trace.push_back("payload " + summary(payload));
    trace.push_back("unfinished: " + std::to_string(parser.payload_remaining()) +
                    " payload bytes to come");
  } else if (!stopped && !parser.at_frame_start()) {
    trace.push_back("unfinished header");
  }
  trace.push_back("consumed " + std::to_string(consumed));
  return trace;
}

// The trace of `input` read by copies of `fresh`; fails the test if any split, or parse_copying()
// with an `out` of `out_size` bytes, gives another.
Trace frames_at_every_split(const FrameParser& fresh, const Bytes& input,
                            std::size_t out_size = small_out_size) {
  const std::string_view text = as_text(input);
  const Trace trace =
      test::replay_every_split(text, [&](const std::vector<std::string_view>& pieces) {
        return read_frames(fresh, pieces, Reading::in_place);
      });
  const Trace copied =
      test::replay_every_split(text, [&](const std::vector<std::string_view>& pieces) {
        return read_frames(fresh, pieces, Reading::copying, out_size);
      });
  EXPECT_EQ(copied, trace) << "parse_copying() with a " << out_size << "-byte out";
  return trace;
}

// Binary data that is not text, and differs at every offset modulo 4.
Bytes binary_data(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::byte>((i * 31 + 7) & 0xFF);
  return data;
}

// The frames of RFC 6455 §5.7, byte for byte.
const Bytes rfc_unmasked_hello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
const Bytes rfc_masked_hello =
    bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

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
            (Trace{"header fin=1 rsv=0 binary unmasked len=256", "payload " + summary(data), "end",
                   "consumed 260"}));
}

TEST(FrameParserRfc6455Section5_7, Binary64KiBWithThe64BitLength) {
  const Bytes data = binary_data(65536);
  const Bytes input =
      concat({bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}), data});
  EXPECT_EQ(hex(unmasked_frame(0x82, data)), hex(input));
  const Trace expected{"header fin=1 rsv=0 binary unmasked len=65536", "payload " + summary(data),
                       "end", "consumed 65546"};
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
  const Trace expected{"header fin=1 rsv=0 binary masked len=301", "payload " + summary(data),
                       "end", "consumed 309"};
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), frame), expected);
  EXPECT_EQ(frames_at_every_split(FrameParser(Role::server), frame, 128), expected);
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
            (Trace{"header fin=1 rsv=0 ping masked len=125", "payload " + summary(payload), "end",
                   "consumed 131"}));
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

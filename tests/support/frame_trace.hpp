// SPDX-License-Identifier: MIT
// Test support for the frame layer (FrameParser, RFC 6455 §5.2): a trace runner that checks the
// parser's own API at every step, the split replay of it, and a plain reader that turns a byte
// stream into whole frames (what write_trace.hpp describes the bytes a Connection wrote with).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/trace.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/frame_parser.hpp"
#include "wscore/violation.hpp"

namespace wscore::test {

// "need_more", "header", "payload", "violation".
std::string status_name(FrameParser::Status status);
// "continuation", "text", "binary", "close", "ping", "pong", or "opcode=<n>" for reserved ones.
std::string opcode_name(std::uint8_t opcode);
// Short printable payloads verbatim, other short ones in hex, long ones by size and a hash.
std::string payload_summary(ByteView payload);
// "header fin=1 rsv=0 text masked len=5"; rsv is the rsv_bit flags (4 is RSV1).
std::string describe(const FrameHeader& header);

// Binary data that is not text, and differs at every offset modulo 4.
Bytes binary_data(std::size_t size);

// The frames of RFC 6455 §5.7, byte for byte: "Hello" unmasked, and masked with rfc_mask_key.
extern const Bytes rfc_unmasked_hello;
extern const Bytes rfc_masked_hello;

// How read_frames hands input to the parser: parse() unmasks in the input; parse_copying()
// copies into `out`, by default so small that a payload comes out in several steps.
enum class Reading { in_place, copying };
inline constexpr std::size_t small_out_size = 3;

// Runs `parser` over `pieces` in order and returns its trace: a line per header, the payload of a
// frame joined whatever steps it came in ("payload Hello"), "end" when a frame ends,
// "violation <name>", what is left unfinished when the input runs out, and "consumed <bytes>"
// (the sum of bytes_consumed). Each piece gets a buffer of its own, overwritten with 0xEE after
// the call, so a parser that kept a view of its input would trace garbage. A step that
// contradicts the parser's own API adds a line starting with "wrong:".
Trace read_frames(FrameParser parser, const std::vector<std::string_view>& pieces, Reading reading,
                  std::size_t out_size = small_out_size);

// The trace of `input` read by copies of `fresh` at every split (splits.hpp); fails the test if
// any split, or parse_copying() with an `out` of `out_size` bytes, gives another.
Trace frames_at_every_split(const FrameParser& fresh, const Bytes& input,
                            std::size_t out_size = small_out_size);

// A frame read whole: its header and its payload, unmasked.
struct Frame {
  FrameHeader header;
  Bytes payload;
};

// Reads whole frames out of a byte stream that arrives in any pieces, as a peer in `reader_role`
// would (FrameParser). By default every RSV bit counts as claimed by an extension, so that a
// compressed frame reads as one; FrameParser's other rules all hold.
class FrameReader {
 public:
  explicit FrameReader(Role reader_role, std::uint8_t extension_rsv_bits = rsv_bit::rsv1 |
                                                                           rsv_bit::rsv2 |
                                                                           rsv_bit::rsv3);
  // Reads all of `input` and returns the frames that end in it; after a violation, none.
  std::vector<Frame> read(ByteView input);
  [[nodiscard]] std::optional<Violation> violation() const noexcept { return parser_.violation(); }
  // True between frames: nothing of the next frame read yet.
  [[nodiscard]] bool at_frame_start() const noexcept { return parser_.at_frame_start(); }

 private:
  FrameParser parser_;
  Bytes buffer_;   // the input being read, unmasked in place
  Bytes payload_;  // the current frame's payload so far
};

}  // namespace wscore::test

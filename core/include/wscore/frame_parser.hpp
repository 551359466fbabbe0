// SPDX-License-Identifier: MIT
// The frame layer (RFC 6455 §5.2): reads one frame after another from a byte stream and enforces
// every rule that one frame header breaks on its own — masking by role (§5.1), RSV bits no
// extension claims (§5.2), reserved opcodes (§5.2), the 64-bit length form (§5.2) and the
// control-frame rules (§5.5). It keeps no message state: fragmentation, UTF-8 and size limits
// are the message layer's (Connection). Usable alone, e.g. to list the frames of a capture.
//
//   FrameParser parser(Role::server);
//   for (;;) {
//     const FrameParser::Step step = parser.parse(input);
//     input = input.subspan(step.bytes_consumed);
//     if (step.status == FrameParser::Status::need_more) break;        // feed more bytes
//     if (step.status == FrameParser::Status::violation) ...;          // parser.violation()
//     if (step.status == FrameParser::Status::header) ...;             // parser.header()
//     if (step.status == FrameParser::Status::payload) ...;            // step.payload, unmasked
//   }
//
// After a header, parse() hands out the payload in as many steps as the input arrives in; the
// step with frame_finished set ends the frame (for an empty payload, the first step after the
// header, which needs no input). A header split across inputs is gathered inside the parser (at
// most 14 bytes), so the caller may reuse its buffer after every call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "wscore/bytes.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/role.hpp"
#include "wscore/violation.hpp"

namespace wscore {

class FrameParser {
 public:
  // `role` is ours: a server reads frames from a client, which must be masked, and the reverse.
  // `extension_rsv_bits`: the RSV bits negotiated extensions claim on the first frame of a data
  // message (rsv_bit flags; RFC 7692 §6 claims RSV1).
  explicit FrameParser(Role role, std::uint8_t extension_rsv_bits = 0) noexcept
      : role_(role), extension_rsv_bits_(extension_rsv_bits) {}

  enum class Status : std::uint8_t {
    need_more,  // every byte of the input was taken (a piece of a header, kept); feed more
    header,     // a valid header was read: header()
    payload,    // payload bytes: Step::payload (unmasked in place)
    violation,  // the header breaks a rule: violation(); the parser reads nothing more
  };
  struct Step {
    Status status = Status::need_more;
    std::size_t bytes_consumed = 0;
    MutableByteView payload{};    // Status::payload: the next bytes of the frame's payload
    bool frame_finished = false;  // Status::payload: the frame's last payload byte is in it
  };

  // The next step from `input`; payload bytes are unmasked where they are.
  [[nodiscard]] Step parse(MutableByteView input) noexcept;
  // The same, for input the caller may not write: payload bytes are copied, unmasked, into
  // `out` (at most out.size() of them; Step::payload is the part of `out` filled).
  [[nodiscard]] Step parse_copying(ByteView input, MutableByteView out) noexcept;

  // The header of the frame being read (valid from Status::header until the next header).
  [[nodiscard]] const FrameHeader& header() const noexcept { return header_; }
  // Payload bytes of the current frame handed out so far, and still to come.
  [[nodiscard]] std::uint64_t payload_offset() const noexcept { return payload_offset_; }
  [[nodiscard]] std::uint64_t payload_remaining() const noexcept {
    return header_.payload_length - payload_offset_;
  }
  // True between frames with no byte of the next header gathered yet.
  [[nodiscard]] bool at_frame_start() const noexcept {
    return state_ == State::header && gathered_size_ == 0;
  }
  [[nodiscard]] bool reading_payload() const noexcept { return state_ == State::payload; }
  [[nodiscard]] std::optional<Violation> violation() const noexcept { return violation_; }

  [[nodiscard]] std::uint8_t extension_rsv_bits() const noexcept { return extension_rsv_bits_; }
  void set_extension_rsv_bits(std::uint8_t bits) noexcept { extension_rsv_bits_ = bits; }

 private:
  enum class State : std::uint8_t { header, payload, failed };

  Step read_header(ByteView input) noexcept;
  [[nodiscard]] std::optional<Violation> check_header() const noexcept;
  Step fail(Violation violation, std::size_t bytes_consumed) noexcept;
  std::size_t take_payload(std::size_t available) noexcept;

  Role role_;
  std::uint8_t extension_rsv_bits_;
  State state_ = State::header;
  std::optional<Violation> violation_;
  FrameHeader header_{};
  std::uint64_t payload_offset_ = 0;
  std::array<std::byte, max_frame_header_size> gathered_{};  // a header split across inputs
  std::uint8_t gathered_size_ = 0;
};

}  // namespace wscore

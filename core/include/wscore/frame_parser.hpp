// SPDX-License-Identifier: MIT
/// @file
/// The frame layer (RFC 6455 §5.2): reads one frame after another from a byte stream and enforces
/// every rule that one frame header breaks on its own — masking by role (§5.1), RSV bits no
/// extension claims (§5.2), reserved opcodes (§5.2), the 64-bit length form (§5.2) and the
/// control-frame rules (§5.5). It keeps no message state: fragmentation, UTF-8 and size limits
/// are the message layer's (Connection). Usable alone, e.g. to list the frames of a capture.
///
/// @code
///   FrameParser parser(Role::server);
///   for (;;) {
///     const FrameParser::Step step = parser.parse(input);
///     input = input.subspan(step.bytes_consumed);
///     if (step.status == FrameParser::Status::need_more) break;        // feed more bytes
///     if (step.status == FrameParser::Status::violation) ...;          // parser.violation()
///     if (step.status == FrameParser::Status::header) ...;             // parser.header()
///     if (step.status == FrameParser::Status::payload) ...;            // step.payload, unmasked
///   }
/// @endcode
///
/// After a header, parse() hands out the payload in as many steps as the input arrives in; the
/// step with frame_finished set ends the frame (for an empty payload, the first step after the
/// header, which needs no input). A header split across inputs is gathered inside the parser (at
/// most 14 bytes), so the caller may reuse its buffer after every call.
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

/// The frame layer: reads frame after frame from any split of a byte stream (see the file's
/// comment). It keeps no view of its input: a header split across inputs is copied inside.
class FrameParser {
 public:
  /// `role` is ours: a server reads frames from a client, which must be masked, and the reverse.
  /// `extension_rsv_bits`: the RSV bits negotiated extensions claim on the first frame of a data
  /// message (rsv_bit flags; RFC 7692 §6 claims RSV1).
  explicit FrameParser(Role role, std::uint8_t extension_rsv_bits = 0) noexcept
      : role_(role), extension_rsv_bits_(extension_rsv_bits) {}

  /// What a parse step found.
  enum class Status : std::uint8_t {
    need_more,  ///< every byte of the input was taken (a piece of a header, kept); feed more
    header,     ///< a valid header was read: header()
    payload,    ///< payload bytes: Step::payload (unmasked in place)
    violation,  ///< the header breaks a rule: violation(); the parser reads nothing more
  };
  /// One step of parse() or parse_copying().
  struct Step {
    /// What the step found.
    Status status = Status::need_more;
    /// How many bytes of the input the step took; the next call starts after them.
    std::size_t bytes_consumed = 0;
    MutableByteView payload{};    ///< Status::payload: the next bytes of the frame's payload
                                  ///< @lifetime A view of the caller's bytes, not the parser's:
                                  ///< of `input` (parse) or of `out` (parse_copying), valid as
                                  ///< long as that buffer is; the parser never touches it again.
    bool frame_finished = false;  ///< Status::payload: the frame's last payload byte is in it
  };

  /// The next step from `input`; payload bytes are unmasked where they are.
  [[nodiscard]] Step parse(MutableByteView input) noexcept;
  /// The same, for input the caller may not write: payload bytes are copied, unmasked, into
  /// `out` (at most out.size() of them; Step::payload is the part of `out` filled).
  [[nodiscard]] Step parse_copying(ByteView input, MutableByteView out) noexcept;

  /// The header of the frame being read (valid from Status::header until the next header).
  /// @lifetime A reference to the parser's own copy: it lives as long as the parser, and holds
  /// the next frame's header once parse() has reported Status::header again.
  [[nodiscard]] const FrameHeader& header() const noexcept { return header_; }
  /// Payload bytes of the current frame handed out so far.
  [[nodiscard]] std::uint64_t payload_offset() const noexcept { return payload_offset_; }
  /// Payload bytes of the current frame still to come.
  [[nodiscard]] std::uint64_t payload_remaining() const noexcept {
    return header_.payload_length - payload_offset_;
  }
  /// True between frames with no byte of the next header gathered yet.
  [[nodiscard]] bool at_frame_start() const noexcept {
    return state_ == State::header && gathered_size_ == 0;
  }
  /// True after a header, until the frame's last payload byte has been handed out.
  [[nodiscard]] bool reading_payload() const noexcept { return state_ == State::payload; }
  /// The rule the input broke, after Status::violation; nullopt before.
  [[nodiscard]] std::optional<Violation> violation() const noexcept { return violation_; }

  /// The RSV bits negotiated extensions claim (rsv_bit flags).
  [[nodiscard]] std::uint8_t extension_rsv_bits() const noexcept { return extension_rsv_bits_; }
  /// Sets them, e.g. once the opening handshake has agreed on an extension.
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

// SPDX-License-Identifier: MIT
/// @file
/// The base framing header (RFC 6455 §5.2): encode and decode, nothing else. Rules that depend on
/// the connection (role, negotiated extensions, fragmentation state) live in the connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "wscore/bytes.hpp"
#include "wscore/mask.hpp"

namespace wscore {

/// The opcodes RFC 6455 §5.2 defines (§11.8); the others are reserved.
enum class Opcode : std::uint8_t {
  /// A further frame of a fragmented message (§5.4).
  continuation = 0x0,
  /// The first frame of a text message.
  text = 0x1,
  /// The first frame of a binary message.
  binary = 0x2,
  /// Close (§5.5.1).
  close = 0x8,
  /// Ping (§5.5.2).
  ping = 0x9,
  /// Pong (§5.5.3).
  pong = 0xA,
};

/// RFC 6455 §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
[[nodiscard]] constexpr bool is_reserved_opcode(std::uint8_t opcode) noexcept {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xB;
}

/// RFC 6455 §5.5: control frames have the high bit of the opcode set.
[[nodiscard]] constexpr bool is_control_opcode(std::uint8_t opcode) noexcept {
  return (opcode & 0x8) != 0;
}

/// The RSV bits of a frame's first byte as flags, as FrameHeader::rsv holds them (RFC 6455 §5.2);
/// an extension claims them (RFC 7692 §6: permessage-deflate claims RSV1).
namespace rsv_bit {
/// RSV1 (0x40 in the first byte).
inline constexpr std::uint8_t rsv1 = 0x4;
/// RSV2 (0x20 in the first byte).
inline constexpr std::uint8_t rsv2 = 0x2;
/// RSV3 (0x10 in the first byte).
inline constexpr std::uint8_t rsv3 = 0x1;
}  // namespace rsv_bit

/// One frame's header, decoded (RFC 6455 §5.2).
struct FrameHeader {
  /// FIN: the last frame of its message.
  bool fin = true;
  std::uint8_t rsv = 0;     ///< RSV1..RSV3 as rsv_bit flags
  std::uint8_t opcode = 0;  ///< raw, so that reserved opcodes can be reported
  /// MASK: the payload is masked with mask_key (§5.3).
  bool masked = false;
  /// The masking key, when masked.
  MaskKey mask_key{};
  /// The payload's length, from whichever length form was used.
  std::uint64_t payload_length = 0;
};

/// 2 bytes + 8 bytes of 64-bit length + 4 bytes of masking key.
inline constexpr std::size_t max_frame_header_size = 14;

/// What decode_frame_header() found: a whole header, too few bytes, or a 64-bit length with its
/// most significant bit set.
enum class FrameHeaderStatus { complete, need_more, length_msb_set };

/// The result of decode_frame_header().
struct FrameHeaderDecode {
  /// What was found.
  FrameHeaderStatus status;
  std::size_t header_size;  ///< bytes the header takes (when complete)
};

/// Decodes the header at the start of `input`. Accepts any length form, including non-minimal
/// ones; rejects only what the format itself forbids: a 64-bit length with its most significant
/// bit set (RFC 6455 §5.2). `header` is filled in when complete; nothing of `input` is kept.
[[nodiscard]] FrameHeaderDecode decode_frame_header(ByteView input, FrameHeader& header) noexcept;

/// Writes `header` with the minimal length encoding (RFC 6455 §5.2) and returns its size.
std::size_t encode_frame_header(const FrameHeader& header,
                                std::span<std::byte, max_frame_header_size> out) noexcept;

}  // namespace wscore

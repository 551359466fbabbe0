// SPDX-License-Identifier: MIT
// The base framing header (RFC 6455 §5.2): encode and decode, nothing else. Rules that depend on
// the connection (role, negotiated extensions, fragmentation state) live in the connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "wscore/bytes.hpp"
#include "wscore/mask.hpp"

namespace wscore {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// RFC 6455 §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
[[nodiscard]] constexpr bool is_reserved_opcode(std::uint8_t opcode) noexcept {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xB;
}

// RFC 6455 §5.5: control frames have the high bit of the opcode set.
[[nodiscard]] constexpr bool is_control_opcode(std::uint8_t opcode) noexcept {
  return (opcode & 0x8) != 0;
}

namespace rsv_bit {
inline constexpr std::uint8_t rsv1 = 0x4;
inline constexpr std::uint8_t rsv2 = 0x2;
inline constexpr std::uint8_t rsv3 = 0x1;
}  // namespace rsv_bit

struct FrameHeader {
  bool fin = true;
  std::uint8_t rsv = 0;     // RSV1..RSV3 as rsv_bit flags
  std::uint8_t opcode = 0;  // raw, so that reserved opcodes can be reported
  bool masked = false;
  MaskKey mask_key{};
  std::uint64_t payload_length = 0;
};

// 2 bytes + 8 bytes of 64-bit length + 4 bytes of masking key.
inline constexpr std::size_t max_frame_header_size = 14;

enum class FrameHeaderStatus { complete, need_more, length_msb_set };

struct FrameHeaderDecode {
  FrameHeaderStatus status;
  std::size_t header_size;  // bytes the header takes (when complete)
};

// Decodes the header at the start of `input`. Accepts any length form, including non-minimal
// ones; rejects only what the format itself forbids: a 64-bit length with its most significant
// bit set (RFC 6455 §5.2).
[[nodiscard]] FrameHeaderDecode decode_frame_header(ByteView input, FrameHeader& header) noexcept;

// Writes `header` with the minimal length encoding (RFC 6455 §5.2) and returns its size.
std::size_t encode_frame_header(const FrameHeader& header,
                                std::span<std::byte, max_frame_header_size> out) noexcept;

}  // namespace wscore

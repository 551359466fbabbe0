// SPDX-License-Identifier: MIT
#include "wscore/frame_header.hpp"

#include <cstring>

namespace wscore {
namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_16_marker = 126;
constexpr std::uint8_t length_64_marker = 127;

std::uint8_t byte_at(ByteView input, std::size_t index) noexcept {
  return static_cast<std::uint8_t>(input[index]);
}

}  // namespace

FrameHeaderDecode decode_frame_header(ByteView input, FrameHeader& header) noexcept {
  if (input.size() < 2) return {FrameHeaderStatus::need_more, 0};
  const std::uint8_t first = byte_at(input, 0);
  const std::uint8_t second = byte_at(input, 1);
  const std::uint8_t length_marker = second & 0x7F;
  const bool masked = (second & mask_bit) != 0;

  std::size_t length_size = 0;
  if (length_marker == length_16_marker) length_size = 2;
  if (length_marker == length_64_marker) length_size = 8;
  const std::size_t header_size = 2 + length_size + (masked ? 4 : 0);
  if (input.size() < header_size) return {FrameHeaderStatus::need_more, 0};

  std::uint64_t payload_length = length_marker;
  if (length_size != 0) {
    payload_length = 0;
    for (std::size_t i = 0; i < length_size; ++i) {
      payload_length = (payload_length << 8) | byte_at(input, 2 + i);
    }
  }
  // RFC 6455 §5.2: "the most significant bit MUST be 0" in the 64-bit form.
  if (length_size == 8 && (payload_length >> 63) != 0) {
    return {FrameHeaderStatus::length_msb_set, 0};
  }

  header.fin = (first & fin_bit) != 0;
  header.rsv = static_cast<std::uint8_t>((first >> 4) & 0x7);
  header.opcode = first & 0x0F;
  header.masked = masked;
  header.payload_length = payload_length;
  if (masked) std::memcpy(header.mask_key.data(), input.data() + 2 + length_size, 4);
  return {FrameHeaderStatus::complete, header_size};
}

std::size_t encode_frame_header(const FrameHeader& header,
                                std::span<std::byte, max_frame_header_size> out) noexcept {
  out[0] = static_cast<std::byte>((header.fin ? fin_bit : 0) | ((header.rsv & 0x7) << 4) |
                                  (header.opcode & 0x0F));
  const std::uint8_t mask_flag = header.masked ? mask_bit : 0;
  std::size_t size = 2;
  const std::uint64_t length = header.payload_length;
  if (length < length_16_marker) {
    out[1] = static_cast<std::byte>(mask_flag | length);
  } else if (length <= 0xFFFF) {
    out[1] = static_cast<std::byte>(mask_flag | length_16_marker);
    out[2] = static_cast<std::byte>(length >> 8);
    out[3] = static_cast<std::byte>(length);
    size = 4;
  } else {
    out[1] = static_cast<std::byte>(mask_flag | length_64_marker);
    for (std::size_t i = 0; i < 8; ++i) {
      out[2 + i] = static_cast<std::byte>(length >> (56 - 8 * i));
    }
    size = 10;
  }
  if (header.masked) {
    std::memcpy(out.data() + size, header.mask_key.data(), 4);
    size += 4;
  }
  return size;
}

}  // namespace wscore

// SPDX-License-Identifier: MIT
// RFC 6455 §5.2: the base framing header, encoded and decoded on its own.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/frame_header.hpp"

namespace wscore {
namespace {

using test::bytes;
using test::hex;

std::string encode(const FrameHeader& header) {
  std::array<std::byte, max_frame_header_size> out{};
  const std::size_t size = encode_frame_header(header, out);
  return hex(ByteView(out).first(size));
}

TEST(FrameHeader, Rfc6455Section5_2_MinimalLengthEncoding) {
  FrameHeader header;
  header.opcode = 0x2;
  header.payload_length = 125;
  EXPECT_EQ(encode(header), "827d");
  header.payload_length = 126;
  EXPECT_EQ(encode(header), "827e007e");
  header.payload_length = 65535;
  EXPECT_EQ(encode(header), "827effff");
  header.payload_length = 65536;
  EXPECT_EQ(encode(header), "827f0000000000010000");
  header.payload_length = 0x7FFFFFFFFFFFFFFFull;
  EXPECT_EQ(encode(header), "827f7fffffffffffffff");
}

TEST(FrameHeader, Rfc6455Section5_2_FlagsOpcodeAndMask) {
  FrameHeader header;
  header.fin = false;
  header.rsv = rsv_bit::rsv1 | rsv_bit::rsv3;
  header.opcode = 0x1;
  header.masked = true;
  header.mask_key = test::rfc_mask_key;
  header.payload_length = 5;
  EXPECT_EQ(encode(header), "518537fa213d");
}

TEST(FrameHeader, Rfc6455Section5_2_DecodesEveryLengthForm) {
  for (std::uint64_t length : {0ull, 1ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 40}) {
    for (bool masked : {false, true}) {
      FrameHeader header;
      header.opcode = 0x9;
      header.masked = masked;
      header.mask_key = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
      header.payload_length = length;
      std::array<std::byte, max_frame_header_size> out{};
      const std::size_t size = encode_frame_header(header, out);
      for (std::size_t prefix = 0; prefix < size; ++prefix) {
        FrameHeader decoded;
        EXPECT_EQ(decode_frame_header(ByteView(out).first(prefix), decoded).status,
                  FrameHeaderStatus::need_more);
      }
      FrameHeader decoded;
      const auto result = decode_frame_header(ByteView(out).first(size), decoded);
      ASSERT_EQ(result.status, FrameHeaderStatus::complete);
      EXPECT_EQ(result.header_size, size);
      EXPECT_EQ(decoded.payload_length, length);
      EXPECT_EQ(decoded.masked, masked);
      EXPECT_EQ(decoded.opcode, 0x9);
      if (masked) {
        EXPECT_EQ(decoded.mask_key, header.mask_key);
      }
    }
  }
}

TEST(FrameHeader, Rfc6455Section5_2_NonMinimalLengthIsAccepted) {
  // The minimal form is a sender's duty; a receiver can read the longer forms unambiguously.
  FrameHeader decoded;
  const auto input = bytes({0x82, 0x7e, 0x00, 0x05});
  const auto result = decode_frame_header(input, decoded);
  ASSERT_EQ(result.status, FrameHeaderStatus::complete);
  EXPECT_EQ(decoded.payload_length, 5u);
}

TEST(FrameHeader, Rfc6455Section5_2_SixtyFourBitLengthWithHighBitIsRejected) {
  FrameHeader decoded;
  const auto input = bytes({0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(decode_frame_header(input, decoded).status, FrameHeaderStatus::length_msb_set);
}

}  // namespace
}  // namespace wscore

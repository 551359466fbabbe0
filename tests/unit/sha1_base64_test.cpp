// SPDX-License-Identifier: MIT
// SHA-1 (RFC 3174) and base64 (RFC 4648), the two transforms of the opening handshake.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/splits.hpp"
#include "wscore/detail/base64.hpp"
#include "wscore/detail/sha1.hpp"

namespace wscore {
namespace {

using detail::base64_decode;
using detail::base64_encode;
using detail::Sha1;
using detail::sha1;

std::string hex(const detail::Sha1Digest& digest) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string text;
  for (const std::byte b : digest) {
    text += digits[std::to_integer<unsigned>(b) >> 4];
    text += digits[std::to_integer<unsigned>(b) & 0xF];
  }
  return text;
}

std::string sha1_of_repeated(std::string_view text, std::size_t repeat_count) {
  Sha1 hash;
  for (std::size_t i = 0; i < repeat_count; ++i)
    hash.update(as_bytes(text));
  return hex(hash.finish());
}

std::vector<std::byte> bytes_of(std::string_view text) {
  const ByteView view = as_bytes(text);
  return {view.begin(), view.end()};
}

// RFC 3174 §7.3, TEST1-TEST4: each text hashed `repeatcount` times in a row.
TEST(Sha1, Rfc3174Section7_3_Test1_Abc) {
  EXPECT_EQ(sha1_of_repeated("abc", 1), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1, Rfc3174Section7_3_Test2_448Bits) {
  EXPECT_EQ(sha1_of_repeated("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1, Rfc3174Section7_3_Test3_OneMillionA) {
  EXPECT_EQ(sha1_of_repeated("a", 1'000'000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, Rfc3174Section7_3_Test4_64ByteBlockTenTimes) {
  // TEST4 = TEST4a TEST4b, two copies of "01234567" x 4: an exact multiple of 512 bits.
  EXPECT_EQ(
      sha1_of_repeated("0123456701234567012345670123456701234567012345670123456701234567", 10),
      "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}

TEST(Sha1, EmptyMessage) {
  EXPECT_EQ(hex(sha1({})), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Sha1, Rfc6455Section1_3_KeyPlusGuid) {
  // RFC 6455 §1.3: "0xb3 0x7a 0x4f 0x2c 0xc0 0x62 0x4f 0x16 0x90 0xf6 0x46 0x06 0xcf 0x38 0x59
  // 0x45 0xb2 0xbe 0xc4 0xea".
  EXPECT_EQ(hex(sha1(as_bytes("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))),
            "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
}

TEST(Sha1, EverySplitOfTheInputGivesTheSameDigest) {
  const std::string_view message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(test::replay_every_split(message,
                                     [](const std::vector<std::string_view>& pieces) {
                                       Sha1 hash;
                                       for (const std::string_view piece : pieces)
                                         hash.update(as_bytes(piece));
                                       return hex(hash.finish());
                                     }),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1, LengthsAroundTheBlockAndPaddingBoundariesHashIncrementallyAsInOneGo) {
  // 55, 56 and 64 bytes are where the padding needs one or two extra blocks (RFC 3174 §4).
  const std::string text(200, 'x');
  for (std::size_t size = 0; size <= 130; ++size) {
    const ByteView message = as_bytes(std::string_view(text).substr(0, size));
    Sha1 hash;
    for (std::size_t i = 0; i < size; i += 7)
      hash.update(message.subspan(i, std::min<std::size_t>(7, size - i)));
    EXPECT_EQ(hex(hash.finish()), hex(sha1(message))) << size;
  }
}

TEST(Sha1, ResetStartsANewMessage) {
  Sha1 hash;
  hash.update(as_bytes("something else"));
  (void)hash.finish();
  hash.reset();
  hash.update(as_bytes("abc"));
  EXPECT_EQ(hex(hash.finish()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Section10_Encode) {
  EXPECT_EQ(base64_encode(as_bytes("")), "");
  EXPECT_EQ(base64_encode(as_bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(as_bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(as_bytes("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(as_bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(as_bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(as_bytes("foobar")), "Zm9vYmFy");
}

TEST(Base64, Rfc4648Section10_Decode) {
  EXPECT_EQ(base64_decode(""), bytes_of(""));
  EXPECT_EQ(base64_decode("Zg=="), bytes_of("f"));
  EXPECT_EQ(base64_decode("Zm8="), bytes_of("fo"));
  EXPECT_EQ(base64_decode("Zm9v"), bytes_of("foo"));
  EXPECT_EQ(base64_decode("Zm9vYg=="), bytes_of("foob"));
  EXPECT_EQ(base64_decode("Zm9vYmE="), bytes_of("fooba"));
  EXPECT_EQ(base64_decode("Zm9vYmFy"), bytes_of("foobar"));
}

TEST(Base64, EncodeAppendsToTheOutput) {
  std::string out = "Sec-WebSocket-Key: ";
  base64_encode(as_bytes("the sample nonce"), out);
  EXPECT_EQ(out, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::vector<std::byte> all;
  for (int i = 0; i < 256; ++i)
    all.push_back(std::byte(i));
  for (std::size_t size = 0; size <= all.size(); size += 1) {
    const ByteView data(all.data(), size);
    const std::optional<std::vector<std::byte>> decoded = base64_decode(base64_encode(data));
    ASSERT_TRUE(decoded) << size;
    EXPECT_EQ(*decoded, std::vector<std::byte>(data.begin(), data.end())) << size;
  }
}

TEST(Base64, StrictDecodeRejectsMissingPaddingWhitespaceAndForeignCharacters) {
  EXPECT_FALSE(base64_decode("Zg"));        // padding is required
  EXPECT_FALSE(base64_decode("Zg="));       // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9vYg"));    // padding is required
  EXPECT_FALSE(base64_decode("Zm9v\r\n"));  // no line breaks
  EXPECT_FALSE(base64_decode(" Zm9v   "));  // no whitespace
  EXPECT_FALSE(base64_decode("Zm 9"));
  EXPECT_FALSE(base64_decode("Zm9*"));  // not in the alphabet
  EXPECT_FALSE(base64_decode("Zm9-"));  // the URL-safe alphabet is not base64 (§5)
  EXPECT_FALSE(base64_decode("Z==="));  // one character cannot encode a byte
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("=Zg="));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding only at the end
  EXPECT_FALSE(base64_decode("Zm=v"));
}

TEST(Base64, Rfc6455Section4_1_Item7_ExampleKeyWithNonZeroPadBits) {
  // The RFC's example encodes bytes 0x01..0x10 as "AQIDBAUGBwgJCgsMDQ4PEC==", whose last
  // character carries non-zero pad bits; the canonical encoding ends in "EA==". The decoder
  // drops pad bits (RFC 4648 §3.5 allows either choice), so both give the 16 bytes.
  std::vector<std::byte> nonce;
  for (int i = 1; i <= 16; ++i)
    nonce.push_back(std::byte(i));
  EXPECT_EQ(base64_encode(nonce), "AQIDBAUGBwgJCgsMDQ4PEA==");
  EXPECT_EQ(base64_decode("AQIDBAUGBwgJCgsMDQ4PEA=="), nonce);
  EXPECT_EQ(base64_decode("AQIDBAUGBwgJCgsMDQ4PEC=="), nonce);
}

}  // namespace
}  // namespace wscore

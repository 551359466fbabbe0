// SPDX-License-Identifier: MIT
// Masking (RFC 6455 §5.3) at every SIMD level against a byte-at-a-time reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/detail/simd.hpp"
#include "wscore/mask.hpp"

namespace wscore {
namespace {

using detail::SimdLevel;

constexpr MaskKey kKey = {std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d}};

// RFC 6455 §5.3: transformed octet i = original octet i XOR masking-key octet (i MOD 4).
void reference_mask(std::span<std::byte> data, MaskKey key, std::size_t key_offset) {
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] ^= key[(key_offset + i) % 4];
}

std::vector<std::byte> random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::byte> bytes(size);
  for (std::byte& byte : bytes)
    byte = static_cast<std::byte>(random() & 0xFF);
  return bytes;
}

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> bytes;
  for (int value : values)
    bytes.push_back(static_cast<std::byte>(value));
  return bytes;
}

// The masked single-frame "Hello" from RFC 6455 §5.7: 81 85 37 fa 21 3d 7f 9f 4d 51 58.
const std::vector<std::byte> kMaskedHelloFrame =
    bytes_of({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

MaskKey key_of_frame(const std::vector<std::byte>& frame) {
  return {frame[2], frame[3], frame[4], frame[5]};
}

TEST(Mask, Rfc6455Section5_7_UnmasksHelloAtEveryLevel) {
  const MaskKey key = key_of_frame(kMaskedHelloFrame);
  for (SimdLevel level : detail::supported_simd_levels()) {
    SCOPED_TRACE(detail::simd_level_name(level));
    std::vector<std::byte> payload(kMaskedHelloFrame.begin() + 6, kMaskedHelloFrame.end());
    detail::apply_mask_at(level, payload, key, 0);
    EXPECT_EQ(as_text(payload), "Hello");
  }
}

TEST(Mask, Rfc6455Section5_7_UnmasksHelloInPiecesWithKeyOffset) {
  const MaskKey key = key_of_frame(kMaskedHelloFrame);
  for (std::size_t split = 0; split <= 5; ++split) {
    std::vector<std::byte> payload(kMaskedHelloFrame.begin() + 6, kMaskedHelloFrame.end());
    apply_mask(std::span(payload).first(split), key, 0);
    apply_mask(std::span(payload).subspan(split), key, split);
    EXPECT_EQ(as_text(payload), "Hello") << "split at " << split;
  }
}

TEST(Mask, Rfc6455Section5_7_CopyMaskedUnmasksHello) {
  const MaskKey key = key_of_frame(kMaskedHelloFrame);
  const std::vector<std::byte> payload(kMaskedHelloFrame.begin() + 6, kMaskedHelloFrame.end());
  std::vector<std::byte> unmasked(payload.size());
  copy_masked(payload, unmasked, key);
  EXPECT_EQ(as_text(unmasked), "Hello");
}

TEST(Mask, Rfc6455Section5_3_MaskingTwiceRestoresThePayload) {
  const std::vector<std::byte> original = random_bytes(1000, 1);
  std::vector<std::byte> data = original;
  apply_mask(data, kKey, 3);
  EXPECT_NE(data, original);
  apply_mask(data, kKey, 3);
  EXPECT_EQ(data, original);
}

// Every level, every start alignment within a cache line, every length up to 300, every key
// phase: the vector loops, their aligned heads and their tails all meet the reference.
TEST(Mask, Rfc6455Section5_3_EveryLevelMatchesReference) {
  constexpr std::size_t kMaxLength = 300;
  const std::vector<std::byte> original = random_bytes(64 + kMaxLength + 64, 2);
  for (SimdLevel level : detail::supported_simd_levels()) {
    SCOPED_TRACE(detail::simd_level_name(level));
    for (std::size_t alignment = 0; alignment < 64; ++alignment) {
      for (std::size_t length = 0; length <= kMaxLength; ++length) {
        for (std::size_t key_offset = 0; key_offset < 4; ++key_offset) {
          std::vector<std::byte> expected = original;
          std::vector<std::byte> actual = original;
          reference_mask(std::span(expected).subspan(alignment, length), kKey, key_offset);
          detail::apply_mask_at(level, std::span(actual).subspan(alignment, length), kKey,
                                key_offset);
          // Comparing the whole buffer also catches writes outside the span.
          ASSERT_EQ(actual, expected)
              << "alignment " << alignment << " length " << length << " key offset " << key_offset;
        }
      }
    }
  }
}

TEST(Mask, Rfc6455Section5_3_LargePayloadsMatchReference) {
  for (std::size_t length : {4096u + 7u, 65536u, 65536u + 13u, (1u << 20) + 3u}) {
    const std::vector<std::byte> original = random_bytes(length + 1, length);
    for (SimdLevel level : detail::supported_simd_levels()) {
      for (std::size_t key_offset = 0; key_offset < 4; ++key_offset) {
        std::vector<std::byte> expected = original;
        std::vector<std::byte> actual = original;
        reference_mask(std::span(expected).subspan(1), kKey, key_offset);
        detail::apply_mask_at(level, std::span(actual).subspan(1), kKey, key_offset);
        ASSERT_EQ(actual, expected) << detail::simd_level_name(level) << " length " << length
                                    << " key offset " << key_offset;
      }
    }
  }
}

// A key offset of 4 or more is the same phase as its remainder.
TEST(Mask, Rfc6455Section5_3_KeyOffsetWrapsEveryFourBytes) {
  const std::vector<std::byte> original = random_bytes(100, 3);
  for (std::size_t key_offset = 0; key_offset < 4; ++key_offset) {
    std::vector<std::byte> small = original;
    std::vector<std::byte> large = original;
    apply_mask(small, kKey, key_offset);
    apply_mask(large, kKey, key_offset + 4 * 1000003);
    EXPECT_EQ(small, large);
  }
}

// A payload masked in pieces of any size, each at its running offset, equals one pass.
TEST(Mask, Rfc6455Section5_3_PiecesWithRunningOffsetMatchOnePass) {
  const std::vector<std::byte> original = random_bytes(2000, 4);
  std::vector<std::byte> whole = original;
  apply_mask(whole, kKey, 0);
  for (std::size_t piece_size : {1u, 3u, 5u, 31u, 64u, 97u, 1000u}) {
    std::vector<std::byte> pieces = original;
    for (std::size_t offset = 0; offset < pieces.size(); offset += piece_size) {
      const std::size_t size = std::min(piece_size, pieces.size() - offset);
      apply_mask(std::span(pieces).subspan(offset, size), kKey, offset);
    }
    EXPECT_EQ(pieces, whole) << "piece size " << piece_size;
  }
}

// copy_masked reads and writes at independent alignments.
TEST(Mask, Rfc6455Section5_3_CopyMaskedMatchesReference) {
  constexpr std::size_t kMaxLength = 300;
  const std::vector<std::byte> source_buffer = random_bytes(64 + kMaxLength, 5);
  for (std::size_t source_alignment = 0; source_alignment < 64; source_alignment += 7) {
    for (std::size_t destination_alignment = 0; destination_alignment < 64;
         ++destination_alignment) {
      for (std::size_t length : {0u, 1u, 3u, 15u, 33u, 64u, 65u, 127u, 255u, 300u}) {
        for (std::size_t key_offset = 0; key_offset < 4; ++key_offset) {
          const auto source = std::span(source_buffer).subspan(source_alignment, length);
          std::vector<std::byte> expected(source.begin(), source.end());
          reference_mask(expected, kKey, key_offset);

          std::vector<std::byte> destination_buffer(64 + kMaxLength + 64, std::byte{0xAA});
          std::vector<std::byte> expected_buffer = destination_buffer;
          std::copy(expected.begin(), expected.end(),
                    expected_buffer.begin() + std::ptrdiff_t(destination_alignment));
          copy_masked(source, std::span(destination_buffer).subspan(destination_alignment, length),
                      kKey, key_offset);
          // Comparing the whole buffer also catches writes outside the destination.
          ASSERT_EQ(destination_buffer, expected_buffer)
              << "source alignment " << source_alignment << " destination alignment "
              << destination_alignment << " length " << length << " key offset " << key_offset;
        }
      }
    }
  }
}

TEST(Mask, Rfc6455Section5_3_CopyMaskedLargePayload) {
  const std::vector<std::byte> source = random_bytes((1u << 20) + 5, 6);
  std::vector<std::byte> expected = source;
  reference_mask(expected, kKey, 2);
  std::vector<std::byte> destination(source.size());
  copy_masked(source, destination, kKey, 2);
  EXPECT_EQ(destination, expected);
}

TEST(Mask, SupportedLevelsStartWithScalarAndEndWithBest) {
  const auto levels = detail::supported_simd_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), SimdLevel::scalar);
  EXPECT_EQ(levels.back(), detail::best_simd_level());
  EXPECT_EQ(std::string_view(detail::simd_level_name(SimdLevel::avx512)), "avx512");
}

}  // namespace
}  // namespace wscore

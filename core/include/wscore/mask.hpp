// SPDX-License-Identifier: MIT
/// @file
/// Client-to-server masking (RFC 6455 §5.3).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "wscore/bytes.hpp"

namespace wscore {

/// The 32-bit masking key of a frame, in wire order (RFC 6455 §5.3).
using MaskKey = std::array<std::byte, 4>;

namespace detail {

// The key as it applies from `key_offset` bytes into the payload.
[[nodiscard]] inline MaskKey rotate_mask_key(MaskKey key, std::size_t key_offset) noexcept {
  MaskKey rotated{};
  for (std::size_t i = 0; i < rotated.size(); ++i)
    rotated[i] = key[(key_offset + i) % 4];
  return rotated;
}

// Masks 8 bytes at a time; `key` applies from the first byte. Inline, so that the small payloads
// of chat messages and control frames cost no call; the vector kernels take the large ones.
inline void mask_words(const std::byte* source, std::byte* destination, std::size_t size,
                       MaskKey key) noexcept {
  std::uint32_t key32 = 0;
  std::memcpy(&key32, key.data(), sizeof key32);
  // Both halves of the word hold the key in memory order, so this works on any endianness.
  const std::uint64_t key64 = key32 | (static_cast<std::uint64_t>(key32) << 32);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, source + i, sizeof word);
    word ^= key64;
    std::memcpy(destination + i, &word, sizeof word);
  }
  for (; i < size; ++i)
    destination[i] = source[i] ^ key[i % 4];
}

// Below this size the vector kernels' alignment head costs more than it saves.
inline constexpr std::size_t small_mask_size = 64;

// The best vector kernel this CPU has (runtime dispatch).
void mask_with_best_kernel(const std::byte* source, std::byte* destination, std::size_t size,
                           MaskKey key) noexcept;

}  // namespace detail

/// XORs `data` in place with `key`, as if `data` started `key_offset` bytes into the payload
/// (so a payload can be unmasked in pieces). Masking and unmasking are the same operation.
inline void apply_mask(MutableByteView data, MaskKey key, std::size_t key_offset = 0) noexcept {
  const MaskKey rotated = detail::rotate_mask_key(key, key_offset);
  if (data.size() < detail::small_mask_size) {
    detail::mask_words(data.data(), data.data(), data.size(), rotated);
  } else {
    detail::mask_with_best_kernel(data.data(), data.data(), data.size(), rotated);
  }
}

/// Writes `source` XOR `key` into `destination` (same size, no overlap) in one pass; writes only
/// min(source.size(), destination.size()) bytes.
inline void copy_masked(ByteView source, MutableByteView destination, MaskKey key,
                        std::size_t key_offset = 0) noexcept {
  const std::size_t size = source.size() < destination.size() ? source.size() : destination.size();
  const MaskKey rotated = detail::rotate_mask_key(key, key_offset);
  if (size < detail::small_mask_size) {
    detail::mask_words(source.data(), destination.data(), size, rotated);
  } else {
    detail::mask_with_best_kernel(source.data(), destination.data(), size, rotated);
  }
}

}  // namespace wscore

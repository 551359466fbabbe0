// SPDX-License-Identifier: MIT
// SHA-1 as specified in RFC 3174 §6.1 (method 1: the 80-word message schedule).
#include "wscore/detail/sha1.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace wscore::detail {
namespace {

std::uint32_t load_big_endian(const std::byte* bytes) noexcept {
  return (std::uint32_t(bytes[0]) << 24) | (std::uint32_t(bytes[1]) << 16) |
         (std::uint32_t(bytes[2]) << 8) | std::uint32_t(bytes[3]);
}

void store_big_endian(std::uint32_t word, std::byte* bytes) noexcept {
  bytes[0] = std::byte(word >> 24);
  bytes[1] = std::byte(word >> 16);
  bytes[2] = std::byte(word >> 8);
  bytes[3] = std::byte(word);
}

}  // namespace

void Sha1::reset() noexcept {
  // RFC 3174 §6.1: the initial H0..H4.
  state_ = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  block_size_ = 0;
  message_bits_ = 0;
}

void Sha1::update(ByteView data) noexcept {
  message_bits_ += std::uint64_t(data.size()) * 8;
  while (!data.empty()) {
    if (block_size_ == 0 && data.size() >= block_.size()) {
      process_block(data.data());
      data = data.subspan(block_.size());
      continue;
    }
    const std::size_t taken = std::min(block_.size() - block_size_, data.size());
    std::memcpy(block_.data() + block_size_, data.data(), taken);
    block_size_ += taken;
    data = data.subspan(taken);
    if (block_size_ == block_.size()) {
      process_block(block_.data());
      block_size_ = 0;
    }
  }
}

Sha1Digest Sha1::finish() noexcept {
  // RFC 3174 §4: append a 1 bit, zeros up to 56 bytes mod 64, then the length in bits as a
  // 64-bit big-endian integer.
  const std::uint64_t message_bits = message_bits_;
  block_[block_size_++] = std::byte{0x80};
  if (block_size_ > 56) {
    std::memset(block_.data() + block_size_, 0, block_.size() - block_size_);
    process_block(block_.data());
    block_size_ = 0;
  }
  std::memset(block_.data() + block_size_, 0, 56 - block_size_);
  store_big_endian(std::uint32_t(message_bits >> 32), block_.data() + 56);
  store_big_endian(std::uint32_t(message_bits), block_.data() + 60);
  process_block(block_.data());
  block_size_ = 0;

  Sha1Digest digest;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    store_big_endian(state_[i], digest.data() + 4 * i);
  }
  return digest;
}

void Sha1::process_block(const std::byte* block) noexcept {
  // RFC 3174 §6.1 steps a-e.
  std::array<std::uint32_t, 80> schedule;
  for (std::size_t t = 0; t < 16; ++t)
    schedule[t] = load_big_endian(block + 4 * t);
  for (std::size_t t = 16; t < 80; ++t) {
    schedule[t] =
        std::rotl(schedule[t - 3] ^ schedule[t - 8] ^ schedule[t - 14] ^ schedule[t - 16], 1);
  }

  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
  for (std::size_t t = 0; t < 80; ++t) {
    std::uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999u;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1u;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6u;
    }
    const std::uint32_t temp = std::rotl(a, 5) + f + e + schedule[t] + k;
    e = d;
    d = c;
    c = std::rotl(b, 30);
    b = a;
    a = temp;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
}

Sha1Digest sha1(ByteView data) noexcept {
  Sha1 hash;
  hash.update(data);
  return hash.finish();
}

}  // namespace wscore::detail

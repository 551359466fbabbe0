// SPDX-License-Identifier: MIT
// SHA-1 (RFC 3174), used only for Sec-WebSocket-Accept (RFC 6455 §4.2.2 item 5.4). SHA-1 is not
// collision resistant; the handshake needs it only as a fixed, agreed transform of the key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "wscore/bytes.hpp"

namespace wscore::detail {

using Sha1Digest = std::array<std::byte, 20>;

// Incremental hash: update() any number of times with any split of the message, then finish()
// once. After finish() the object must be reset() before it is used again.
class Sha1 {
 public:
  Sha1() noexcept { reset(); }

  void reset() noexcept;
  void update(ByteView data) noexcept;
  [[nodiscard]] Sha1Digest finish() noexcept;

 private:
  void process_block(const std::byte* block) noexcept;

  std::array<std::uint32_t, 5> state_{};
  std::array<std::byte, 64> block_{};
  std::size_t block_size_ = 0;      // bytes waiting in block_
  std::uint64_t message_bits_ = 0;  // length of the message so far, in bits (mod 2^64)
};

// One-shot convenience.
[[nodiscard]] Sha1Digest sha1(ByteView data) noexcept;

}  // namespace wscore::detail

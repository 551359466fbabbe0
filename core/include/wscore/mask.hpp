// Client-to-server masking (RFC 6455 §5.3).
#pragma once

#include <array>
#include <cstddef>

#include "wscore/bytes.hpp"

namespace wscore {

using MaskKey = std::array<std::byte, 4>;

// XORs `data` in place with `key`, as if `data` started `key_offset` bytes into the payload
// (so a payload can be unmasked in pieces). Masking and unmasking are the same operation.
void apply_mask(MutableByteView data, MaskKey key, std::size_t key_offset = 0) noexcept;

// Writes `source` XOR `key` into `destination` (same size, no overlap) in one pass.
void copy_masked(ByteView source, MutableByteView destination, MaskKey key,
                 std::size_t key_offset = 0) noexcept;

}  // namespace wscore

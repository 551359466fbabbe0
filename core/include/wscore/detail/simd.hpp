// SPDX-License-Identifier: MIT
// Runtime CPU dispatch for the hot loops (masking, UTF-8 validation). Every level is reachable
// on purpose so that tests and fuzzers can check each against the scalar reference.
#pragma once

#include <span>

#include "wscore/bytes.hpp"
#include "wscore/mask.hpp"

namespace wscore::detail {

enum class SimdLevel { scalar, sse2, avx2, avx512 };

// The best level this CPU supports (detected once; the answer never changes).
[[nodiscard]] SimdLevel best_simd_level() noexcept;

// The levels this CPU can run, scalar first.
[[nodiscard]] std::span<const SimdLevel> supported_simd_levels() noexcept;

[[nodiscard]] const char* simd_level_name(SimdLevel level) noexcept;

void apply_mask_at(SimdLevel level, MutableByteView data, MaskKey key,
                   std::size_t key_offset) noexcept;

// Validates complete UTF-8 (no sequence may be cut at the end).
[[nodiscard]] bool is_valid_utf8_at(SimdLevel level, ByteView text) noexcept;

}  // namespace wscore::detail

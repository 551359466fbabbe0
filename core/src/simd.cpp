// SPDX-License-Identifier: MIT
// Runtime CPU dispatch: which SIMD level this CPU runs, and the kernel for each level.
#include <array>
#include <cstddef>
#include <span>

#include "simd_kernels.hpp"
#include "wscore/detail/simd.hpp"

namespace wscore::detail {
namespace {

struct SupportedLevels {
  std::array<SimdLevel, 4> levels{};
  std::size_t count = 0;
};

SupportedLevels detect_supported_levels() noexcept {
  SupportedLevels supported;
  supported.levels[supported.count++] = SimdLevel::scalar;
#if WSCORE_X86_64
  // SSE2 is part of the x86-64 baseline. __builtin_cpu_supports also checks that the OS saves
  // the AVX and AVX-512 register state (XGETBV), not only the CPUID bits.
  __builtin_cpu_init();
  supported.levels[supported.count++] = SimdLevel::sse2;
  if (__builtin_cpu_supports("avx2")) {
    supported.levels[supported.count++] = SimdLevel::avx2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
      supported.levels[supported.count++] = SimdLevel::avx512;
    }
  }
#endif
  return supported;
}

const SupportedLevels& supported() noexcept {
  static const SupportedLevels cached = detect_supported_levels();
  return cached;
}

bool is_supported(SimdLevel level) noexcept {
  for (SimdLevel candidate : supported_simd_levels()) {
    if (candidate == level) return true;
  }
  return false;
}

}  // namespace

SimdLevel best_simd_level() noexcept {
  const SupportedLevels& levels = supported();
  return levels.levels[levels.count - 1];
}

std::span<const SimdLevel> supported_simd_levels() noexcept {
  const SupportedLevels& levels = supported();
  return {levels.levels.data(), levels.count};
}

const char* simd_level_name(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::scalar:
      return "scalar";
    case SimdLevel::sse2:
      return "sse2";
    case SimdLevel::avx2:
      return "avx2";
    case SimdLevel::avx512:
      return "avx512";
  }
  return "unknown";
}

// A level the CPU cannot run falls back to scalar rather than faulting on an illegal
// instruction.
MaskKernel mask_kernel_for(SimdLevel level) noexcept {
  if (!is_supported(level)) return &mask_scalar;
  switch (level) {
    case SimdLevel::scalar:
      return &mask_scalar;
#if WSCORE_X86_64
    case SimdLevel::sse2:
      return &mask_sse2;
    case SimdLevel::avx2:
      return &mask_avx2;
    case SimdLevel::avx512:
      return &mask_avx512;
#else
    default:
      break;
#endif
  }
  return &mask_scalar;
}

Utf8Kernel utf8_kernel_for(SimdLevel level) noexcept {
  if (!is_supported(level)) return &utf8_scalar;
  switch (level) {
    case SimdLevel::scalar:
      return &utf8_scalar;
#if WSCORE_X86_64
    case SimdLevel::sse2:
      return &utf8_sse2;
    case SimdLevel::avx2:
      return &utf8_avx2;
    case SimdLevel::avx512:
      return &utf8_avx512;
#else
    default:
      break;
#endif
  }
  return &utf8_scalar;
}

void apply_mask_at(SimdLevel level, MutableByteView data, MaskKey key,
                   std::size_t key_offset) noexcept {
  mask_kernel_for(level)(data.data(), data.data(), data.size(), rotate_mask_key(key, key_offset));
}

bool is_valid_utf8_at(SimdLevel level, ByteView text) noexcept {
  return utf8_kernel_for(level)(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace wscore::detail

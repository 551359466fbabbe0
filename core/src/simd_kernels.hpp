// SPDX-License-Identifier: MIT
// Private to the core: the per-level kernels behind apply_mask, copy_masked and is_valid_utf8,
// and the dispatch that picks one for a SimdLevel. Only simd.cpp decides which CPU runs what.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "wscore/detail/simd.hpp"
#include "wscore/mask.hpp"

// The SIMD kernels exist only for x86-64; elsewhere every level but scalar is unsupported.
#if defined(__x86_64__)
#define WSCORE_X86_64 1
// Per-function targets, so the library itself is compiled for the baseline CPU.
#define WSCORE_TARGET_AVX2 __attribute__((target("avx2")))
#define WSCORE_TARGET_AVX512 __attribute__((target("avx512f,avx512bw")))
#else
#define WSCORE_X86_64 0
#endif

namespace wscore::detail {

// Writes `source` XOR the repeated 4-byte `key` into `destination`, with key[0] applying to
// source[0]. `source` and `destination` are either the same pointer (masking in place) or do
// not overlap at all.
using MaskKernel = void (*)(const std::byte* source, std::byte* destination, std::size_t size,
                            MaskKey key) noexcept;

// True if the `size` bytes at `text` are complete, valid UTF-8.
using Utf8Kernel = bool (*)(const std::uint8_t* text, std::size_t size) noexcept;

[[nodiscard]] MaskKernel mask_kernel_for(SimdLevel level) noexcept;
[[nodiscard]] Utf8Kernel utf8_kernel_for(SimdLevel level) noexcept;

// The key as seen from `key_offset` bytes into the payload (RFC 6455 §5.3: octet i of the
// payload is XORed with key octet i MOD 4).
void mask_scalar(const std::byte* source, std::byte* destination, std::size_t size,
                 MaskKey key) noexcept;
bool utf8_scalar(const std::uint8_t* text, std::size_t size) noexcept;

#if WSCORE_X86_64
void mask_sse2(const std::byte* source, std::byte* destination, std::size_t size,
               MaskKey key) noexcept;
WSCORE_TARGET_AVX2 void mask_avx2(const std::byte* source, std::byte* destination, std::size_t size,
                                  MaskKey key) noexcept;
WSCORE_TARGET_AVX512 void mask_avx512(const std::byte* source, std::byte* destination,
                                      std::size_t size, MaskKey key) noexcept;

// SSE2 has no byte shuffle, so this level skips ASCII 16 bytes at a time and walks the rest
// with the scalar state machine.
bool utf8_sse2(const std::uint8_t* text, std::size_t size) noexcept;
// Keiser & Lemire's lookup-table validator ("Validating UTF-8 In Less Than One Instruction Per
// Byte", 2021), 32 and 64 bytes per step.
WSCORE_TARGET_AVX2 bool utf8_avx2(const std::uint8_t* text, std::size_t size) noexcept;
WSCORE_TARGET_AVX512 bool utf8_avx512(const std::uint8_t* text, std::size_t size) noexcept;
#endif

}  // namespace wscore::detail

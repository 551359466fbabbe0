// SPDX-License-Identifier: MIT
// Client-to-server masking (RFC 6455 §5.3): payload octet i is XORed with key octet i MOD 4.
//
// Every kernel takes the key already rotated so that key[0] applies to the first byte it sees.
// Since each vector width is a multiple of 4 bytes, the key stays in phase across the whole
// vector loop; only an unaligned head shifts it.
#include <cassert>
#include <cstdint>
#include <cstring>

#include "simd_kernels.hpp"
#include "wscore/mask.hpp"

#if WSCORE_X86_64
#include <immintrin.h>
#endif

namespace wscore {
namespace detail {
namespace {

std::uint32_t key_word(MaskKey key) noexcept {
  std::uint32_t word = 0;
  std::memcpy(&word, key.data(), sizeof(word));
  return word;
}

void mask_bytes(const std::byte* source, std::byte* destination, std::size_t size,
                MaskKey key) noexcept {
  for (std::size_t i = 0; i < size; ++i)
    destination[i] = source[i] ^ key[i % 4];
}

#if WSCORE_X86_64
// Bytes to mask one at a time before `destination` reaches a multiple of `alignment`, so that
// the vector stores never split a cache line.
std::size_t bytes_before_aligned(const std::byte* destination, std::size_t size,
                                 std::size_t alignment) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(destination);
  const std::size_t misalignment = (alignment - address % alignment) % alignment;
  return misalignment < size ? misalignment : size;
}
#endif

}  // namespace

void mask_scalar(const std::byte* source, std::byte* destination, std::size_t size,
                 MaskKey key) noexcept {
  mask_words(source, destination, size, key);
}

#if WSCORE_X86_64

void mask_sse2(const std::byte* source, std::byte* destination, std::size_t size,
               MaskKey key) noexcept {
  const std::size_t head = bytes_before_aligned(destination, size, 16);
  mask_bytes(source, destination, head, key);
  key = rotate_mask_key(key, head);
  source += head;
  destination += head;
  size -= head;

  const __m128i key_vector = _mm_set1_epi32(static_cast<int>(key_word(key)));
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + i + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + i + 32));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + i + 48));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + i), _mm_xor_si128(a, key_vector));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + i + 16),
                     _mm_xor_si128(b, key_vector));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + i + 32),
                     _mm_xor_si128(c, key_vector));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + i + 48),
                     _mm_xor_si128(d, key_vector));
  }
  for (; i + 16 <= size; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + i), _mm_xor_si128(a, key_vector));
  }
  mask_scalar(source + i, destination + i, size - i, key);
}

WSCORE_TARGET_AVX2 void mask_avx2(const std::byte* source, std::byte* destination, std::size_t size,
                                  MaskKey key) noexcept {
  const std::size_t head = bytes_before_aligned(destination, size, 32);
  mask_bytes(source, destination, head, key);
  key = rotate_mask_key(key, head);
  source += head;
  destination += head;
  size -= head;

  const __m256i key_vector = _mm256_set1_epi32(static_cast<int>(key_word(key)));
  std::size_t i = 0;
  for (; i + 128 <= size; i += 128) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + i + 32));
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + i + 64));
    const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + i + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + i),
                        _mm256_xor_si256(a, key_vector));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + i + 32),
                        _mm256_xor_si256(b, key_vector));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + i + 64),
                        _mm256_xor_si256(c, key_vector));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + i + 96),
                        _mm256_xor_si256(d, key_vector));
  }
  for (; i + 32 <= size; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(destination + i),
                        _mm256_xor_si256(a, key_vector));
  }
  mask_scalar(source + i, destination + i, size - i, key);
}

WSCORE_TARGET_AVX512 void mask_avx512(const std::byte* source, std::byte* destination,
                                      std::size_t size, MaskKey key) noexcept {
  const std::size_t head = bytes_before_aligned(destination, size, 64);
  mask_bytes(source, destination, head, key);
  key = rotate_mask_key(key, head);
  source += head;
  destination += head;
  size -= head;

  const __m512i key_vector = _mm512_set1_epi32(static_cast<int>(key_word(key)));
  std::size_t i = 0;
  for (; i + 256 <= size; i += 256) {
    const __m512i a = _mm512_loadu_si512(source + i);
    const __m512i b = _mm512_loadu_si512(source + i + 64);
    const __m512i c = _mm512_loadu_si512(source + i + 128);
    const __m512i d = _mm512_loadu_si512(source + i + 192);
    _mm512_storeu_si512(destination + i, _mm512_xor_si512(a, key_vector));
    _mm512_storeu_si512(destination + i + 64, _mm512_xor_si512(b, key_vector));
    _mm512_storeu_si512(destination + i + 128, _mm512_xor_si512(c, key_vector));
    _mm512_storeu_si512(destination + i + 192, _mm512_xor_si512(d, key_vector));
  }
  for (; i + 64 <= size; i += 64) {
    _mm512_storeu_si512(destination + i,
                        _mm512_xor_si512(_mm512_loadu_si512(source + i), key_vector));
  }
  mask_scalar(source + i, destination + i, size - i, key);
}

#endif  // WSCORE_X86_64

void mask_with_best_kernel(const std::byte* source, std::byte* destination, std::size_t size,
                           MaskKey key) noexcept {
  static const MaskKernel kernel = mask_kernel_for(best_simd_level());
  kernel(source, destination, size, key);
}

}  // namespace detail
}  // namespace wscore

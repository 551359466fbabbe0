// SPDX-License-Identifier: MIT
// Vector UTF-8 validation (RFC 3629 §4) after Keiser & Lemire, "Validating UTF-8 In Less Than
// One Instruction Per Byte" (Software: Practice and Experience, 2021).
//
// Every invalid sequence shows up in some pair of adjacent bytes (b1, b2), except two cases:
// a continuation byte missing or extra in third or fourth position, and a sequence cut by the
// end of the text. For pairs, three 16-entry tables indexed by b1's high nibble, b1's low nibble
// and b2's high nibble each give the error classes that nibble allows; ANDing the three answers
// leaves exactly the classes that (b1, b2) belongs to. One class is "continuation after
// continuation", which is an error unless b2 is the third or fourth byte of a sequence: that is
// checked by comparing with the bytes two and three places back. The end is checked by whether
// the last three bytes start sequences longer than what is left.
#include <array>
#include <cstdint>
#include <cstring>

#include "simd_kernels.hpp"

#if WSCORE_X86_64
#include <immintrin.h>

namespace wscore::detail {
namespace {

// Error classes of a byte pair (b1, b2), one bit each.
enum PairError : std::uint8_t {
  kTooShort = 1 << 0,             // a lead byte followed by something other than a continuation
  kTooLong = 1 << 1,              // ASCII followed by a continuation
  kOverlong3 = 1 << 2,            // E0 80..9F: a 3-byte form of a code point below U+0800
  kTooLarge = 1 << 3,             // F4 90..BF, or F5..FF then 90..BF: above U+10FFFF
  kSurrogate = 1 << 4,            // ED A0..BF: U+D800..U+DFFF
  kOverlong2 = 1 << 5,            // C0 or C1: a 2-byte form of a code point below U+0080
  kOverlong4OrTooLarge = 1 << 6,  // F0 80..8F (below U+10000), or F5..FF then 80..8F
  kTwoContinuations = 1 << 7,     // fine only if b2 is the third or fourth byte of a sequence
};

// A class as a product of nibble sets: (b1, b2) is in it when b1's high nibble, b1's low nibble
// and b2's high nibble are each in their set (bit n of a set stands for nibble value n).
struct PairRule {
  std::uint8_t error;
  std::uint16_t first_high_nibbles;
  std::uint16_t first_low_nibbles;
  std::uint16_t second_high_nibbles;
};

consteval std::uint16_t nibbles(unsigned first, unsigned last) noexcept {
  std::uint16_t set = 0;
  for (unsigned nibble = first; nibble <= last; ++nibble)
    set |= std::uint16_t(1u << nibble);
  return set;
}

constexpr std::uint16_t kAnyNibble = 0xFFFF;
constexpr std::uint16_t kContinuation = nibbles(0x8, 0xB);  // 80..BF

constexpr std::array<PairRule, 8> kPairRules = {{
    {kTooShort, nibbles(0xC, 0xF), kAnyNibble, std::uint16_t(~kContinuation)},
    {kTooLong, nibbles(0x0, 0x7), kAnyNibble, kContinuation},
    {kOverlong3, nibbles(0xE, 0xE), nibbles(0x0, 0x0), nibbles(0x8, 0x9)},
    {kTooLarge, nibbles(0xF, 0xF), nibbles(0x4, 0xF), nibbles(0x9, 0xB)},
    {kSurrogate, nibbles(0xE, 0xE), nibbles(0xD, 0xD), nibbles(0xA, 0xB)},
    {kOverlong2, nibbles(0xC, 0xC), nibbles(0x0, 0x1), kAnyNibble},
    {kOverlong4OrTooLarge, nibbles(0xF, 0xF), std::uint16_t(nibbles(0x0, 0x0) | nibbles(0x5, 0xF)),
     nibbles(0x8, 0x8)},
    {kTwoContinuations, kContinuation, kAnyNibble, kContinuation},
}};

// ANDing the three lookups is exact only if no two rules share a class bit.
consteval bool each_rule_has_its_own_bit() noexcept {
  unsigned seen = 0;
  for (const PairRule& rule : kPairRules) {
    if ((seen & rule.error) != 0) return false;
    seen |= rule.error;
  }
  return seen == 0xFF;
}
static_assert(each_rule_has_its_own_bit());

using NibbleTable = std::array<std::uint8_t, 16>;

consteval NibbleTable nibble_table(std::uint16_t PairRule::*nibble_set) noexcept {
  NibbleTable table{};
  for (const PairRule& rule : kPairRules) {
    for (unsigned nibble = 0; nibble < 16; ++nibble) {
      if ((rule.*nibble_set & (1u << nibble)) != 0) table[nibble] |= rule.error;
    }
  }
  return table;
}

constexpr NibbleTable kFirstHighTable = nibble_table(&PairRule::first_high_nibbles);
constexpr NibbleTable kFirstLowTable = nibble_table(&PairRule::first_low_nibbles);
constexpr NibbleTable kSecondHighTable = nibble_table(&PairRule::second_high_nibbles);

// A byte above its entry here starts a sequence that the end of the vector cuts: any lead in
// the last place, a 3- or 4-byte lead two from the end, a 4-byte lead three from the end.
consteval std::array<std::uint8_t, 64> make_incomplete_limits() noexcept {
  std::array<std::uint8_t, 64> limits{};
  for (std::uint8_t& limit : limits)
    limit = 0xFF;
  limits[61] = 0xEF;
  limits[62] = 0xDF;
  limits[63] = 0xBF;
  return limits;
}
constexpr std::array<std::uint8_t, 64> kIncompleteLimits = make_incomplete_limits();

constexpr char as_char(std::uint8_t byte) noexcept {
  return static_cast<char>(byte);
}

// --- AVX2: 32 bytes per vector -----------------------------------------------------------------

struct Avx2Tables {
  __m256i first_high;
  __m256i first_low;
  __m256i second_high;
};

WSCORE_TARGET_AVX2 inline __m256i broadcast_avx2(const NibbleTable& table) noexcept {
  return _mm256_broadcastsi128_si256(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(table.data())));
}

// `input` shifted right by N bytes, with the last N bytes of `previous` shifted in.
template <int N>
WSCORE_TARGET_AVX2 inline __m256i bytes_back_avx2(__m256i input, __m256i previous) noexcept {
  // alignr works within 128-bit lanes, so first line up [previous.high, input.low].
  const __m256i straddle = _mm256_permute2x128_si256(previous, input, 0x21);
  return _mm256_alignr_epi8(input, straddle, 16 - N);
}

WSCORE_TARGET_AVX2 inline __m256i block_errors_avx2(__m256i input, __m256i previous,
                                                    const Avx2Tables& tables) noexcept {
  const __m256i low_nibble = _mm256_set1_epi8(0x0F);
  const __m256i previous1 = bytes_back_avx2<1>(input, previous);
  const __m256i first_high = _mm256_and_si256(_mm256_srli_epi16(previous1, 4), low_nibble);
  const __m256i first_low = _mm256_and_si256(previous1, low_nibble);
  const __m256i second_high = _mm256_and_si256(_mm256_srli_epi16(input, 4), low_nibble);
  const __m256i pair_errors =
      _mm256_and_si256(_mm256_and_si256(_mm256_shuffle_epi8(tables.first_high, first_high),
                                        _mm256_shuffle_epi8(tables.first_low, first_low)),
                       _mm256_shuffle_epi8(tables.second_high, second_high));
  // Bit 7 set where a 3- or 4-byte lead two or three places back wants a continuation here.
  const __m256i third =
      _mm256_subs_epu8(bytes_back_avx2<2>(input, previous), _mm256_set1_epi8(as_char(0xE0 - 0x80)));
  const __m256i fourth =
      _mm256_subs_epu8(bytes_back_avx2<3>(input, previous), _mm256_set1_epi8(as_char(0xF0 - 0x80)));
  const __m256i must_continue =
      _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(as_char(0x80)));
  return _mm256_xor_si256(must_continue, pair_errors);
}

// --- AVX-512: 64 bytes per vector --------------------------------------------------------------

struct Avx512Tables {
  __m512i first_high;
  __m512i first_low;
  __m512i second_high;
};

WSCORE_TARGET_AVX512 inline __m512i broadcast_avx512(const NibbleTable& table) noexcept {
  // The zero-masking forms (with every lane selected) sidestep GCC 12's false -Wuninitialized
  // on the undefined pass-through operand of the plain forms.
  return _mm512_maskz_broadcast_i32x4(
      0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(table.data())));
}

template <int N>
WSCORE_TARGET_AVX512 inline __m512i bytes_back_avx512(__m512i input, __m512i previous) noexcept {
  // [previous lane 3, input lanes 0..2], so that the per-lane alignr sees each lane's left
  // neighbour. Zero-masking form for the same GCC 12 warning as in broadcast_avx512.
  const __m512i straddle = _mm512_maskz_alignr_epi64(0xFF, input, previous, 6);
  return _mm512_alignr_epi8(input, straddle, 16 - N);
}

WSCORE_TARGET_AVX512 inline __m512i block_errors_avx512(__m512i input, __m512i previous,
                                                        const Avx512Tables& tables) noexcept {
  const __m512i low_nibble = _mm512_set1_epi8(0x0F);
  const __m512i previous1 = bytes_back_avx512<1>(input, previous);
  const __m512i first_high = _mm512_and_si512(_mm512_srli_epi16(previous1, 4), low_nibble);
  const __m512i first_low = _mm512_and_si512(previous1, low_nibble);
  const __m512i second_high = _mm512_and_si512(_mm512_srli_epi16(input, 4), low_nibble);
  const __m512i pair_errors = _mm512_ternarylogic_epi64(
      _mm512_shuffle_epi8(tables.first_high, first_high),
      _mm512_shuffle_epi8(tables.first_low, first_low),
      _mm512_shuffle_epi8(tables.second_high, second_high), 0x80);  // a & b & c
  const __m512i third = _mm512_subs_epu8(bytes_back_avx512<2>(input, previous),
                                         _mm512_set1_epi8(as_char(0xE0 - 0x80)));
  const __m512i fourth = _mm512_subs_epu8(bytes_back_avx512<3>(input, previous),
                                          _mm512_set1_epi8(as_char(0xF0 - 0x80)));
  const __m512i must_continue =
      _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8(as_char(0x80)));
  return _mm512_xor_si512(must_continue, pair_errors);
}

}  // namespace

WSCORE_TARGET_AVX2 bool utf8_avx2(const std::uint8_t* text, std::size_t size) noexcept {
  const Avx2Tables tables{broadcast_avx2(kFirstHighTable), broadcast_avx2(kFirstLowTable),
                          broadcast_avx2(kSecondHighTable)};
  const __m256i incomplete_limits =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kIncompleteLimits.data() + 32));
  __m256i previous = _mm256_setzero_si256();
  __m256i previous_incomplete = _mm256_setzero_si256();
  __m256i errors = _mm256_setzero_si256();

  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text + i));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text + i + 32));
    if (_mm256_movemask_epi8(_mm256_or_si256(low, high)) == 0) {
      // All ASCII: the only possible error is a sequence the previous block left unfinished.
      errors = _mm256_or_si256(errors, previous_incomplete);
      previous_incomplete = _mm256_setzero_si256();
    } else {
      errors = _mm256_or_si256(errors, block_errors_avx2(low, previous, tables));
      errors = _mm256_or_si256(errors, block_errors_avx2(high, low, tables));
      previous_incomplete = _mm256_subs_epu8(high, incomplete_limits);
    }
    previous = high;
  }

  if (i < size) {
    // The zero padding after the last byte ends any cut sequence with a too-short error.
    std::array<std::uint8_t, 64> tail{};
    std::memcpy(tail.data(), text + i, size - i);
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tail.data()));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tail.data() + 32));
    errors = _mm256_or_si256(errors, block_errors_avx2(low, previous, tables));
    errors = _mm256_or_si256(errors, block_errors_avx2(high, low, tables));
  } else {
    errors = _mm256_or_si256(errors, previous_incomplete);
  }
  return _mm256_testz_si256(errors, errors) != 0;
}

WSCORE_TARGET_AVX512 bool utf8_avx512(const std::uint8_t* text, std::size_t size) noexcept {
  const Avx512Tables tables{broadcast_avx512(kFirstHighTable), broadcast_avx512(kFirstLowTable),
                            broadcast_avx512(kSecondHighTable)};
  const __m512i incomplete_limits = _mm512_loadu_si512(kIncompleteLimits.data());
  __m512i previous = _mm512_setzero_si512();
  __m512i previous_incomplete = _mm512_setzero_si512();
  __m512i errors = _mm512_setzero_si512();

  std::size_t i = 0;
  for (; i + 128 <= size; i += 128) {
    const __m512i low = _mm512_loadu_si512(text + i);
    const __m512i high = _mm512_loadu_si512(text + i + 64);
    if (_mm512_movepi8_mask(_mm512_or_si512(low, high)) == 0) {
      errors = _mm512_or_si512(errors, previous_incomplete);
      previous_incomplete = _mm512_setzero_si512();
    } else {
      errors = _mm512_or_si512(errors, block_errors_avx512(low, previous, tables));
      errors = _mm512_or_si512(errors, block_errors_avx512(high, low, tables));
      previous_incomplete = _mm512_subs_epu8(high, incomplete_limits);
    }
    previous = high;
  }

  if (i < size) {
    // The last 1..127 bytes, read with masked loads (zeros past the end, no copy).
    const std::size_t left = size - i;
    const __mmask64 low_mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const __mmask64 high_mask = left <= 64    ? 0
                                : left >= 128 ? ~__mmask64{0}
                                              : (__mmask64{1} << (left - 64)) - 1;
    const __m512i low = _mm512_maskz_loadu_epi8(low_mask, text + i);
    const __m512i high = _mm512_maskz_loadu_epi8(high_mask, text + i + 64);
    if (_mm512_movepi8_mask(_mm512_or_si512(low, high)) == 0) {
      errors = _mm512_or_si512(errors, previous_incomplete);
    } else {
      errors = _mm512_or_si512(errors, block_errors_avx512(low, previous, tables));
      errors = _mm512_or_si512(errors, block_errors_avx512(high, low, tables));
    }
  } else {
    errors = _mm512_or_si512(errors, previous_incomplete);
  }
  return _mm512_test_epi64_mask(errors, errors) == 0;
}

}  // namespace wscore::detail

#endif  // WSCORE_X86_64

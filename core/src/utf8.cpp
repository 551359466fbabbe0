// SPDX-License-Identifier: MIT
// UTF-8 validation (RFC 3629 §4) for text messages and close reasons (RFC 6455 §8.1).
//
// The byte-at-a-time state machine here is the reference the vector kernels are checked
// against; it also handles whatever the vector kernels cannot see whole, such as a sequence cut
// between two pieces of a stream.
#include <array>
#include <cstdint>
#include <cstring>

#include "simd_kernels.hpp"
#include "wscore/utf8.hpp"

#if WSCORE_X86_64
#include <emmintrin.h>
#endif

namespace wscore {
namespace {

// What a lead byte promises: how many continuation bytes follow, and the range the first of
// them must fall in. Later continuation bytes are always 80..BF.
struct LeadByte {
  std::uint8_t continuations = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xBF;
};

constexpr std::uint8_t kNotALead = 0xFF;

// RFC 3629 §4, the UTF8-octets grammar:
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) / %xF4 %x80-8F 2( UTF8-tail )
// C0 and C1 could only start overlong forms, E0 80..9F and F0 80..8F would be overlong, ED A0..BF
// would be UTF-16 surrogates, and F4 90.. and F5..FF would be above U+10FFFF.
consteval std::array<LeadByte, 256> make_lead_bytes() noexcept {
  std::array<LeadByte, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    LeadByte& lead = table[byte];
    if (byte < 0x80) {
      lead.continuations = 0;
    } else if (byte < 0xC2) {
      lead.continuations = kNotALead;  // a continuation byte, or an overlong 2-byte lead
    } else if (byte < 0xE0) {
      lead.continuations = 1;
    } else if (byte < 0xF0) {
      lead.continuations = 2;
      if (byte == 0xE0) lead.second_min = 0xA0;
      if (byte == 0xED) lead.second_max = 0x9F;
    } else if (byte < 0xF5) {
      lead.continuations = 3;
      if (byte == 0xF0) lead.second_min = 0x90;
      if (byte == 0xF4) lead.second_max = 0x8F;
    } else {
      lead.continuations = kNotALead;
    }
  }
  return table;
}

constexpr std::array<LeadByte, 256> kLeadBytes = make_lead_bytes();

constexpr bool is_continuation(std::uint8_t byte) noexcept {
  return (byte & 0xC0) == 0x80;
}

// Length of the valid sequence that starts with the non-ASCII byte text[0], or 0 if it is
// invalid or cut short by the end of `text`.
std::size_t valid_sequence_length(const std::uint8_t* text, std::size_t size) noexcept {
  const LeadByte& lead = kLeadBytes[text[0]];
  if (lead.continuations == kNotALead || lead.continuations >= size) return 0;
  if (text[1] < lead.second_min || text[1] > lead.second_max) return 0;
  for (std::size_t i = 2; i <= lead.continuations; ++i) {
    if (!is_continuation(text[i])) return 0;
  }
  return std::size_t{lead.continuations} + 1;
}

// Skips chunks that `is_ascii_chunk` vouches for, and walks code points one at a time through
// any chunk that is not all ASCII.
template <std::size_t kChunkSize, typename IsAsciiChunk>
bool validate_skipping_ascii(const std::uint8_t* text, std::size_t size,
                             IsAsciiChunk is_ascii_chunk) noexcept {
  std::size_t i = 0;
  while (i < size) {
    if (size - i >= kChunkSize && is_ascii_chunk(text + i)) {
      i += kChunkSize;
      continue;
    }
    const std::size_t chunk_end = size - i > kChunkSize ? i + kChunkSize : size;
    while (i < chunk_end) {
      if (text[i] < 0x80) {
        ++i;
        continue;
      }
      const std::size_t length = valid_sequence_length(text + i, size - i);
      if (length == 0) return false;
      i += length;
    }
  }
  return true;
}

// Where the last code point of `text` (which starts on a boundary) begins, if the text stops
// before that code point ends; otherwise text.size(). An invalid lead byte counts as complete,
// so that whoever validates the prefix rejects it.
std::size_t complete_prefix_size(const std::uint8_t* text, std::size_t size) noexcept {
  // A lead byte is at most three bytes before the end of a cut sequence.
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const std::uint8_t byte = text[size - back];
    if (is_continuation(byte)) continue;
    const LeadByte& lead = kLeadBytes[byte];
    const std::size_t length = lead.continuations == kNotALead ? 1 : lead.continuations + 1u;
    return length > back ? size - back : size;
  }
  return size;
}

// Pieces shorter than this are not worth a trip through the vector kernel.
constexpr std::size_t kMinimumVectorPiece = 64;

detail::Utf8Kernel best_utf8_kernel() noexcept {
  static const detail::Utf8Kernel kernel = detail::utf8_kernel_for(detail::best_simd_level());
  return kernel;
}

}  // namespace

namespace detail {

bool utf8_scalar(const std::uint8_t* text, std::size_t size) noexcept {
  return validate_skipping_ascii<8>(text, size, [](const std::uint8_t* chunk) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, chunk, sizeof(word));
    return (word & 0x8080808080808080u) == 0;
  });
}

#if WSCORE_X86_64
bool utf8_sse2(const std::uint8_t* text, std::size_t size) noexcept {
  return validate_skipping_ascii<16>(text, size, [](const std::uint8_t* chunk) noexcept {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk));
    return _mm_movemask_epi8(bytes) == 0;
  });
}
#endif

}  // namespace detail

bool is_valid_utf8(ByteView text) noexcept {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  // Short texts (chat messages, close reasons): the word loop beats the vector kernel's setup.
  if (text.size() < kMinimumVectorPiece) return detail::utf8_scalar(bytes, text.size());
  return best_utf8_kernel()(bytes, text.size());
}

bool Utf8Validator::feed(ByteView piece) noexcept {
  if (failed_) return false;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(piece.data());
  const std::size_t size = piece.size();
  std::size_t i = 0;

  // Finish the sequence the previous piece cut, one byte at a time.
  while (pending_ != 0 && i < size) {
    if (!step(bytes[i++])) return fail();
  }

  // The bulk, up to the last code point boundary, goes through the vector kernel.
  if (size - i >= kMinimumVectorPiece) {
    const std::size_t bulk_size = complete_prefix_size(bytes + i, size - i);
    if (!best_utf8_kernel()(bytes + i, bulk_size)) return fail();
    i += bulk_size;
  }

  // A cut sequence at the end waits in the state machine, which rejects it as soon as no
  // continuation could make it valid (for example F4 90, which can only be above U+10FFFF).
  while (i < size) {
    if (!step(bytes[i++])) return fail();
  }
  return true;
}

bool Utf8Validator::step(std::uint8_t byte) noexcept {
  if (pending_ == 0) {
    if (byte < 0x80) return true;
    const LeadByte& lead = kLeadBytes[byte];
    if (lead.continuations == kNotALead) return false;
    pending_ = lead.continuations;
    next_min_ = lead.second_min;
    next_max_ = lead.second_max;
    return true;
  }
  if (byte < next_min_ || byte > next_max_) return false;
  --pending_;
  next_min_ = 0x80;
  next_max_ = 0xBF;
  return true;
}

bool Utf8Validator::fail() noexcept {
  failed_ = true;
  return false;
}

}  // namespace wscore

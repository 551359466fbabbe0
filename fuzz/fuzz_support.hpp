// SPDX-License-Identifier: MIT
// Shared by every fuzz target: failing with a message, reading choices from the input's first
// bytes, cutting a buffer into pieces, and measuring the heap where the build can.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "wscore/bytes.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSCORE_FUZZ_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WSCORE_FUZZ_HAS_ASAN 1
#endif
// g++'s sanitizer headers have no allocator_interface.h: there the heap is not measured.
#if defined(WSCORE_FUZZ_HAS_ASAN) && __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#define WSCORE_FUZZ_MEASURES_HEAP 1
#endif

// For the hot inner loops of the targets' own oracles: no coverage instrumentation (clang), as
// it would cost much of the time and tell the fuzzer about the oracle rather than the library.
#if defined(__clang__)
#define WSCORE_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define WSCORE_FUZZ_NO_COVERAGE
#endif

namespace wscore::fuzz {

// Aborts with a message: libFuzzer records the input as a crash, the replay driver fails.
[[noreturn]] inline void violated(const char* invariant) {
  std::fprintf(stderr, "invariant violated: %s\n", invariant);
  std::abort();
}

inline void check(bool condition, const char* invariant) {
  if (!condition) violated(invariant);
}

// RFC 6455 §5.5.3 as the core applies it: the Pings, in order, whose Pongs a connection that
// was never drained has queued: all of them up to 16, past that the first 15 and the latest.
template <typename Ping>
std::vector<Ping> answered_pings(std::vector<Ping> pings) {
  constexpr std::size_t max_unsent_pongs = 16;
  if (pings.size() > max_unsent_pongs) {
    pings.erase(pings.begin() + (max_unsent_pongs - 1), pings.end() - 1);
  }
  return pings;
}

// Consumes the input from the front. Past the end every read yields zeros, so that any input,
// however short, is a valid program.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return size_ ? (--size_, *data_++) : 0; }
  bool boolean() { return (byte() & 1) != 0; }
  std::uint16_t u16() {
    const std::uint16_t high = byte();
    return static_cast<std::uint16_t>((high << 8) | byte());
  }
  std::span<const std::uint8_t> take(std::size_t count) {
    count = std::min(count, size_);
    const std::span<const std::uint8_t> out(data_, count);
    data_ += count;
    size_ -= count;
    return out;
  }
  std::vector<std::byte> take_bytes(std::size_t count) {
    const auto taken = take(count);
    const auto* first = reinterpret_cast<const std::byte*>(taken.data());
    return {first, first + taken.size()};
  }
  std::span<const std::uint8_t> rest() const { return {data_, size_}; }
  std::size_t remaining() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

inline ByteView as_byte_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()};
}

// Piece sizes for feeding `total` bytes in several calls. Seed 0 means one piece; 1 means one
// byte at a time (every split point at once); other seeds give a varying pattern of 1..251.
inline std::vector<std::size_t> piece_sizes(std::size_t total, std::uint8_t seed) {
  std::vector<std::size_t> sizes;
  std::size_t at = 0;
  for (std::size_t index = 0; at < total; ++index) {
    std::size_t piece = total - at;
    if (seed == 1) piece = 1;
    if (seed > 1) piece = std::min(piece, 1 + (seed * (index + 7)) % 251);
    sizes.push_back(piece);
    at += piece;
  }
  return sizes;
}

// Bytes the process has allocated and not freed, when the build has AddressSanitizer (whose
// allocator keeps the count); nullopt otherwise, and the memory checks are skipped.
inline std::optional<std::size_t> heap_in_use() {
#if defined(WSCORE_FUZZ_MEASURES_HEAP)
  return __sanitizer_get_current_allocated_bytes();
#else
  return std::nullopt;
#endif
}

}  // namespace wscore::fuzz

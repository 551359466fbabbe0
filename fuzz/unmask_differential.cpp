// SPDX-License-Identifier: MIT
// Fuzz target: the library's masking (RFC 6455 §5.3) against a byte-at-a-time reference.
//
// Input: [key: 4 bytes] [key offset] [source alignment] [destination alignment] [split]
//        [repeat] [payload...]
//   The payload is repeated `repeat % 8 + 1` times, so that short inputs also reach the
//   256-byte loops of the vector kernels.
//
// Invariants: apply_mask, copy_masked and the kernel of every SIMD level this CPU runs
// (detail::apply_mask_at) give exactly payload[i] ^ key[(offset + i) % 4] at every alignment of
// source and destination; masking in two pieces equals masking at once; masking twice restores
// the payload; copy_masked writes min(source, destination) bytes and not one byte more; no
// kernel touches a byte outside its buffer.
#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"
#include "wscore/detail/simd.hpp"
#include "wscore/mask.hpp"

namespace wscore::fuzz {
namespace {

constexpr std::byte guard{0xA5};
constexpr std::size_t slack = 128;  // guard bytes on each side, and room for any alignment

std::vector<std::byte> reference_mask(ByteView payload, MaskKey key, std::size_t offset) {
  std::vector<std::byte> out(payload.size());
  for (std::size_t i = 0; i < payload.size(); ++i)
    out[i] = payload[i] ^ key[(offset + i) % 4];
  return out;
}

// A buffer whose data starts `alignment` bytes past a 64-byte boundary, with guard bytes all
// around it.
class GuardedBuffer {
 public:
  GuardedBuffer(std::size_t size, std::size_t alignment) : storage_(size + 3 * slack, guard) {
    const auto address = reinterpret_cast<std::uintptr_t>(storage_.data() + slack);
    begin_ = slack + (64 - address % 64) % 64 + alignment % 64;
    size_ = size;
  }
  MutableByteView data() { return {storage_.data() + begin_, size_}; }
  void fill(ByteView bytes) { std::copy(bytes.begin(), bytes.end(), data().begin()); }
  bool guards_intact() const {
    const auto is_guard = [](std::byte b) { return b == guard; };
    return std::all_of(storage_.begin(), storage_.begin() + static_cast<std::ptrdiff_t>(begin_),
                       is_guard) &&
           std::all_of(storage_.begin() + static_cast<std::ptrdiff_t>(begin_ + size_),
                       storage_.end(), is_guard);
  }

 private:
  std::vector<std::byte> storage_;
  std::size_t begin_ = 0;
  std::size_t size_ = 0;
};

bool equal(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  InputReader input(data, size);
  MaskKey key;
  for (auto& b : key)
    b = std::byte{input.byte()};
  const std::size_t offset = input.byte();
  const std::size_t source_alignment = input.byte() % 64;
  const std::size_t destination_alignment = input.byte() % 64;
  const std::size_t split_seed = input.byte();
  const std::size_t repeat = input.byte() % 8 + 1;
  std::vector<std::byte> payload;
  const ByteView unit = as_byte_view(input.rest());
  for (std::size_t i = 0; i < repeat; ++i)
    payload.insert(payload.end(), unit.begin(), unit.end());
  const std::vector<std::byte> expected = reference_mask(payload, key, offset);

  // In place, at the source alignment.
  GuardedBuffer in_place(payload.size(), source_alignment);
  in_place.fill(payload);
  apply_mask(in_place.data(), key, offset);
  check(equal(in_place.data(), expected), "apply_mask matches the reference");
  apply_mask(in_place.data(), key, offset);
  check(equal(in_place.data(), payload), "masking twice restores the payload");
  check(in_place.guards_intact(), "apply_mask stays inside its buffer");

  // In two pieces: the second piece starts `split` bytes into the payload.
  const std::size_t split = payload.empty() ? 0 : (split_seed * 37) % (payload.size() + 1);
  GuardedBuffer pieces(payload.size(), source_alignment);
  pieces.fill(payload);
  apply_mask(pieces.data().first(split), key, offset);
  apply_mask(pieces.data().subspan(split), key, offset + split);
  check(equal(pieces.data(), expected), "masking in pieces matches masking at once");
  check(pieces.guards_intact(), "apply_mask in pieces stays inside its buffer");

  // Every SIMD level, in place.
  for (const detail::SimdLevel level : detail::supported_simd_levels()) {
    GuardedBuffer buffer(payload.size(), source_alignment);
    buffer.fill(payload);
    detail::apply_mask_at(level, buffer.data(), key, offset);
    check(equal(buffer.data(), expected), "every SIMD level matches the reference");
    check(buffer.guards_intact(), "every SIMD level stays inside its buffer");
  }

  // A level the CPU cannot run falls back to scalar instead of faulting.
  GuardedBuffer fallback(payload.size(), source_alignment);
  fallback.fill(payload);
  detail::apply_mask_at(static_cast<detail::SimdLevel>(99), fallback.data(), key, offset);
  check(equal(fallback.data(), expected) && fallback.guards_intact(), "unknown levels fall back");

  // Copying, from one alignment to another, into destinations of three sizes.
  GuardedBuffer source(payload.size(), source_alignment);
  source.fill(payload);
  for (const std::size_t destination_size :
       {payload.size(), payload.size() / 2, payload.size() + 7}) {
    GuardedBuffer destination(destination_size, destination_alignment);
    std::fill(destination.data().begin(), destination.data().end(), std::byte{0x3C});
    copy_masked(source.data(), destination.data(), key, offset);
    const std::size_t written = std::min(payload.size(), destination_size);
    check(equal(destination.data().first(written), ByteView(expected).first(written)),
          "copy_masked matches the reference");
    const auto untouched = destination.data().subspan(written);
    check(std::all_of(untouched.begin(), untouched.end(),
                      [](std::byte b) { return b == std::byte{0x3C}; }),
          "copy_masked writes only min(source, destination) bytes");
    check(destination.guards_intact(), "copy_masked stays inside its buffer");
  }
  check(equal(source.data(), payload) && source.guards_intact(),
        "copy_masked leaves its source alone");
  return 0;
}

// SPDX-License-Identifier: MIT
// Fuzz target: the library's UTF-8 validation against the reference in reference_utf8.hpp.
//
// Input: [layout] [piece seed] [bytes...]
//   layout bits 0-5: where the text starts relative to a 64-byte boundary; bits 6-7: the text
//   is the bytes (0), the bytes after a run of ASCII that moves them across vector blocks (1),
//   the bytes repeated to a few hundred bytes (2), or the bytes between two ASCII runs (3).
//
// Invariants: is_valid_utf8 and the kernel of every SIMD level this CPU runs
// (detail::is_valid_utf8_at, and a level it cannot run, which falls back to scalar) agree with
// the reference, at every alignment, on the whole text
// and on a prefix cut at an arbitrary byte; the incremental Utf8Validator fed in pieces fails
// exactly when the text so far stops being the start of valid UTF-8 (it fails fast, RFC 6455
// §8.1) and is complete exactly when the text so far is valid.
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "wscore/detail/simd.hpp"
#include "wscore/utf8.hpp"

namespace wscore::fuzz {
namespace {

std::vector<std::byte> build_text(std::uint8_t layout, ByteView bytes) {
  const std::size_t ascii_run = 63 + (layout & 0x3F);
  std::vector<std::byte> text;
  switch (layout >> 6) {
    case 0:
      text.assign(bytes.begin(), bytes.end());
      break;
    case 1:
      text.assign(ascii_run, std::byte{'a'});
      text.insert(text.end(), bytes.begin(), bytes.end());
      break;
    case 2:
      for (std::size_t copies = 0; copies < 16 && (copies == 0 || text.size() < 300); ++copies) {
        text.insert(text.end(), bytes.begin(), bytes.end());
      }
      break;
    default:
      text.assign(ascii_run, std::byte{'b'});
      text.insert(text.end(), bytes.begin(), bytes.end());
      text.insert(text.end(), 2 * ascii_run, std::byte{'c'});
      break;
  }
  return text;
}

// Every validator of whole texts, with `text` copied to `alignment` bytes past a 64-byte
// boundary.
void check_whole(ByteView text, std::size_t alignment) {
  const bool expected = ReferenceUtf8::is_valid(text);
  check(is_valid_utf8(text) == expected, "is_valid_utf8 agrees with the reference");
  std::vector<std::byte> buffer(text.size() + 128);
  const auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
  std::byte* start = buffer.data() + (64 - address % 64) % 64 + alignment;
  if (!text.empty()) std::memcpy(start, text.data(), text.size());
  const ByteView placed(start, text.size());
  check(is_valid_utf8(placed) == expected, "is_valid_utf8 does not depend on alignment");
  for (const detail::SimdLevel level : detail::supported_simd_levels()) {
    check(detail::simd_level_name(level) != nullptr, "every level has a name");
    check(detail::is_valid_utf8_at(level, placed) == expected,
          "every SIMD level agrees with the reference");
  }
  // A level the CPU cannot run falls back to scalar instead of faulting.
  const auto unknown_level = static_cast<detail::SimdLevel>(99);
  check(detail::is_valid_utf8_at(unknown_level, placed) == expected, "unknown levels fall back");
  check(detail::simd_level_name(unknown_level) != nullptr, "unknown levels have a name");
}

void check_incremental(ByteView text, std::uint8_t seed) {
  Utf8Validator validator;
  ReferenceUtf8 reference;
  std::size_t at = 0;
  for (const std::size_t piece : piece_sizes(text.size(), seed)) {
    const ByteView bytes = text.subspan(at, piece);
    at += piece;
    const bool expected = reference.feed(bytes);
    check(validator.feed(bytes) == expected,
          "the validator fails exactly when no valid text "
          "starts with the bytes so far");
    check(validator.failed() == reference.failed(), "failed() agrees");
    check(validator.complete() == reference.complete(), "complete() agrees");
  }
  validator.reset();
  check(!validator.failed() && validator.complete(), "reset() starts afresh");
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore::fuzz;
  InputReader input(data, size);
  const std::uint8_t layout = input.byte();
  const std::uint8_t seed = input.byte();
  const std::vector<std::byte> text = build_text(layout, as_byte_view(input.rest()));
  const wscore::ByteView view(text);

  check_whole(view, layout & 0x3F);
  check_whole(view.first(text.empty() ? 0 : (seed * 131u) % (text.size() + 1)), 0);
  check_incremental(view, 0);
  check_incremental(view, seed);
  return 0;
}

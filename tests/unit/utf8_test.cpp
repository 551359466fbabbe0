// SPDX-License-Identifier: MIT
// UTF-8 validation (RFC 3629 §4, required by RFC 6455 §8.1) at every SIMD level and through the
// incremental validator at every split. The cases follow Markus Kuhn's "UTF-8 decoder
// capability and stress test", built here from its section descriptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/detail/simd.hpp"
#include "wscore/utf8.hpp"

namespace wscore {
namespace {

using detail::SimdLevel;
using Bytes = std::vector<std::uint8_t>;

ByteView view(const Bytes& bytes) {
  return {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()};
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes joined;
  for (const Bytes& part : parts)
    joined.insert(joined.end(), part.begin(), part.end());
  return joined;
}

// Encodes `code_point` in exactly `length` bytes with the original (RFC 2279) bit layout, so
// that overlong, surrogate, 5-byte and 6-byte forms can be built as easily as valid ones.
Bytes encode(std::uint32_t code_point, int length) {
  if (length == 1) return {static_cast<std::uint8_t>(code_point)};
  Bytes bytes(static_cast<std::size_t>(length));
  const unsigned lead_marker = (0xFF00u >> length) & 0xFFu;  // `length` one bits, then a zero
  bytes[0] = static_cast<std::uint8_t>(lead_marker | (code_point >> (6 * (length - 1))));
  for (int i = 1; i < length; ++i) {
    bytes[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(0x80 | ((code_point >> (6 * (length - 1 - i))) & 0x3F));
  }
  return bytes;
}

// The shortest form, the only valid one (RFC 3629 §3).
Bytes utf8(std::uint32_t code_point) {
  if (code_point < 0x80) return encode(code_point, 1);
  if (code_point < 0x800) return encode(code_point, 2);
  if (code_point < 0x10000) return encode(code_point, 3);
  return encode(code_point, 4);
}

// --- Reference --------------------------------------------------------------------------------

struct ReferenceVerdict {
  // Index of the first byte after which no continuation could make the text valid, or the
  // text's size if there is none.
  std::size_t first_impossible_byte = 0;
  // True if the whole text is valid and ends on a code point boundary.
  bool complete = false;
};

// Whether a sequence of `length` bytes whose first `seen` bytes carry the payload bits `bits`
// can still end as a valid scalar value: the code points it could become must meet the range
// its length may encode (RFC 3629 §3), outside the surrogates U+D800..U+DFFF.
bool can_still_be_valid(std::uint64_t bits, int seen, int length) {
  constexpr std::uint64_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  constexpr std::uint64_t kMaximum[] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  const int missing_bits = 6 * (length - seen);
  const std::uint64_t lowest = std::max(bits << missing_bits, kMinimum[length]);
  const std::uint64_t highest = std::min<std::uint64_t>(
      (bits << missing_bits) | ((1ull << missing_bits) - 1), kMaximum[length]);
  if (lowest > highest) return false;
  return !(lowest >= 0xD800 && highest <= 0xDFFF);
}

// Decodes one byte at a time, checking after every byte whether the text can still be valid.
ReferenceVerdict reference_validate(const Bytes& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::uint8_t lead = text[i];
    int length = 0;
    std::uint64_t bits = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      bits = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      bits = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      bits = lead & 0x07;
    } else {
      return {i, false};  // a continuation byte, or a 5-byte, 6-byte or impossible lead
    }
    for (int seen = 1;; ++seen) {
      if (!can_still_be_valid(bits, seen, length)) return {i + std::size_t(seen) - 1, false};
      if (seen == length) break;
      if (i + std::size_t(seen) == text.size()) return {text.size(), false};
      const std::uint8_t next = text[i + std::size_t(seen)];
      if ((next & 0xC0) != 0x80) return {i + std::size_t(seen), false};
      bits = (bits << 6) | (next & 0x3F);
    }
    i += std::size_t(length);
  }
  return {text.size(), true};
}

// --- Fillers that put a case at every position in a vector ------------------------------------

// Valid text of exactly `size` bytes, mixing 1- to 4-byte code points so that the bytes around
// an embedded case vary with its offset.
Bytes mixed_text(std::size_t size) {
  const std::uint32_t by_length[5] = {0, 'x', 0xE9, 0x20AC, 0x1F600};
  const std::uint32_t alternates[5] = {0, 'Q', 0x7FF, 0xFFFD, 0x10FFFF};
  const int cycle[] = {2, 3, 1, 4, 3, 2, 1, 1, 4};
  Bytes text;
  for (std::size_t i = 0; text.size() < size; ++i) {
    const int length = std::min<int>(cycle[i % std::size(cycle)], int(size - text.size()));
    const Bytes character = utf8(i % 2 == 0 ? by_length[length] : alternates[length]);
    text.insert(text.end(), character.begin(), character.end());
  }
  return text;
}

Bytes ascii_text(std::size_t size) {
  Bytes text(size);
  for (std::size_t i = 0; i < size; ++i)
    text[i] = static_cast<std::uint8_t>('a' + i % 26);
  return text;
}

// --- Checks -----------------------------------------------------------------------------------

// Feeds `text` in pieces that end at `ends` (ascending, last == size) and checks that feed()
// fails exactly on the piece holding the first impossible byte, and complete() at the end.
void expect_validator_verdict(const Bytes& text, const std::vector<std::size_t>& ends,
                              const ReferenceVerdict& verdict) {
  Utf8Validator validator;
  std::size_t begin = 0;
  for (std::size_t end : ends) {
    const bool holds_impossible_byte = verdict.first_impossible_byte < end;
    const Bytes piece(text.begin() + std::ptrdiff_t(begin), text.begin() + std::ptrdiff_t(end));
    ASSERT_EQ(validator.feed(view(piece)), !holds_impossible_byte)
        << "piece " << begin << ".." << end << ", first impossible byte at "
        << verdict.first_impossible_byte;
    ASSERT_EQ(validator.failed(), holds_impossible_byte);
    begin = end;
  }
  EXPECT_EQ(validator.complete(), verdict.complete);
}

std::vector<std::size_t> pieces_of_size(std::size_t text_size, std::size_t piece_size) {
  std::vector<std::size_t> ends;
  for (std::size_t end = piece_size; end < text_size; end += piece_size)
    ends.push_back(end);
  ends.push_back(text_size);
  return ends;
}

void expect_every_level(const Bytes& text, bool valid) {
  for (SimdLevel level : detail::supported_simd_levels()) {
    ASSERT_EQ(detail::is_valid_utf8_at(level, view(text)), valid) << detail::simd_level_name(level);
  }
  ASSERT_EQ(is_valid_utf8(view(text)), valid);
}

// Checks one case alone (every level, the validator in 1-byte pieces and at every 2-way split)
// and embedded at every offset 0..129 in ASCII and in mixed text, so that each vector kernel
// sees it at every position within a vector and across the boundary of two.
void expect_utf8(const Bytes& text, bool valid) {
  const ReferenceVerdict verdict = reference_validate(text);
  ASSERT_EQ(verdict.complete, valid) << "the reference disagrees with the case";

  expect_every_level(text, valid);
  expect_validator_verdict(text, {text.size()}, verdict);
  expect_validator_verdict(text, pieces_of_size(text.size(), 1), verdict);
  for (std::size_t split = 0; split <= text.size(); ++split) {
    expect_validator_verdict(text, {split, text.size()}, verdict);
  }

  for (std::size_t offset = 0; offset < 130; ++offset) {
    for (bool mixed : {false, true}) {
      SCOPED_TRACE((mixed ? "mixed text, offset " : "ASCII text, offset ") +
                   std::to_string(offset));
      const Bytes embedded = mixed ? concat({mixed_text(offset), text, mixed_text(150)})
                                   : concat({ascii_text(offset), text, ascii_text(150)});
      const ReferenceVerdict embedded_verdict = reference_validate(embedded);
      ASSERT_EQ(embedded_verdict.complete, valid);
      expect_every_level(embedded, valid);
      expect_validator_verdict(embedded, {embedded.size()}, embedded_verdict);
      expect_validator_verdict(embedded, {offset + 1, embedded.size()}, embedded_verdict);
      expect_validator_verdict(embedded, {offset + text.size() / 2, embedded.size()},
                               embedded_verdict);
      expect_validator_verdict(embedded, pieces_of_size(embedded.size(), 67), embedded_verdict);
    }
  }
}

void expect_each_utf8(const std::vector<Bytes>& cases, bool valid) {
  for (const Bytes& text : cases) {
    std::string hex;
    for (std::uint8_t byte : text) {
      hex += ' ';
      hex += std::to_string(byte);
    }
    SCOPED_TRACE("bytes:" + hex);
    expect_utf8(text, valid);
  }
}

// --- Kuhn's stress test -----------------------------------------------------------------------

// Section 1: "κόσμε".
TEST(Utf8, Rfc3629Section4_AcceptsGreekSample) {
  expect_utf8(concat({utf8(0x3BA), utf8(0x1F79), utf8(0x3C3), utf8(0x3BC), utf8(0x3B5)}), true);
}

// Sections 2.1 and 2.2: the first and last code point of each valid length.
TEST(Utf8, Rfc3629Section4_AcceptsFirstAndLastCodePointOfEachLength) {
  expect_each_utf8({utf8(0x0), utf8(0x80), utf8(0x800), utf8(0x10000), utf8(0x7F), utf8(0x7FF),
                    utf8(0xFFFF), utf8(0x10FFFF)},
                   true);
}

// Section 2.3 and 5.3: the edges of the surrogate gap, the replacement character, and the
// noncharacters U+FFFE and U+FFFF, which are valid UTF-8.
TEST(Utf8, Rfc3629Section4_AcceptsOtherBoundaryCodePoints) {
  expect_each_utf8({utf8(0xD7FF), utf8(0xE000), utf8(0xFFFD), utf8(0xFFFE), utf8(0x10FFFF)}, true);
}

// Sections 2.1 and 2.2: first and last 5- and 6-byte sequences (RFC 3629 §3 removed them).
TEST(Utf8, Rfc3629Section4_RejectsFiveAndSixByteForms) {
  expect_each_utf8(
      {encode(0x200000, 5), encode(0x4000000, 6), encode(0x3FFFFFF, 5), encode(0x7FFFFFFF, 6)},
      false);
}

// Section 2.2 and 2.3: 4-byte forms above U+10FFFF.
TEST(Utf8, Rfc3629Section4_RejectsAboveU10FFFF) {
  expect_each_utf8(
      {encode(0x110000, 4), encode(0x13FFFF, 4), encode(0x140000, 4), encode(0x1FFFFF, 4)}, false);
}

// Section 3.1: continuation bytes with no lead, alone and in runs of 2 to 7, all 64 in a row,
// and one too many after a complete sequence.
TEST(Utf8, Rfc3629Section4_RejectsUnexpectedContinuationBytes) {
  std::vector<Bytes> cases = {
      {0x80}, {0xBF}, {0xC2, 0x80, 0x80}, {0xE2, 0x82, 0xAC, 0xBF}, {0xF0, 0x9F, 0x98, 0x80, 0x80}};
  for (std::size_t run = 2; run <= 7; ++run) {
    Bytes continuations;
    for (std::size_t i = 0; i < run; ++i)
      continuations.push_back(i % 2 == 0 ? 0x80 : 0xBF);
    cases.push_back(continuations);
  }
  Bytes all_continuations;
  for (unsigned byte = 0x80; byte <= 0xBF; ++byte)
    all_continuations.push_back(std::uint8_t(byte));
  cases.push_back(all_continuations);
  expect_each_utf8(cases, false);
}

// Section 3.2: every lead byte followed by a space, alone and all in a row.
TEST(Utf8, Rfc3629Section4_RejectsLonelyStartBytes) {
  std::vector<Bytes> cases;
  Bytes all_in_a_row;
  for (unsigned lead = 0xC0; lead <= 0xFD; ++lead) {
    cases.push_back({std::uint8_t(lead), ' '});
    all_in_a_row.insert(all_in_a_row.end(), {std::uint8_t(lead), ' '});
  }
  cases.push_back(all_in_a_row);
  expect_each_utf8(cases, false);
}

// Sections 3.3 and 3.4: the first and last sequence of each length with the last continuation
// byte missing, alone and all ten in a row.
TEST(Utf8, Rfc3629Section4_RejectsTruncatedSequences) {
  const std::uint32_t first_of_length[] = {0x80, 0x800, 0x10000, 0x200000, 0x4000000};
  const std::uint32_t last_of_length[] = {0x7FF, 0xFFFF, 0x1FFFFF, 0x3FFFFFF, 0x7FFFFFFF};
  std::vector<Bytes> cases;
  Bytes all_in_a_row;
  for (const auto* code_points : {first_of_length, last_of_length}) {
    for (int length = 2; length <= 6; ++length) {
      Bytes truncated = encode(code_points[length - 2], length);
      truncated.pop_back();
      all_in_a_row.insert(all_in_a_row.end(), truncated.begin(), truncated.end());
      cases.push_back(truncated);
    }
  }
  cases.push_back(all_in_a_row);
  expect_each_utf8(cases, false);
}

// Section 3.5: FE and FF can never appear.
TEST(Utf8, Rfc3629Section4_RejectsImpossibleBytes) {
  expect_each_utf8({{0xFE}, {0xFF}, {0xFE, 0xFE, 0xFF, 0xFF}}, false);
}

// Section 4.1: '/' in every longer form.
TEST(Utf8, Rfc3629Section4_RejectsOverlongSlash) {
  expect_each_utf8({encode('/', 2), encode('/', 3), encode('/', 4), encode('/', 5), encode('/', 6)},
                   false);
}

// Section 4.2: the largest code point that is still overlong for each length.
TEST(Utf8, Rfc3629Section4_RejectsMaximumOverlongs) {
  expect_each_utf8({encode(0x7F, 2), encode(0x7FF, 3), encode(0xFFFF, 4), encode(0x1FFFFF, 5),
                    encode(0x3FFFFFF, 6)},
                   false);
}

// Section 4.3: NUL in every longer form.
TEST(Utf8, Rfc3629Section4_RejectsOverlongNul) {
  expect_each_utf8({encode(0, 2), encode(0, 3), encode(0, 4), encode(0, 5), encode(0, 6)}, false);
}

// Sections 5.1 and 5.2: UTF-16 surrogates, single and paired, are not scalar values.
TEST(Utf8, Rfc3629Section4_RejectsSurrogates) {
  const std::uint32_t high[] = {0xD800, 0xDB7F, 0xDB80, 0xDBFF};
  const std::uint32_t low[] = {0xDC00, 0xDFFF};
  std::vector<Bytes> cases;
  for (std::uint32_t single : {0xD800u, 0xDB7Fu, 0xDB80u, 0xDBFFu, 0xDC00u, 0xDF80u, 0xDFFFu}) {
    cases.push_back(encode(single, 3));
  }
  for (std::uint32_t first : high) {
    for (std::uint32_t second : low)
      cases.push_back(concat({encode(first, 3), encode(second, 3)}));
  }
  expect_each_utf8(cases, false);
}

// --- The incremental validator ----------------------------------------------------------------

// RFC 6455 §8.1: an endpoint fails the connection as soon as text is known to be invalid, which
// for a cut sequence can be before the sequence ends.
TEST(Utf8, Rfc6455Section8_1_ValidatorFailsAtTheFirstImpossibleByte) {
  for (const Bytes& prefix : {Bytes{}, ascii_text(200), mixed_text(201)}) {
    for (const Bytes& impossible : {Bytes{0xF4, 0x90}, Bytes{0xED, 0xA0}, Bytes{0xE0, 0x80},
                                    Bytes{0xF0, 0x80}, Bytes{0xC0}, Bytes{0xC1}, Bytes{0xF5}}) {
      Utf8Validator validator;
      EXPECT_FALSE(validator.feed(view(concat({prefix, impossible}))));
      EXPECT_TRUE(validator.failed());
      EXPECT_FALSE(validator.complete());
    }
  }
}

TEST(Utf8, Rfc6455Section8_1_ValidatorHoldsAValidIncompleteTail) {
  for (const Bytes& prefix : {Bytes{}, ascii_text(200), mixed_text(201)}) {
    Utf8Validator validator;
    ASSERT_TRUE(validator.feed(view(concat({prefix, {0xE2, 0x82}}))));  // first 2 bytes of €
    EXPECT_FALSE(validator.failed());
    EXPECT_FALSE(validator.complete());
    ASSERT_TRUE(validator.feed(view(concat({{0xAC}, mixed_text(100), {0xF0, 0x9F}}))));
    EXPECT_FALSE(validator.complete());
    ASSERT_TRUE(validator.feed(view(Bytes{0x98})));
    ASSERT_TRUE(validator.feed(view(Bytes{0x80})));
    EXPECT_TRUE(validator.complete());
  }
}

TEST(Utf8, Rfc6455Section8_1_ValidatorStaysFailedUntilReset) {
  Utf8Validator validator;
  EXPECT_FALSE(validator.feed(view(Bytes{0xFF})));
  EXPECT_FALSE(validator.feed(view(ascii_text(10))));
  EXPECT_TRUE(validator.failed());
  validator.reset();
  EXPECT_TRUE(validator.complete());
  EXPECT_TRUE(validator.feed(view(ascii_text(10))));
  EXPECT_TRUE(validator.complete());
}

TEST(Utf8, Rfc6455Section8_1_EmptyTextIsValid) {
  expect_every_level({}, true);
  Utf8Validator validator;
  EXPECT_TRUE(validator.feed({}));
  EXPECT_TRUE(validator.complete());
}

// --- Exhaustive and random differential checks ------------------------------------------------

// Every byte pair, placed at a different offset of a 128-byte buffer each time.
TEST(Utf8, Rfc3629Section4_EveryBytePairMatchesReference) {
  for (unsigned pair = 0; pair < 0x10000; ++pair) {
    const std::size_t offset = pair % 97;
    const Bytes text = concat({ascii_text(offset),
                               {std::uint8_t(pair >> 8), std::uint8_t(pair & 0xFF)},
                               ascii_text(126 - offset)});
    expect_every_level(text, reference_validate(text).complete);
  }
}

// Every 3- and 4-byte lead with every second byte, and later bytes from the edges of the
// ranges that matter (ASCII, 80, 8F/90, 9F/A0, BF, leads).
TEST(Utf8, Rfc3629Section4_EveryLongLeadAndSecondByteMatchesReference) {
  const std::uint8_t third_bytes[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xFF};
  const std::uint8_t fourth_bytes[] = {0x41, 0x80, 0xBF, 0xC2};
  std::vector<Bytes> prefixes;
  for (std::size_t offset = 0; offset < 61; ++offset)
    prefixes.push_back(mixed_text(offset));
  const Bytes suffix = ascii_text(64);
  std::size_t count = 0;
  Bytes text;
  for (unsigned lead = 0xE0; lead <= 0xFF; ++lead) {
    const std::size_t fourth_count = lead < 0xF0 ? 1 : std::size(fourth_bytes);
    for (unsigned second = 0; second <= 0xFF; ++second) {
      for (std::uint8_t third : third_bytes) {
        for (std::size_t fourth = 0; fourth < fourth_count; ++fourth) {
          const Bytes& prefix = prefixes[count++ % prefixes.size()];
          text.assign(prefix.begin(), prefix.end());
          text.insert(text.end(), {std::uint8_t(lead), std::uint8_t(second), third});
          if (lead >= 0xF0) text.push_back(fourth_bytes[fourth]);
          text.insert(text.end(), suffix.begin(), suffix.end());
          expect_every_level(text, reference_validate(text).complete);
        }
      }
    }
  }
}

// Valid text of random code points (weighted to boundaries), sometimes corrupted once, fed in
// random pieces: every level and the validator agree with the reference, and the validator
// fails on exactly the piece that holds the first impossible byte.
TEST(Utf8, Rfc3629Section4_RandomTextMatchesReference) {
  std::mt19937_64 random(0x5eed);
  const std::uint32_t edges[] = {0x0,    0x7F,   0x80,   0x7FF,   0x800,    0xD7FF,
                                 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF, 0x3B1};
  auto below = [&random](std::uint64_t bound) { return std::size_t(random() % bound); };
  for (int round = 0; round < 4000; ++round) {
    Bytes text;
    const std::size_t target_size = below(round % 10 == 0 ? 3000 : 300);
    const std::size_t ascii_weight = below(4);  // from all non-ASCII to mostly ASCII
    while (text.size() < target_size) {
      Bytes character;
      if (below(4) < ascii_weight) {
        character = utf8(std::uint32_t(0x20 + below(0x5F)));
      } else if (below(3) == 0) {
        character = utf8(edges[below(std::size(edges))]);
      } else {
        std::uint32_t code_point = std::uint32_t(below(0x110000));
        if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point -= 0x800;
        character = utf8(code_point);
      }
      text.insert(text.end(), character.begin(), character.end());
    }
    if (!text.empty() && below(2) == 0) {
      const std::size_t at = below(text.size());
      switch (below(4)) {
        case 0:
          text[at] = std::uint8_t(random());
          break;
        case 1:
          text.erase(text.begin() + std::ptrdiff_t(at));
          break;
        case 2:
          text.insert(text.begin() + std::ptrdiff_t(at), std::uint8_t(0x80 + below(0x80)));
          break;
        default:
          text.resize(at);
          break;
      }
    }

    const ReferenceVerdict verdict = reference_validate(text);
    expect_every_level(text, verdict.complete);
    std::vector<std::size_t> ends;
    for (std::size_t end = below(150); end < text.size(); end += 1 + below(150)) {
      ends.push_back(end);
    }
    ends.push_back(text.size());
    expect_validator_verdict(text, ends, verdict);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace wscore

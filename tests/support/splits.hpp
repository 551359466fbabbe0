// SPDX-License-Identifier: MIT
// Test support: the splits every parser test replays its input at (STYLE.md: "Every parser test is
// replayed at every split of its input"), defined once: the whole input in one piece, one byte at a
// time, and every 2-way split, including the ones with an empty first or last piece. An
// incremental parser must give the same outcome for each; replay_every_split checks that.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wscore::test {

// One way of cutting an input into pieces.
struct Split {
  enum class Kind { whole, bytewise, two_way };
  Kind kind = Kind::whole;
  std::size_t cut = 0;  // two_way: the size of the first piece
};

// Calls `visit(split)` for every split of an input of `size` bytes, in the order above (the 2-way
// ones by the size of the first piece, 0 to `size`); stops early if `visit` returns false.
template <class Visit>
void for_each_split(std::size_t size, Visit visit) {
  if (!visit(Split{Split::Kind::whole})) return;
  if (!visit(Split{Split::Kind::bytewise})) return;
  for (std::size_t cut = 0; cut <= size; ++cut) {
    if (!visit(Split{Split::Kind::two_way, cut})) return;
  }
}

// The pieces `split` cuts `input` into, as views of it (std::string_view or a std::span).
template <class View>
std::vector<View> pieces_of(View input, const Split& split) {
  switch (split.kind) {
    case Split::Kind::whole:
      return {input};
    case Split::Kind::bytewise: {
      std::vector<View> pieces;
      pieces.reserve(input.size());
      for (std::size_t at = 0; at < input.size(); ++at)
        pieces.push_back(View(input.data() + at, 1));
      return pieces;
    }
    case Split::Kind::two_way:
      return {View(input.data(), split.cut),
              View(input.data() + split.cut, input.size() - split.cut)};
  }
  return {};
}

// "the whole input", "one byte at a time", "2 pieces of 3 and 8 bytes".
inline std::string describe_split(const Split& split, std::size_t input_size) {
  switch (split.kind) {
    case Split::Kind::whole:
      return "the whole input";
    case Split::Kind::bytewise:
      return "one byte at a time";
    case Split::Kind::two_way:
      return "2 pieces of " + std::to_string(split.cut) + " and " +
             std::to_string(input_size - split.cut) + " bytes";
  }
  return "?";
}

// Returns its argument: the outcomes compare as they are.
struct AsIs {
  template <class Outcome>
  const Outcome& operator()(const Outcome& outcome) const {
    return outcome;
  }
};

// Runs `replay(pieces)` on every split of `input` (`pieces` a std::vector<View>) and expects
// `comparable(outcome)` of each to equal that of the whole input's outcome; reports the first
// split that differs, stops there, and returns the whole input's outcome. `comparable` is for
// outcomes of which only a part must not depend on the split (see trace_at_every_split).
template <class View, class Replay, class Comparable = AsIs>
auto replay_every_split(View input, Replay replay, Comparable comparable = {}) {
  const auto whole = replay(pieces_of(input, Split{Split::Kind::whole}));
  const auto expected = comparable(whole);
  for_each_split(input.size(), [&](const Split& split) {
    if (split.kind == Split::Kind::whole) return true;
    const auto outcome = comparable(replay(pieces_of(input, split)));
    if (outcome == expected) return true;
    ADD_FAILURE() << describe_split(split, input.size()) << " gives "
                  << testing::PrintToString(outcome) << " but the whole input gives "
                  << testing::PrintToString(expected);
    return false;
  });
  return whole;
}

}  // namespace wscore::test

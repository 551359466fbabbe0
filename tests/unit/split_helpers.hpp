// Replays a parser's input at every split point: the whole input, 1-byte pieces, and every
// 2-way split (including the empty first and last piece). An incremental parser must give the
// same outcome for all of them.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wscore::test {

// Calls `visit(pieces)` for every split of `input`; stops early if `visit` returns false.
template <class Visit>
void for_each_split(std::string_view input, Visit visit) {
  if (!visit(std::vector<std::string_view>{input})) return;
  std::vector<std::string_view> bytes;
  bytes.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(input.substr(i, 1));
  if (!visit(bytes)) return;
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    if (!visit(std::vector<std::string_view>{input.substr(0, cut), input.substr(cut)})) return;
  }
}

inline std::string describe_split(const std::vector<std::string_view>& pieces) {
  std::string description = std::to_string(pieces.size()) + " piece(s) of sizes";
  for (std::size_t i = 0; i < pieces.size() && i < 4; ++i) {
    description += ' ' + std::to_string(pieces[i].size());
  }
  if (pieces.size() > 4) description += " ...";
  return description;
}

// Runs `replay(pieces)` on every split, expects each outcome to equal the outcome of the whole
// input (reporting the first split that differs), and returns that outcome.
template <class Replay>
auto replay_every_split(std::string_view input, Replay replay) {
  const auto whole = replay(std::vector<std::string_view>{input});
  for_each_split(input, [&](const std::vector<std::string_view>& pieces) {
    const auto outcome = replay(pieces);
    if (outcome == whole) return true;
    ADD_FAILURE() << "split into " << describe_split(pieces) << " gives "
                  << testing::PrintToString(outcome) << " but the whole input gives "
                  << testing::PrintToString(whole);
    return false;
  });
  return whole;
}

// Protocol traces are written with "\n" line ends for readability; the wire uses CRLF.
inline std::string crlf(std::string_view text) {
  std::string wire;
  for (const char c : text) {
    if (c == '\n') wire += '\r';
    wire += c;
  }
  return wire;
}

// Replaces the line of header `name` (matched case-sensitively, first occurrence) in the CRLF
// head `head` with `lines` (CRLF-separated, without the final CRLF); empty `lines` removes it.
inline std::string replace_header(std::string head, std::string_view name, std::string_view lines) {
  const std::size_t begin = head.find("\r\n" + std::string(name) + ":") + 2;
  const std::size_t end = head.find("\r\n", begin) + 2;
  head.replace(begin, end - begin, lines.empty() ? "" : std::string(lines) + "\r\n");
  return head;
}

// Adds `lines` after the last header of the CRLF head `head`.
inline std::string add_headers(std::string head, std::string_view lines) {
  head.insert(head.size() - 2, std::string(lines) + "\r\n");
  return head;
}

}  // namespace wscore::test

// SPDX-License-Identifier: MIT
// A deliberately simple DEFLATE decoder (RFC 1951) with the message framing of permessage-deflate
// (RFC 7692 §7.2.2), the oracle the inflate target checks the library against.
//
// It shares nothing with zlib: it reads the stream a bit at a time and decodes Huffman codes from
// their canonical counts (RFC 1951 §3.2.2, as zlib's contrib/puff does). It keeps every byte of
// the stream that it has not decoded yet, so it can stop at any bit and go on when more bytes
// come, as the library must when a message arrives in pieces.
//
// Where RFC 1951 leaves a choice, it decides as zlib's inflate does, so that the two agree byte
// for byte and on the bit at which a stream turns out invalid: an incomplete code is allowed
// only as a single one-bit code, whose other bit is an invalid code; a code whose lengths are all
// zero is allowed and fails when used (for the code-length code, zlib reads each length as a
// zero from one bit); a block without an end-of-block code fails once its header is read;
// literal/length symbols 286-287 and distance symbols 30-31 are invalid; length symbol 284 with
// extra bits 31 means 258.
//
// Distances. RFC 7692 §7.1.2 bounds the peer's window to 2^window_bits, but zlib checks a
// distance only against what it holds: its window plus what the current inflate() call wrote. So
// a stream that reaches further back than the agreed window is refused or not depending on how
// its bytes arrived. This decoder accepts what zlib may accept (distances within the output
// since the last certain call boundary — the start of the message or of a stream — plus the
// window before it) and reports the first distance past what zlib always accepts (the agreed
// window), where the library may decide either way.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fuzz_support.hpp"
#include "wscore/bytes.hpp"

namespace wscore::fuzz {

class ReferenceInflate {
 public:
  enum class Status : std::uint8_t {
    need_input,        // every byte decoded as far as it goes; the message goes on
    message_finished,  // (with message_ends) the message is complete
    invalid_data,      // not DEFLATE data, or a distance before the start of the output
    output_full,       // the output reached its limit (the rest was not decoded)
  };

  ReferenceInflate(unsigned window_bits, bool no_context_takeover)
      : window_size_(std::size_t{1} << window_bits), no_context_takeover_(no_context_takeover) {}

  void start_message() {
    message_has_input_ = false;
    overreach_.reset();
    since_boundary_ = 0;
    before_boundary_ = std::min(history_, window_size_);
  }

  // Takes the next compressed bytes of the current message and appends what they decode to into
  // `output`, which holds the message so far, up to `output_limit` bytes. `message_ends`: they
  // end the message, and 00 00 ff ff follows them (RFC 7692 §7.2.2).
  Status feed(ByteView bytes, bool message_ends, std::vector<std::byte>& output,
              std::size_t output_limit) {
    if (!bytes.empty()) message_has_input_ = true;
    if (message_ends && !message_has_input_) return finish_message();  // see the library's header
    for (const std::byte b : bytes)
      input_.push_back(static_cast<std::uint8_t>(b));
    std::size_t payload_end = input_.size();
    if (message_ends) input_.insert(input_.end(), {0x00, 0x00, 0xff, 0xff});
    for (;;) {
      const Step step = decode(output, output_limit);
      if (step == Step::invalid) return Status::invalid_data;
      if (step == Step::full) return Status::output_full;
      if (step == Step::need_input) {
        drop_decoded_bytes(payload_end);
        return message_ends ? finish_message() : Status::need_input;
      }
      // The stream ended (a block with BFINAL, RFC 7692 §7.2.3.4): it ends on a byte boundary.
      const std::size_t end = (bit_ + 7) / 8;
      const bool message_done = message_ends && end >= payload_end;
      // A new stream; under context takeover it keeps the window (zlib's dictionary), else not.
      input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(end));
      payload_end -= std::min(end, payload_end);
      bit_ = 0;
      in_block_ = false;
      last_block_ = false;
      history_ = no_context_takeover_ ? 0 : std::min(history_, window_size_);
      since_boundary_ = 0;
      before_boundary_ = history_;
      if (message_done) {
        input_.clear();  // what is left of the appended tail
        return finish_message();
      }
    }
  }

  // Output offset in the message of the first distance past the agreed window (where the library
  // may refuse the stream or not), if any.
  std::optional<std::size_t> overreach() const { return overreach_; }

  // Between blocks, on a byte boundary, with nothing pending: bytes from a fresh compressor
  // decode to what it compressed.
  bool between_blocks() const { return !in_block_ && !last_block_ && bit_ == input_.size() * 8; }

 private:
  static constexpr unsigned max_bits = 15;

  // A canonical Huffman code (RFC 1951 §3.2.2): how many codes of each length, and the symbols
  // in code order.
  struct Code {
    std::array<std::uint16_t, max_bits + 1> count{};
    std::vector<std::uint16_t> symbol;
    unsigned longest = 0;
  };
  enum class Build : std::uint8_t { ok, empty, invalid };

  // zlib's inflate_table(): over-subscribed fails; incomplete fails unless the code is a single
  // one-bit code and not the code-length code; all zero lengths make an empty code.
  static Build build(Code& code, const std::uint8_t* lengths, std::size_t n, bool code_lengths) {
    code = {};
    for (std::size_t i = 0; i < n; ++i)
      ++code.count[lengths[i]];
    for (unsigned length = max_bits; length >= 1; --length) {
      if (code.count[length] != 0) {
        code.longest = length;
        break;
      }
    }
    if (code.longest == 0) return Build::empty;
    int left = 1;
    for (unsigned length = 1; length <= max_bits; ++length) {
      left = left * 2 - code.count[length];
      if (left < 0) return Build::invalid;
    }
    if (left > 0 && (code_lengths || code.longest != 1)) return Build::invalid;
    std::array<std::uint16_t, max_bits + 2> offset{};
    for (unsigned length = 1; length <= max_bits; ++length)
      offset[length + 1] = static_cast<std::uint16_t>(offset[length] + code.count[length]);
    code.symbol.assign(n - code.count[0], 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (lengths[i] != 0) code.symbol[offset[lengths[i]]++] = static_cast<std::uint16_t>(i);
    }
    return Build::ok;
  }

  enum class Step : std::uint8_t { progress, need_input, invalid, full, stream_end };
  enum class Read : std::uint8_t { ok, need_input, invalid };

  // `count` (at most 16) bits from bit `at`, least significant first (RFC 1951 §3.1.1).
  WSCORE_FUZZ_NO_COVERAGE bool bits(std::size_t& at, unsigned count, unsigned& value) const {
    if (at + count > input_.size() * 8) return false;
    std::uint32_t word = 0;
    for (std::size_t i = 0; i < 3 && at / 8 + i < input_.size(); ++i)
      word |= std::uint32_t{input_[at / 8 + i]} << (8 * i);
    value = (word >> (at % 8)) & ((1u << count) - 1);
    at += count;
    return true;
  }

  // One symbol, a bit at a time, most significant code bit first. An empty code fails after one
  // bit; an incomplete one once no longer code can match.
  WSCORE_FUZZ_NO_COVERAGE Read decode_symbol(std::size_t& at, const Code& code, bool empty,
                                             unsigned& symbol) const {
    unsigned bit = 0;
    if (empty) return bits(at, 1, bit) ? Read::invalid : Read::need_input;
    unsigned value = 0;
    unsigned first = 0;
    unsigned index = 0;
    for (unsigned length = 1; length <= code.longest; ++length) {
      if (!bits(at, 1, bit)) return Read::need_input;
      value |= bit;
      const unsigned count = code.count[length];
      if (value < first + count) {
        symbol = code.symbol[index + value - first];
        return Read::ok;
      }
      index += count;
      first = (first + count) << 1;
      value <<= 1;
    }
    return Read::invalid;
  }

  void set_fixed_codes() {
    std::array<std::uint8_t, 288> lengths{};
    std::fill(lengths.begin(), lengths.begin() + 144, 8);
    std::fill(lengths.begin() + 144, lengths.begin() + 256, 9);
    std::fill(lengths.begin() + 256, lengths.begin() + 280, 7);
    std::fill(lengths.begin() + 280, lengths.end(), 8);
    build(literals_, lengths.data(), lengths.size(), false);
    std::array<std::uint8_t, 32> distances{};
    distances.fill(5);
    build(distances_, distances.data(), distances.size(), false);
    distances_empty_ = false;
  }

  // A dynamic block's header (RFC 1951 §3.2.7), failing at the same bit as zlib.
  Read read_dynamic_header(std::size_t& at) {
    unsigned literal_count = 0, distance_count = 0, length_count = 0;
    if (!bits(at, 5, literal_count) || !bits(at, 5, distance_count) || !bits(at, 4, length_count)) {
      return Read::need_input;
    }
    literal_count += 257;
    distance_count += 1;
    length_count += 4;
    if (literal_count > 286 || distance_count > 30) return Read::invalid;
    static constexpr std::uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                               11, 4,  12, 3, 13, 2, 14, 1, 15};
    std::array<std::uint8_t, 19> length_lengths{};
    for (unsigned i = 0; i < length_count; ++i) {
      unsigned value = 0;
      if (!bits(at, 3, value)) return Read::need_input;
      length_lengths[order[i]] = static_cast<std::uint8_t>(value);
    }
    Code length_code;
    const Build built = build(length_code, length_lengths.data(), 19, true);
    if (built == Build::invalid) return Read::invalid;
    std::array<std::uint8_t, 286 + 30> lengths{};
    const unsigned total = literal_count + distance_count;
    for (unsigned filled = 0; filled < total;) {
      unsigned symbol = 0;
      if (built == Build::empty) {
        // zlib reads each length from one bit as a zero (its table of invalid entries).
        unsigned ignored = 0;
        if (!bits(at, 1, ignored)) return Read::need_input;
      } else if (const Read read = decode_symbol(at, length_code, false, symbol);
                 read != Read::ok) {
        return read;
      }
      if (symbol < 16) {
        lengths[filled++] = static_cast<std::uint8_t>(symbol);
        continue;
      }
      unsigned repeat = 0;
      std::uint8_t value = 0;
      if (symbol == 16) {
        if (!bits(at, 2, repeat)) return Read::need_input;
        if (filled == 0) return Read::invalid;
        value = lengths[filled - 1];
        repeat += 3;
      } else if (symbol == 17) {
        if (!bits(at, 3, repeat)) return Read::need_input;
        repeat += 3;
      } else {
        if (!bits(at, 7, repeat)) return Read::need_input;
        repeat += 11;
      }
      if (filled + repeat > total) return Read::invalid;
      std::fill_n(lengths.begin() + filled, repeat, value);
      filled += repeat;
    }
    if (lengths[256] == 0) return Read::invalid;  // no end-of-block code
    if (build(literals_, lengths.data(), literal_count, false) != Build::ok) return Read::invalid;
    const Build distances =
        build(distances_, lengths.data() + literal_count, distance_count, false);
    if (distances == Build::invalid) return Read::invalid;
    distances_empty_ = distances == Build::empty;
    return Read::ok;
  }

  WSCORE_FUZZ_NO_COVERAGE void put(std::vector<std::byte>& output, std::byte b) {
    output.push_back(b);
    window_.push_back(b);
    ++history_;
    ++since_boundary_;
  }

  // `length` bytes from `distance` back; where they overlap what they write, the bytes repeat
  // (RFC 1951 §3.2.3), so they go in pieces of at most the distance.
  void copy_match(std::vector<std::byte>& output, std::size_t length, std::size_t distance) {
    while (length != 0) {
      const std::size_t piece = std::min(length, distance);
      const auto from = window_.end() - static_cast<std::ptrdiff_t>(distance);
      output.insert(output.end(), from, from + static_cast<std::ptrdiff_t>(piece));
      window_.insert(window_.end(), output.end() - static_cast<std::ptrdiff_t>(piece),
                     output.end());
      history_ += piece;
      since_boundary_ += piece;
      length -= piece;
      distance += piece;  // the same bytes, from the same place, now further back
    }
  }

  // Decodes block headers, stored bytes and symbols until the input runs out, the data turns out
  // invalid, the output is full or the stream ends.
  Step decode(std::vector<std::byte>& output, std::size_t output_limit) {
    static constexpr std::uint16_t length_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
    static constexpr std::uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static constexpr std::uint16_t distance_base[30] = {
        1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static constexpr std::uint8_t distance_extra[30] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                        4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                                        9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    for (;;) {
      if (output.size() >= output_limit) return Step::full;
      std::size_t at = bit_;
      if (!in_block_) {
        if (last_block_) return Step::stream_end;
        unsigned final_bit = 0, type = 0;
        if (!bits(at, 1, final_bit) || !bits(at, 2, type)) return Step::need_input;
        if (type == 0) {
          at = (at + 7) / 8 * 8;  // stored: the lengths start on a byte boundary
          unsigned length = 0, complement = 0;
          if (!bits(at, 16, length) || !bits(at, 16, complement)) return Step::need_input;
          if (length != (complement ^ 0xffffu)) return Step::invalid;
          stored_left_ = length;
          stored_ = true;
        } else if (type == 1) {
          set_fixed_codes();
          stored_ = false;
        } else if (type == 2) {
          const Read read = read_dynamic_header(at);
          if (read != Read::ok) return read == Read::invalid ? Step::invalid : Step::need_input;
          stored_ = false;
        } else {
          return Step::invalid;  // BTYPE 11 is reserved
        }
        bit_ = at;
        in_block_ = true;
        last_block_ = final_bit != 0;
        continue;
      }
      if (stored_) {
        if (stored_left_ == 0) {
          in_block_ = false;
          continue;
        }
        if (bit_ + 8 > input_.size() * 8) return Step::need_input;
        put(output, static_cast<std::byte>(input_[bit_ / 8]));
        bit_ += 8;
        --stored_left_;
        continue;
      }
      unsigned symbol = 0;
      if (const Read read = decode_symbol(at, literals_, false, symbol); read != Read::ok) {
        return read == Read::invalid ? Step::invalid : Step::need_input;
      }
      if (symbol < 256) {
        bit_ = at;
        put(output, static_cast<std::byte>(symbol));
        continue;
      }
      if (symbol == 256) {
        bit_ = at;
        in_block_ = false;
        continue;
      }
      if (symbol > 285) return Step::invalid;
      unsigned extra = 0;
      if (!bits(at, length_extra[symbol - 257], extra)) return Step::need_input;
      const std::size_t length = length_base[symbol - 257] + extra;
      unsigned distance_symbol = 0;
      if (const Read read = decode_symbol(at, distances_, distances_empty_, distance_symbol);
          read != Read::ok) {
        return read == Read::invalid ? Step::invalid : Step::need_input;
      }
      if (distance_symbol > 29) return Step::invalid;
      if (!bits(at, distance_extra[distance_symbol], extra)) return Step::need_input;
      const std::size_t distance = distance_base[distance_symbol] + extra;
      // What zlib may accept, and what it always accepts (see the top of the file).
      if (distance > since_boundary_ + before_boundary_) return Step::invalid;
      if (distance > std::min(history_, window_size_) && !overreach_) {
        overreach_ = output.size();
      }
      bit_ = at;
      copy_match(output, std::min(length, output_limit - output.size()), distance);
      if (window_.size() > 4 * max_window) {
        window_.erase(window_.begin(), window_.end() - static_cast<std::ptrdiff_t>(max_window));
      }
    }
  }

  Status finish_message() {
    if (no_context_takeover_) {  // RFC 7692 §7.1.1: the window starts empty for every message
      input_.clear();
      bit_ = 0;
      in_block_ = false;
      last_block_ = false;
      history_ = 0;
      window_.clear();
    }
    return Status::message_finished;
  }

  // Drops the bytes decoded already, keeping the bits of the last one that are not. (The bytes
  // of the message must stay: a stream may still end inside them.)
  void drop_decoded_bytes(std::size_t& payload_end) {
    const std::size_t whole_bytes = bit_ / 8;
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(whole_bytes));
    bit_ -= whole_bytes * 8;
    payload_end -= std::min(whole_bytes, payload_end);
  }

  static constexpr std::size_t max_window = std::size_t{1} << 15;

  std::size_t window_size_;
  bool no_context_takeover_;

  // The stream: bytes not fully decoded yet, and the next bit.
  std::vector<std::uint8_t> input_;
  std::size_t bit_ = 0;
  bool in_block_ = false;
  bool last_block_ = false;  // the current (or just finished) block has BFINAL set
  bool stored_ = false;
  std::size_t stored_left_ = 0;
  Code literals_;
  Code distances_;
  bool distances_empty_ = false;

  // The output: the last bytes (for distances), how many since the window was last emptied, and
  // since the start of the message or stream, and the window before that.
  std::vector<std::byte> window_;
  std::size_t history_ = 0;
  std::size_t since_boundary_ = 0;
  std::size_t before_boundary_ = 0;

  bool message_has_input_ = false;
  std::optional<std::size_t> overreach_;
};

}  // namespace wscore::fuzz

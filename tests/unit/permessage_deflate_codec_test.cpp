// SPDX-License-Identifier: MIT
// permessage-deflate window sizes (RFC 7692 §7.1.2), 8 to 15 including zlib's refusal of 8, and
// the codec on its own (§7.2): every split of its input, the flush tail, idle memory.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::compress_everything;
using test::concat;
using test::deflating;
using test::hex;
using test::masked_frame;
using test::Trace;
using test::trace_at_every_split;

// --- Window sizes (RFC 7692 §7.1.2) ---

// Text with repeats at distances up to 2^16, so that every window size matters.
Bytes repetitive_text(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  Bytes text;
  while (text.size() < size) {
    if (text.size() > 64 && random() % 2 == 0) {
      const std::size_t distance = 1 + random() % std::min<std::size_t>(text.size(), 1 << 16);
      const std::size_t length = 3 + random() % 60;
      for (std::size_t i = 0; i < length && text.size() < size; ++i)
        text.push_back(text[text.size() - distance]);
    } else {
      text.push_back(static_cast<std::byte>('a' + random() % 26));
    }
  }
  return text;
}

TEST(Rfc7692Section7_1_2, EveryWindowSizeFrom8To15RoundTripsBothWays) {
  for (std::uint8_t bits = 8; bits <= 15; ++bits) {
    SCOPED_TRACE(static_cast<int>(bits));
    const DeflateAgreement agreement{false, false, bits, bits};
    ConnectionOptions options;
    options.deflate.window_bits = 15;  // the agreement, not our preference, caps the window
    Connection server = deflating(Role::server, agreement, options);
    Connection client = deflating(Role::client, agreement, options);
    const Bytes text = repetitive_text(200000, bits);
    ASSERT_EQ(server.send_text(as_text(text)), ApiError::none);
    ASSERT_EQ(client.send_text(as_text(text)), ApiError::none);
    EXPECT_LT(server.pending_output().size(), text.size() * 3 / 4);
    const Trace expected{test::describe(MessageReceived{MessageType::text, text, 4})};
    EXPECT_EQ(test::run_pieces(
                  client, {Bytes(server.pending_output().begin(), server.pending_output().end())}),
              expected);
    EXPECT_EQ(test::run_pieces(
                  server, {Bytes(client.pending_output().begin(), client.pending_output().end())}),
              expected);
  }
}

TEST(Rfc7692Section7_1_2, SmallerWindowsCompressLess) {
  const Bytes text = repetitive_text(200000, 1);
  std::size_t sizes[2] = {};
  for (const std::uint8_t bits : {15, 9}) {
    Connection server = deflating(Role::server, {false, false, bits, 15});
    ASSERT_EQ(server.send_text(as_text(text)), ApiError::none);
    sizes[bits == 9] = server.pending_output().size();
  }
  EXPECT_LT(sizes[0], sizes[1]);
}

// `copies` of a random block of `period` letters: every match is `period` octets back.
Bytes repeated_block(std::size_t period, int copies) {
  std::mt19937 random(static_cast<std::uint32_t>(period));
  Bytes block(period);
  for (auto& b : block)
    b = static_cast<std::byte>('a' + random() % 26);
  Bytes out;
  for (int i = 0; i < copies; ++i)
    out.insert(out.end(), block.begin(), block.end());
  return out;
}

// Inflates one octet per call: zlib then finds every earlier octet in its window, not in the
// current output buffer, so a match farther back than the window is refused.
std::optional<Bytes> inflate_strictly(ByteView compressed, std::uint8_t window_bits) {
  MessageDecompressor decompressor({window_bits, false});
  Bytes out;
  std::array<std::byte, 1> octet{};
  for (;;) {
    const auto result = decompressor.decompress(compressed, true, octet);
    compressed = compressed.subspan(result.bytes_consumed);
    out.insert(out.end(), octet.begin(), octet.begin() + result.bytes_written);
    if (result.status == MessageDecompressor::Status::message_finished) return out;
    if (result.status != MessageDecompressor::Status::output_full) return std::nullopt;
  }
}

TEST(Rfc7692Section7_1_2, WindowOf8IsHonouredWithZlibs9WhoseMatchesReachBackAtMost250) {
  // zlib refuses to compress with 8; with 9 it never refers back more than 512 - 262 octets,
  // so an inflater with exactly a 256-byte window takes its output. Matches 200 octets back are
  // used; 300 octets back are not.
  for (const std::size_t period : {200, 300}) {
    SCOPED_TRACE(period);
    const Bytes text = repeated_block(period, 20);
    MessageCompressor compressor({8, 8, 9, false});
    Bytes compressed;
    ASSERT_TRUE(compressor.compress(text, true, compressed));
    EXPECT_EQ(inflate_strictly(compressed, 8), text);
    if (period == 200) {
      EXPECT_LT(compressed.size(), period * 2);
    } else {
      EXPECT_GT(compressed.size(), text.size() / 2);
    }
  }
}

TEST(Rfc7692Section7_1_2, AnInflaterWithAWindowOf8RefusesMatchesFartherBack) {
  // The check above has teeth: the same text compressed with a 1 KiB window refers 300 octets
  // back, which a 256-byte window cannot hold.
  const Bytes text = repeated_block(300, 20);
  MessageCompressor compressor({10, 8, 9, false});
  Bytes compressed;
  ASSERT_TRUE(compressor.compress(text, true, compressed));
  EXPECT_LT(compressed.size(), 600u);
  EXPECT_EQ(inflate_strictly(compressed, 8), std::nullopt);
  EXPECT_EQ(inflate_strictly(compressed, 10), text);
}

TEST(Rfc7692Section7_1_2, ConnectionsThatAgreed8CompressAndInflateEachOther) {
  const DeflateAgreement agreement{false, false, 8, 8};
  Connection server = deflating(Role::server, agreement, compress_everything());
  Connection client = deflating(Role::client, agreement, compress_everything());
  const Bytes text = repeated_block(200, 50);
  ASSERT_EQ(client.send_text(as_text(text)), ApiError::none);
  EXPECT_EQ(client.pending_output()[0], std::byte{0xc1});
  EXPECT_LT(client.pending_output().size(), 1000u);
  EXPECT_EQ(test::run_pieces(
                server, {Bytes(client.pending_output().begin(), client.pending_output().end())}),
            Trace{test::describe(MessageReceived{MessageType::text, text, 4})});
}

// --- The codec on its own ---

TEST(Rfc7692Section7_2_2, DecompressorGivesTheSameOutputForEverySplitOfItsInput) {
  MessageCompressor compressor;
  const Bytes text = repetitive_text(3000, 9);
  Bytes compressed;
  ASSERT_TRUE(compressor.compress(text, true, compressed));
  for (std::size_t cut = 0; cut <= compressed.size(); ++cut) {
    MessageDecompressor decompressor;
    Bytes out;
    std::array<std::byte, 97> buffer{};  // a small, odd output buffer: many output_full turns
    const ByteView pieces[] = {ByteView(compressed).first(cut), ByteView(compressed).subspan(cut)};
    for (int piece = 0; piece < 2; ++piece) {
      ByteView input = pieces[piece];
      for (;;) {
        const auto result = decompressor.decompress(input, piece == 1, buffer);
        out.insert(out.end(), buffer.begin(),
                   buffer.begin() + static_cast<std::ptrdiff_t>(result.bytes_written));
        input = input.subspan(result.bytes_consumed);
        if (result.status == MessageDecompressor::Status::output_full) continue;
        ASSERT_EQ(result.status, piece == 1 ? MessageDecompressor::Status::message_finished
                                            : MessageDecompressor::Status::need_input);
        ASSERT_TRUE(input.empty());
        break;
      }
    }
    ASSERT_EQ(out, text) << "cut at " << cut;
  }
}

TEST(Rfc7692Section7_2_1, CompressorStripsTheFlushTail) {
  MessageCompressor compressor;
  Bytes out;
  ASSERT_TRUE(compressor.compress(bytes_of("Hello"), true, out));
  EXPECT_EQ(hex(out), "f248cdc9c90700");
  out.clear();
  // Not the end of the message: flushed, tail kept.
  ASSERT_TRUE(compressor.compress(bytes_of("Hel"), false, out));
  EXPECT_EQ(hex(out).substr(hex(out).size() - 8), "0000ffff");
}

TEST(Rfc7692Section7_1_1, IdleCodecsWithoutContextTakeoverGiveTheirMemoryBack) {
  MessageCompressor compressor({15, 8, 6, true});
  MessageDecompressor decompressor({15, true});
  EXPECT_EQ(compressor.memory_usage(), 0u);  // nothing is taken before the first message
  Bytes compressed;
  ASSERT_TRUE(compressor.compress(bytes_of("Hello"), true, compressed));
  std::array<std::byte, 16> out{};
  EXPECT_EQ(decompressor.decompress(compressed, true, out).status,
            MessageDecompressor::Status::message_finished);
  // zlib's documented needs: 2^(w+2) + 2^(m+9) to compress, 2^w to inflate, plus state.
  EXPECT_GE(compressor.memory_usage(), (1u << 17) + (1u << 17));
  EXPECT_GE(decompressor.memory_usage(), 1u << 15);
  compressor.release_if_idle();
  decompressor.release_if_idle();
  EXPECT_EQ(compressor.memory_usage(), 0u);
  EXPECT_EQ(decompressor.memory_usage(), 0u);
  // With context takeover the window is the context: it stays.
  MessageCompressor keeping;
  ASSERT_TRUE(keeping.compress(bytes_of("Hello"), true, compressed));
  keeping.release_if_idle();
  EXPECT_GT(keeping.memory_usage(), 0u);
}

}  // namespace
}  // namespace wscore

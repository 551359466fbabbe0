// SPDX-License-Identifier: MIT
// Decompression bombs (RFC 7692 §8, RFC 6455 §10.4): a message that claims 1 GiB of zeros in
// about 1 MiB of compressed bytes, against max_message_size = 1 MiB. The connection fails with
// 1009 once the inflated size passes the limit, and its memory (buffers plus what zlib allocates,
// counted through zlib's allocation hooks) never grows past the limit plus one buffer.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::Trace;

constexpr std::size_t mebibyte = 1 << 20;

// `mebibytes` MiB of zeros compressed as one message by streaming deflate, one MiB at a time.
// Once the window is all zeros, each further MiB compresses to the same bytes (checked here), so
// the stream is built from three compressor calls instead of a thousand.
const Bytes& zeros_bomb(std::size_t mebibytes) {
  static std::map<std::size_t, Bytes> cache;
  Bytes& bomb = cache[mebibytes];
  if (!bomb.empty()) return bomb;
  MessageCompressor compressor({15, 9, 9, false});
  const Bytes zeros(mebibyte);
  Bytes first, second, third;
  EXPECT_TRUE(compressor.compress(zeros, false, first));
  EXPECT_TRUE(compressor.compress(zeros, false, second));
  EXPECT_TRUE(compressor.compress(zeros, false, third));
  EXPECT_EQ(second, third);
  bomb = first;
  for (std::size_t i = 1; i < mebibytes; ++i)
    bomb.insert(bomb.end(), second.begin(), second.end());
  bomb.resize(bomb.size() - 4);  // RFC 7692 §7.2.1: the final 00 00 ff ff is not sent
  return bomb;
}

TEST(Rfc7692Section8, TheBombReallyInflatesToItsClaimedSize) {
  // 64 MiB of the 1 GiB bomb inflate, into a 64 KiB buffer, with zlib's memory fixed all along.
  const Bytes& bomb = zeros_bomb(1024);
  EXPECT_LT(bomb.size(), 1100u * 1024);
  MessageDecompressor decompressor;
  Bytes out(64 * 1024);
  std::size_t inflated = 0;
  std::size_t peak = 0;
  ByteView input(bomb);
  while (inflated < 64 * mebibyte) {
    const auto result = decompressor.decompress(input, true, out);
    ASSERT_EQ(result.status, MessageDecompressor::Status::output_full);
    ASSERT_TRUE(std::all_of(out.begin(), out.end(), [](std::byte b) { return b == std::byte{0}; }));
    input = input.subspan(result.bytes_consumed);
    inflated += result.bytes_written;
    peak = std::max(peak, decompressor.memory_usage());
  }
  // zlib.h: inflate needs 2^windowBits plus about 7 KiB.
  EXPECT_LE(peak, (1u << 15) + 12 * 1024);
}

struct Feed {
  Trace trace;
  std::size_t peak_memory = 0;
  std::size_t delivered = 0;  // message bytes handed out before the error
};

// Feeds `wire` in 16 KiB pieces (zero-copy), recording memory after every event.
Feed feed(Connection& connection, const Bytes& wire) {
  Feed result;
  Bytes piece;
  for (std::size_t at = 0; at < wire.size() && connection.state() == ConnectionState::open;) {
    const std::size_t size = std::min<std::size_t>(16 * 1024, wire.size() - at);
    piece.assign(wire.begin() + static_cast<std::ptrdiff_t>(at),
                 wire.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
    connection.receive_in_place(MutableByteView(piece));
    while (auto event = connection.next_event()) {
      result.peak_memory = std::max(result.peak_memory, connection.memory_usage());
      if (const auto* fragment = std::get_if<FragmentReceived>(&*event)) {
        result.delivered += fragment->data.size();
        continue;
      }
      result.trace.push_back(test::describe(*event));
    }
    result.peak_memory = std::max(result.peak_memory, connection.memory_usage());
  }
  return result;
}

// The bomb as masked frames of `fragment_size` compressed bytes each, RSV1 on the first.
Bytes as_fragments(const Bytes& compressed, std::size_t fragment_size) {
  Bytes wire;
  for (std::size_t at = 0; at < compressed.size(); at += fragment_size) {
    const std::size_t size = std::min(fragment_size, compressed.size() - at);
    const bool first = at == 0;
    const bool last = at + size == compressed.size();
    const std::uint8_t head = (last ? 0x80 : 0x00) | (first ? 0x42 : 0x00);
    const Bytes payload(compressed.begin() + static_cast<std::ptrdiff_t>(at),
                        compressed.begin() + static_cast<std::ptrdiff_t>(at + size));
    const Bytes frame = test::masked_frame(head, payload);
    wire.insert(wire.end(), frame.begin(), frame.end());
  }
  return wire;
}

Connection server_with_limit(DeliveryMode delivery) {
  ConnectionOptions options;
  options.max_message_size = mebibyte;
  options.delivery = delivery;
  options.deflate.peer_max_window_bits = std::nullopt;
  Connection connection = test::open_server(options);
  EXPECT_EQ(connection.enable_deflate({}), ApiError::none);
  return connection;
}

// The first byte and the code of the Close frame the connection queued.
std::string close_sent(const Connection& connection) {
  const ByteView output = connection.pending_output();
  return test::hex(output.first(1)) + test::hex(output.subspan(2, 2));
}

TEST(Rfc7692Section8, OneGibibyteBombAgainstOneMebibyteFailsWith1009WholeMessages) {
  // Whole-message delivery buffers the inflated message: at most the limit plus one byte.
  Connection server = server_with_limit(DeliveryMode::whole_messages);
  const Feed result = feed(server, as_fragments(zeros_bomb(1024), 64 * 1024));
  EXPECT_EQ(result.trace, Trace{"error 1009 inflated_message_too_big"});
  EXPECT_EQ(close_sent(server), "8803f1");
  RecordProperty("peak_memory", std::to_string(result.peak_memory));
  EXPECT_LE(result.peak_memory, mebibyte + 1 + 96 * 1024) << result.peak_memory;
  EXPECT_GE(result.peak_memory, mebibyte);
}

TEST(Rfc7692Section8, OneGibibyteBombAgainstOneMebibyteFailsWith1009Streaming) {
  // Streaming delivery hands out fixed-size pieces: memory stays flat, and no more than the
  // limit is delivered.
  Connection server = server_with_limit(DeliveryMode::streaming);
  const Feed result = feed(server, as_fragments(zeros_bomb(1024), 64 * 1024));
  EXPECT_EQ(result.trace, Trace{"error 1009 inflated_message_too_big"});
  EXPECT_EQ(close_sent(server), "8803f1");
  EXPECT_LE(result.delivered, mebibyte);
  EXPECT_GT(result.delivered, mebibyte - 32 * 1024);
  RecordProperty("peak_memory", std::to_string(result.peak_memory));
  EXPECT_LE(result.peak_memory, 160 * 1024u) << result.peak_memory;
}

TEST(Rfc7692Section8, BombInASingleFrameUnderTheWireLimitFailsWith1009) {
  // 256 MiB of zeros fit in one frame of about 256 KiB: under the limit on the wire, far over it
  // inflated. Both delivery modes, at the limit exactly and one byte over.
  const Bytes& bomb = zeros_bomb(256);
  ASSERT_LT(bomb.size(), mebibyte);
  const Bytes wire = test::masked_frame(0xc2, bomb);
  for (const DeliveryMode delivery : {DeliveryMode::whole_messages, DeliveryMode::streaming}) {
    Connection server = server_with_limit(delivery);
    const Feed result = feed(server, wire);
    EXPECT_EQ(result.trace, Trace{"error 1009 inflated_message_too_big"});
    EXPECT_LE(result.peak_memory, mebibyte + 1 + 96 * 1024);
  }
}

TEST(Rfc6455Section10_4, AMessageThatInflatesToExactlyTheLimitIsDelivered) {
  const Bytes& one = zeros_bomb(1);
  for (const DeliveryMode delivery : {DeliveryMode::whole_messages, DeliveryMode::streaming}) {
    Connection server = server_with_limit(delivery);
    const Feed result = feed(server, test::masked_frame(0xc2, one));
    if (delivery == DeliveryMode::whole_messages) {
      EXPECT_EQ(result.trace, Trace{test::describe(MessageReceived{
                                  MessageType::binary, Bytes(mebibyte), rsv_bit::rsv1})});
    } else {
      EXPECT_EQ(result.trace, Trace{});
      EXPECT_EQ(result.delivered, mebibyte);
    }
    EXPECT_EQ(server.state(), ConnectionState::open);
  }
}

// `size` bytes that deflate cannot shrink.
Bytes incompressible(std::size_t size) {
  std::mt19937 generator(7692);
  Bytes bytes(size);
  for (auto& byte : bytes)
    byte = static_cast<std::byte>(generator());
  return bytes;
}

TEST(Rfc6455Section10_4, AnIncompressibleMessageOfExactlyTheLimitIsDelivered) {
  // Found by Python websockets' client: 16 MiB of random bytes compress to a little more than
  // 16 MiB, and the compressed frame was held to max_frame_size. The limits are on the message;
  // its compressed form may be larger by deflate's expansion (RFC 7692 §7.2.1 stored blocks).
  const Bytes message = incompressible(mebibyte);
  MessageCompressor compressor({15, 8, 6, false});
  Bytes compressed;
  ASSERT_TRUE(compressor.compress(message, true, compressed));
  ASSERT_GT(compressed.size(), mebibyte);
  for (const DeliveryMode delivery : {DeliveryMode::whole_messages, DeliveryMode::streaming}) {
    for (const Bytes& wire :
         {test::masked_frame(0xc2, compressed), as_fragments(compressed, 4096)}) {
      Connection server = server_with_limit(delivery);
      const Feed result = feed(server, wire);
      if (delivery == DeliveryMode::whole_messages) {
        EXPECT_EQ(
            result.trace,
            Trace{test::describe(MessageReceived{MessageType::binary, message, rsv_bit::rsv1})});
      } else {
        EXPECT_EQ(result.trace, Trace{});
        EXPECT_EQ(result.delivered, mebibyte);
      }
      EXPECT_EQ(server.state(), ConnectionState::open);
    }
  }
}

TEST(Rfc6455Section10_4, CompressedBytesBeyondAnyDeflateExpansionFailWith1009AtTheHeader) {
  // A compressed frame that claims more than the limit plus deflate's worst expansion fails on
  // its header, before a byte of it is read; an uncompressed frame one byte over the limit too.
  const std::uint64_t too_long = mebibyte + mebibyte / 4;
  for (const std::uint8_t head : {0xc2, 0x82}) {
    const std::uint64_t length = head == 0xc2 ? too_long : mebibyte + 1;
    Bytes wire = {std::byte{head}, std::byte{0xff}};
    for (int shift = 56; shift >= 0; shift -= 8)
      wire.push_back(static_cast<std::byte>(length >> shift));
    wire.insert(wire.end(), 4, std::byte{0});  // masking key
    Connection server = server_with_limit(DeliveryMode::streaming);
    const Feed result = feed(server, wire);
    EXPECT_EQ(result.trace, Trace{"error 1009 message_too_big"}) << int{head};
    EXPECT_EQ(close_sent(server), "8803f1");
  }
}

}  // namespace
}  // namespace wscore

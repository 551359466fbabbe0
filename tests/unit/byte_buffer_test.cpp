// SPDX-License-Identifier: MIT
// detail::ByteBuffer: the message buffer and output queue that grow by realloc (in place or by
// remapping pages) rather than by copying into a new block.
#include "wscore/detail/byte_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

namespace wscore::detail {
namespace {

std::vector<std::byte> pattern(std::size_t size, unsigned seed) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::byte>((i * 31 + seed) & 0xFF);
  return bytes;
}

TEST(ByteBuffer, AppendsKeepEveryByteAcrossGrowth) {
  ByteBuffer buffer;
  std::vector<std::byte> expected;
  for (unsigned piece = 0; piece < 12; ++piece) {
    const std::vector<std::byte> more = pattern(std::size_t{1} << piece << 8, piece);
    buffer.append(more.data(), more.size());
    expected.insert(expected.end(), more.begin(), more.end());
    ASSERT_EQ(buffer.size(), expected.size());
    ASSERT_GE(buffer.capacity(), buffer.size());
  }
  EXPECT_TRUE(std::equal(buffer.begin(), buffer.end(), expected.begin(), expected.end()));
}

TEST(ByteBuffer, ReserveNeverShrinksAndResizeKeepsWhatIsWithin) {
  ByteBuffer buffer;
  const std::vector<std::byte> bytes = pattern(100, 7);
  buffer.append(bytes.data(), bytes.size());
  buffer.reserve(1 << 20);
  EXPECT_EQ(buffer.capacity(), std::size_t{1} << 20);
  buffer.reserve(10);
  EXPECT_EQ(buffer.capacity(), std::size_t{1} << 20);
  buffer.resize(40);
  EXPECT_TRUE(std::equal(buffer.begin(), buffer.end(), bytes.begin(), bytes.begin() + 40));
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), std::size_t{1} << 20) << "clear() keeps the memory";
  buffer.release();
  EXPECT_EQ(buffer.capacity(), 0u) << "release() gives it back";
  EXPECT_EQ(buffer.data(), nullptr);
}

// The output queue: frames appended one by one grow it twofold (linear in all), written bytes
// are dropped from the front, and what remains keeps its order.
TEST(ByteBuffer, AmortisedGrowthAndEraseFrontKeepAQueue) {
  ByteBuffer buffer;
  const std::vector<std::byte> bytes = pattern(100, 7);
  buffer.resize_amortised(10);
  std::memcpy(buffer.data(), bytes.data(), 10);
  EXPECT_EQ(buffer.capacity(), 10u);
  buffer.resize_amortised(11);
  EXPECT_EQ(buffer.capacity(), 20u) << "twice, not one more byte";
  buffer.data()[10] = bytes[10];
  buffer.resize_amortised(50);
  EXPECT_EQ(buffer.capacity(), 50u) << "what is asked for, when that is more than twice";
  std::memcpy(buffer.data() + 11, bytes.data() + 11, 39);
  buffer.erase_front(30);
  ASSERT_EQ(buffer.size(), 20u);
  EXPECT_TRUE(std::equal(buffer.begin(), buffer.end(), bytes.begin() + 30, bytes.begin() + 50));
  buffer.erase_front(20);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.capacity(), 50u);
}

TEST(ByteBuffer, MovesTakeTheBlock) {
  ByteBuffer first;
  const std::vector<std::byte> bytes = pattern(64, 3);
  first.append(bytes.data(), bytes.size());
  const std::byte* block = first.data();
  ByteBuffer second(std::move(first));
  EXPECT_EQ(second.data(), block);
  EXPECT_EQ(first.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  ByteBuffer third;
  third.append(bytes.data(), 1);
  third = std::move(second);
  EXPECT_EQ(third.data(), block);
  EXPECT_EQ(third.size(), 64u);
}

}  // namespace
}  // namespace wscore::detail

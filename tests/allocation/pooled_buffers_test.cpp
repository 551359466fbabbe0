// SPDX-License-Identifier: MIT
// "No allocation per message in a steady state, at any size": with a BufferPool, a server that
// echoes 64 KiB and 1 MiB messages read in 64 KiB slices (as a transport reads them) calls the
// C library's allocator for none of them once warm, and holds no buffer between messages.
// Counts every malloc, calloc and realloc in the process, so it is a program of its own (the
// allocator's own entry points are replaced, which a sanitizer's build does not allow).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <vector>

#include "support/factories.hpp"
#include "wscore/buffer_pool.hpp"
#include "wscore/driver.hpp"

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
void __libc_free(void* block);
}

namespace {
std::size_t allocations = 0;  // one thread
}

extern "C" {
void* malloc(std::size_t size) {
  ++allocations;
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  ++allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* block, std::size_t size) {
  ++allocations;
  return __libc_realloc(block, size);
}
void free(void* block) {
  __libc_free(block);
}
}

namespace wscore {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t read_slice = 64 * 1024;  // the transports' loop read buffer

DriverPolicy roomy_policy() {
  DriverPolicy policy;
  policy.max_outbound_buffer = 8 * 1024 * 1024;
  return policy;
}

// A client and an echo server, each with its own pool (a loop's) unless `pooled` is false, on
// one fake clock, their opening handshake done.
struct EchoPair {
  explicit EchoPair(bool pooled = true)
      : server(Driver::server(options(pooled ? &server_pool : nullptr), roomy_policy(),
                              Milliseconds(0))),
        client(Driver::client(test::client_handshake("example.com"),
                              options(pooled ? &client_pool : nullptr), test::fixed_random({}),
                              roomy_policy(), Milliseconds(0))) {
    deliver(client, server);
    deliver(server, client);
  }

  BufferPool server_pool, client_pool;
  Driver server, client;
  std::vector<std::byte> wire = std::vector<std::byte>(read_slice);
  std::size_t echoes = 0;

  static ConnectionOptions options(BufferPool* pool) {
    ConnectionOptions options;
    options.buffer_pool = pool;
    return options;
  }

  // What `from` wrote, delivered to `to` a read slice at a time; `to`'s events handled.
  void deliver(Driver& from, Driver& to) {
    while (!from.pending_output().empty()) {
      const std::size_t size = from.write_output(wire);
      to.receive_in_place(MutableByteView(wire).first(size), Milliseconds(0));
      while (auto event = to.next_event()) {
        if (std::holds_alternative<RequestReceived>(*event)) {
          ASSERT_EQ(to.accept(), ApiError::none);
        } else if (const auto* message = std::get_if<MessageReceived>(&*event)) {
          if (&to == &server) {
            ASSERT_EQ(server.send(message->type, message->data), ApiError::none);
          } else {
            ++echoes;
          }
        }
      }
    }
  }
  void round_trip(const std::vector<std::byte>& payload) {
    ASSERT_EQ(client.send(MessageType::binary, payload), ApiError::none);
    deliver(client, server);
    deliver(server, client);
  }
};

void expect_no_allocation_once_warm(std::size_t message_size) {
  EchoPair pair;
  ASSERT_EQ(pair.server.connection().state(), ConnectionState::open);
  const std::vector<std::byte> payload(message_size, std::byte{0x5a});
  for (int i = 0; i < 3; ++i)
    pair.round_trip(payload);  // warm: the pools hold the blocks a message needs

  const std::size_t before = allocations;
  for (int i = 0; i < 20; ++i) {
    pair.round_trip(payload);
    // Between messages the connections hold no buffer: the blocks are back in the pools.
    EXPECT_LT(pair.server.connection().memory_usage(), sizeof(Connection) + 1024);
    EXPECT_LT(pair.client.connection().memory_usage(), sizeof(Connection) + 1024);
  }
  EXPECT_EQ(allocations - before, 0u) << "allocations in 20 echoes of " << message_size << " B";
  EXPECT_EQ(pair.echoes, 23u);
}

TEST(PooledBuffers, No64KiBMessageAllocatesOnceWarm) {
  expect_no_allocation_once_warm(64 * 1024);
}

TEST(PooledBuffers, No1MiBMessageAllocatesOnceWarm) {
  expect_no_allocation_once_warm(1024 * 1024);
}

// The counter sees the allocations it claims to (else the tests above could not fail): the
// same echo without pools allocates for every message.
TEST(PooledBuffers, WithoutAPoolEveryMessageAllocates) {
  EchoPair pair(false);
  ASSERT_EQ(pair.server.connection().state(), ConnectionState::open);
  const std::vector<std::byte> payload(64 * 1024, std::byte{0x5a});
  pair.round_trip(payload);  // warm
  const std::size_t before = allocations;
  pair.round_trip(payload);
  EXPECT_GE(allocations - before, 2u) << "the client's output, the server's message";
}

// The pool itself: blocks are reused by size class, bounded, and trimmed when unused.
TEST(BufferPoolTest, ReusesBlocksBySizeAndFreesWhatTheLoadNoLongerNeeds) {
  BufferPool pool(1024 * 1024);
  EXPECT_EQ(BufferPool::block_size(1), BufferPool::min_block);
  EXPECT_EQ(BufferPool::block_size(65'546), 128u * 1024);
  EXPECT_EQ(BufferPool::block_size(BufferPool::max_pooled_block + 1),
            BufferPool::max_pooled_block + 1);
  std::size_t size = 0;
  std::byte* block = pool.acquire(100'000, size);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(size, 128u * 1024);
  pool.give_back(block, size);
  EXPECT_EQ(pool.cached_bytes(), 128u * 1024);
  EXPECT_EQ(pool.acquire(70'000, size), block) << "the same size class";
  pool.give_back(block, size);
  EXPECT_EQ(pool.acquire(5'000, size), block) << "a larger free block serves a small buffer";
  EXPECT_EQ(size, 128u * 1024);
  EXPECT_EQ(pool.allocations(), 1u);
  pool.give_back(block, size);

  std::byte* large = pool.acquire(1024 * 1024, size);
  pool.give_back(large, size);  // past max_cached (1 MiB with the 128 KiB held): freed
  EXPECT_EQ(pool.cached_bytes(), 128u * 1024);

  pool.trim();  // the 128 KiB block was needed since the pool began: kept
  EXPECT_EQ(pool.cached_bytes(), 128u * 1024);
  pool.trim();  // and not since the last trim: freed
  EXPECT_EQ(pool.cached_bytes(), 0u);
}

}  // namespace
}  // namespace wscore

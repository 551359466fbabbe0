// SPDX-License-Identifier: MIT
// "No allocation per frame once buffers are warm": counts every operator new in the process
// while a server and a client exchange messages in a steady state. A separate executable,
// because it replaces the global allocation functions.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace wscore {
namespace {

using test::Bytes;

// One round: the client sends a mix of messages (small, medium, fragmented, a ping), the server
// reads them from a reused buffer, echoes each, and the client reads the echoes.
const Bytes small(16, std::byte{'a'});
const Bytes medium(3000, std::byte{'b'});

void exchange_round(Connection& client, Connection& server, Bytes& wire, std::size_t& events) {
  (void)client.send_text(as_text(small));
  (void)client.send_binary(medium);
  (void)client.send_fragment(MessageType::text, ByteView(small).first(5), false);
  (void)client.ping(ByteView(small).first(4));
  (void)client.send_fragment(MessageType::text, ByteView(small).subspan(5), true);

  wire.assign(client.pending_output().begin(), client.pending_output().end());
  client.consume_output(client.pending_output().size());
  server.receive_in_place(MutableByteView(wire));
  while (auto event = server.next_event()) {
    ++events;
    if (const auto* message = std::get_if<MessageReceived>(&*event)) {
      (void)server.send(message->type, message->data);
    }
  }
  wire.assign(server.pending_output().begin(), server.pending_output().end());
  server.consume_output(server.pending_output().size());
  client.receive_in_place(MutableByteView(wire));
  while (client.next_event())
    ++events;
}

TEST(SteadyState, NoAllocationPerFrameOnceBuffersAreWarm) {
  std::uint8_t counter = 0;
  Connection client = Connection::open(Role::client, {}, [&](MutableByteView out) {
    for (auto& b : out)
      b = static_cast<std::byte>(++counter);
  });
  Connection server = Connection::open(Role::server);
  Bytes wire;
  wire.reserve(1 << 16);
  std::size_t events = 0;
  for (int warm = 0; warm < 3; ++warm)
    exchange_round(client, server, wire, events);

  const std::size_t before = allocations.load();
  const std::size_t events_before = events;
  // The message buffer is on malloc/realloc (detail::ByteBuffer), which operator new does not
  // see: it allocates only when its capacity grows, so an unchanged memory_usage() shows it did
  // not.
  const std::size_t server_memory = server.memory_usage();
  const std::size_t client_memory = client.memory_usage();
  for (int round = 0; round < 1000; ++round)
    exchange_round(client, server, wire, events);
  EXPECT_EQ(allocations.load() - before, 0u);
  EXPECT_EQ(server.memory_usage(), server_memory);
  EXPECT_EQ(client.memory_usage(), client_memory);
  EXPECT_EQ(events - events_before, 1000u * (4 + 4));  // 3 messages + ping, each way + pong
}

}  // namespace
}  // namespace wscore

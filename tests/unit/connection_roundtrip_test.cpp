// SPDX-License-Identifier: MIT
// Round trips: what one role sends, the other parses to the same messages — random sizes,
// types and fragmentations, with control frames mixed in and random input chunking (seeded).
#include <gtest/gtest.h>

#include <random>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::Trace;

// Sends `count` random messages from `sender`, returning the trace the receiver should report.
Trace send_random_messages(Connection& sender, std::mt19937_64& random, int count) {
  Trace expected;
  std::uniform_int_distribution<int> size_class(0, 9);
  for (int i = 0; i < count; ++i) {
    const int cls = size_class(random);
    const std::size_t size = cls < 5   ? random() % 126
                             : cls < 8 ? 126 + random() % 70000
                                       : 65536 + random() % 200000;
    const bool text = random() % 2 == 0;
    Bytes payload(size);
    for (auto& b : payload) {
      // Text: printable ASCII and a 2-byte code point (é); binary: anything.
      b = static_cast<std::byte>(text ? 'a' + random() % 26 : random() % 256);
    }
    if (text && size >= 2 && random() % 2 == 0) {
      payload[size / 2 - 1] = std::byte{0xC3};
      payload[size / 2] = std::byte{0xA9};
    }
    const MessageType type = text ? MessageType::text : MessageType::binary;
    const std::size_t fragments = random() % 4 == 0 ? 1 + random() % 5 : 1;
    if (fragments == 1) {
      EXPECT_EQ(sender.send(type, payload), ApiError::none);
    } else {
      std::size_t at = 0;
      for (std::size_t f = 0; f < fragments; ++f) {
        const bool last = f + 1 == fragments;
        // Cut anywhere, even inside a code point: validation is across fragments.
        const std::size_t piece = last ? size - at : random() % (size - at + 1);
        EXPECT_EQ(sender.send_fragment(type, ByteView(payload).subspan(at, piece), last),
                  ApiError::none);
        at += piece;
        if (!last && random() % 3 == 0) {
          EXPECT_EQ(sender.ping(test::bytes_of("p")), ApiError::none);
          expected.push_back("ping p");
        }
      }
    }
    expected.push_back(test::describe(MessageReceived{type, payload, 0}));
  }
  return expected;
}

Trace receive_in_random_chunks(Connection& receiver, ByteView wire, std::mt19937_64& random) {
  std::vector<Bytes> pieces;
  for (std::size_t at = 0; at < wire.size();) {
    const std::size_t piece = std::min<std::size_t>(wire.size() - at, 1 + random() % 9000);
    pieces.emplace_back(wire.begin() + static_cast<std::ptrdiff_t>(at),
                        wire.begin() + static_cast<std::ptrdiff_t>(at + piece));
    at += piece;
  }
  return test::run_pieces(receiver, pieces);
}

class RoundTrip : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RoundTrip, ClientToServer) {
  std::mt19937_64 random(GetParam());
  Connection client = Connection::open(Role::client, {}, [&](MutableByteView out) {
    for (auto& b : out)
      b = static_cast<std::byte>(random());
  });
  Connection server = test::open_server();
  const Trace expected = send_random_messages(client, random, 40);
  EXPECT_EQ(receive_in_random_chunks(server, client.pending_output(), random), expected);
}

TEST_P(RoundTrip, ServerToClient) {
  std::mt19937_64 random(GetParam());
  Connection server = test::open_server();
  Connection client = test::open_client();
  const Trace expected = send_random_messages(server, random, 40);
  EXPECT_EQ(receive_in_random_chunks(client, server.pending_output(), random), expected);
}

TEST_P(RoundTrip, StreamingReassemblesTheSameMessages) {
  std::mt19937_64 random(GetParam());
  Connection server = test::open_server();
  Connection client = test::open_client(test::streaming_delivery());
  const Trace expected = send_random_messages(server, random, 20);
  // Reassemble fragments into whole messages and compare.
  Trace trace;
  Bytes message;
  const Bytes wire(server.pending_output().begin(), server.pending_output().end());
  std::size_t at = 0;
  Bytes scratch;
  while (at < wire.size()) {
    const std::size_t piece = std::min<std::size_t>(wire.size() - at, 1 + random() % 5000);
    scratch.assign(wire.begin() + static_cast<std::ptrdiff_t>(at),
                   wire.begin() + static_cast<std::ptrdiff_t>(at + piece));
    at += piece;
    client.receive_in_place(MutableByteView(scratch));
    while (auto event = client.next_event()) {
      if (const auto* fragment = std::get_if<FragmentReceived>(&*event)) {
        message.insert(message.end(), fragment->data.begin(), fragment->data.end());
        if (fragment->message_finished) {
          trace.push_back(test::describe(MessageReceived{fragment->type, message, 0}));
          message.clear();
        }
      } else {
        trace.push_back(test::describe(*event));
      }
    }
  }
  EXPECT_EQ(trace, expected);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RoundTrip, ::testing::Values(1, 2, 3, 42, 6455, 7692));

}  // namespace
}  // namespace wscore

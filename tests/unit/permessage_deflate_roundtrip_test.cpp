// SPDX-License-Identifier: MIT
// permessage-deflate round trips (RFC 7692 §7.2): what one role compresses, the other inflates
// to the same messages — random text and binary, random sizes and fragmentations, control frames
// mixed in, random input chunking, with and without context takeover, in both delivery modes.
#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::Trace;

// Words from a small vocabulary (compressible, like chat or JSON), or random octets.
Bytes random_payload(std::mt19937_64& random, std::size_t size, bool text) {
  static const char* const words[] = {"hello",    "world",    "message", "deflate",  "window", "é",
                                      "{\"id\":", "\"user\"", "context", "takeover", " ",      ","};
  Bytes payload;
  payload.reserve(size);
  while (payload.size() < size) {
    if (!text) {
      payload.push_back(static_cast<std::byte>(random()));
      continue;
    }
    const std::string_view word = words[random() % std::size(words)];
    if (payload.size() + word.size() > size) {
      payload.push_back(std::byte{'.'});
      continue;
    }
    const ByteView bytes = as_bytes(word);
    payload.insert(payload.end(), bytes.begin(), bytes.end());
  }
  return payload;
}

struct Sent {
  Trace expected;  // without RSV bits: whether each went compressed is the sender's
  std::size_t payload_bytes = 0;
};

// Sends `count` random messages from `sender`: whole or in up to 6 fragments (cut anywhere, even
// inside a code point), some marked Compression::never, with pings between fragments.
Sent send_random_messages(Connection& sender, std::mt19937_64& random, int count) {
  Sent sent;
  for (int i = 0; i < count; ++i) {
    const int size_class = static_cast<int>(random() % 10);
    const std::size_t size = size_class < 4   ? random() % 200
                             : size_class < 8 ? 200 + random() % 20000
                                              : 20000 + random() % 150000;
    const bool text = random() % 3 != 0;
    const Bytes payload = random_payload(random, size, text);
    const MessageType type = text ? MessageType::text : MessageType::binary;
    const Compression compression = random() % 8 == 0 ? Compression::never : Compression::automatic;
    const std::size_t fragments = random() % 3 == 0 ? 1 + random() % 6 : 1;
    if (fragments == 1) {
      EXPECT_EQ(sender.send(type, payload, compression), ApiError::none);
    } else {
      std::size_t at = 0;
      for (std::size_t f = 0; f < fragments; ++f) {
        const bool last = f + 1 == fragments;
        const std::size_t piece = last ? size - at : random() % (size - at + 1);
        EXPECT_EQ(
            sender.send_fragment(type, ByteView(payload).subspan(at, piece), last, compression),
            ApiError::none);
        at += piece;
        if (!last && random() % 3 == 0) {
          EXPECT_EQ(sender.ping(test::bytes_of("p")), ApiError::none);
          sent.expected.push_back("ping p");
        }
      }
    }
    sent.expected.push_back(test::describe(MessageReceived{type, payload, 0}));
    sent.payload_bytes += size;
  }
  return sent;
}

// Receives `wire` in random chunks; whole messages or streamed pieces joined up, RSV removed.
Trace receive_in_random_chunks(Connection& receiver, ByteView wire, std::mt19937_64& random) {
  Trace trace;
  Bytes message;
  Bytes scratch;
  for (std::size_t at = 0; at < wire.size();) {
    const std::size_t piece = std::min<std::size_t>(wire.size() - at, 1 + random() % 9000);
    scratch.assign(wire.begin() + static_cast<std::ptrdiff_t>(at),
                   wire.begin() + static_cast<std::ptrdiff_t>(at + piece));
    at += piece;
    receiver.receive_in_place(MutableByteView(scratch));
    while (auto event = receiver.next_event()) {
      if (const auto* fragment = std::get_if<FragmentReceived>(&*event)) {
        message.insert(message.end(), fragment->data.begin(), fragment->data.end());
        if (fragment->message_finished) {
          trace.push_back(test::describe(MessageReceived{fragment->type, message, 0}));
          message.clear();
        }
      } else if (const auto* whole = std::get_if<MessageReceived>(&*event)) {
        trace.push_back(test::describe(MessageReceived{whole->type, whole->data, 0}));
      } else {
        trace.push_back(test::describe(*event));
      }
    }
    std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});  // views must not outlive it
  }
  return trace;
}

// (seed, no context takeover, streaming delivery)
class DeflateRoundTrip : public ::testing::TestWithParam<std::tuple<std::uint64_t, bool, bool>> {
 protected:
  void run(Role sender_role) {
    const auto [seed, no_takeover, streaming] = GetParam();
    std::mt19937_64 random(seed);
    const DeflateAgreement agreement{no_takeover, no_takeover, 15, 15};
    ConnectionOptions sender_options;
    sender_options.deflate.window_bits = static_cast<std::uint8_t>(9 + seed % 7);
    sender_options.deflate.memory_level = static_cast<std::uint8_t>(1 + seed % 9);
    ConnectionOptions receiver_options;
    receiver_options.delivery = streaming ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    const Role receiver_role = sender_role == Role::server ? Role::client : Role::server;
    Connection sender = Connection::open(sender_role, sender_options, [&](MutableByteView out) {
      for (auto& b : out)
        b = static_cast<std::byte>(random());
    });
    Connection receiver = Connection::open(receiver_role, receiver_options, test::fixed_random({}));
    ASSERT_EQ(sender.enable_deflate(agreement), ApiError::none);
    ASSERT_EQ(receiver.enable_deflate(agreement), ApiError::none);
    const Sent sent = send_random_messages(sender, random, 24);
    const Bytes wire(sender.pending_output().begin(), sender.pending_output().end());
    EXPECT_EQ(receive_in_random_chunks(receiver, wire, random), sent.expected);
    EXPECT_LT(wire.size(), sent.payload_bytes) << "compression should pay off on this mix";
    // Between messages, idle memory can be given back without losing the context.
    sender.release_idle_buffers();
    receiver.release_idle_buffers();
    const Sent more = send_random_messages(sender, random, 6);
    const Bytes more_wire(
        sender.pending_output().begin() + static_cast<std::ptrdiff_t>(wire.size()),
        sender.pending_output().end());
    EXPECT_EQ(receive_in_random_chunks(receiver, more_wire, random), more.expected);
  }
};

TEST_P(DeflateRoundTrip, ServerToClient) {
  run(Role::server);
}

TEST_P(DeflateRoundTrip, ClientToServer) {
  run(Role::client);
}

INSTANTIATE_TEST_SUITE_P(Rfc7692Section7_2, DeflateRoundTrip,
                         ::testing::Combine(::testing::Values(1, 2, 42, 7692), ::testing::Bool(),
                                            ::testing::Bool()));

}  // namespace
}  // namespace wscore

// Shared by the fuzz targets: reading options from the input's first bytes, and the invariants
// every connection must keep whatever it is fed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/utf8.hpp"

namespace wscore::fuzz {

// Aborts with a message: the fuzzer records the input as a crash.
[[noreturn]] inline void violated(const char* invariant) {
  std::fprintf(stderr, "invariant violated: %s\n", invariant);
  std::abort();
}

inline void check(bool condition, const char* invariant) {
  if (!condition) violated(invariant);
}

// Consumes bytes from the front of the input.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return size_ ? (--size_, *data_++) : 0; }
  std::span<const std::uint8_t> rest() const { return {data_, size_}; }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, size_);
    std::span<const std::uint8_t> out(data_, n);
    data_ += n;
    size_ -= n;
    return out;
  }
  bool empty() const { return size_ == 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

// Options chosen by the input: delivery mode, auto-pong, limits small enough to hit.
inline ConnectionOptions options_from(InputReader& input) {
  const std::uint8_t flags = input.byte();
  ConnectionOptions options;
  options.delivery = (flags & 1) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
  options.auto_pong = (flags & 2) == 0;
  static constexpr std::uint64_t limits[] = {0, 1, 125, 126, 1000, 65536, 1 << 20};
  options.max_frame_size = limits[(flags >> 2) % 7];
  options.max_message_size = limits[(flags >> 5) % 7];
  if ((flags & 0x80) == 0) {
    options.max_frame_size = ConnectionOptions::default_limit;
    options.max_message_size = ConnectionOptions::default_limit;
  }
  return options;
}

// Parses `wire` — what a connection in `sender_role` wrote — in the opposite role and checks that
// it is a clean frame stream: no protocol error, every close code one a peer may send.
inline void check_output_reparses(Role sender_role, ByteView wire) {
  const Role receiver_role = sender_role == Role::server ? Role::client : Role::server;
  ConnectionOptions options;
  options.max_frame_size = std::numeric_limits<std::uint64_t>::max();
  options.max_message_size = std::numeric_limits<std::uint64_t>::max();
  options.delivery = DeliveryMode::streaming;
  Connection receiver = Connection::open(receiver_role, options, [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0x5a};
  });
  receiver.receive(wire);
  while (auto event = receiver.next_event()) {
    check(!std::holds_alternative<ProtocolError>(*event), "output re-parses cleanly");
    if (const auto* close = std::get_if<CloseReceived>(&*event)) {
      check(close->code == close_code::no_status_received || is_valid_close_code(close->code),
            "sent close codes are valid");
    }
  }
}

// Feeds `input` to `connection` in pieces whose sizes come from `chunking`, checking after each
// event that the connection keeps its promises. Returns the bytes it wrote.
inline void run_and_check(Connection& connection, InputReader& input) {
  const ConnectionOptions options = connection.options();
  const std::uint8_t chunk_seed = input.byte();
  const auto data = input.rest();
  std::vector<std::byte> scratch;
  bool finished = false;
  std::uint64_t streamed = 0;
  std::size_t at = 0;
  std::size_t piece_index = 0;
  while (at < data.size()) {
    const std::size_t piece =
        chunk_seed == 0 ? data.size() : 1 + (chunk_seed * (piece_index + 7)) % 251;
    ++piece_index;
    const std::size_t n = std::min(piece, data.size() - at);
    scratch.assign(reinterpret_cast<const std::byte*>(data.data() + at),
                   reinterpret_cast<const std::byte*>(data.data() + at + n));
    at += n;
    connection.receive(MutableByteView(scratch));
    while (auto event = connection.next_event()) {
      check(!finished, "no event after a fatal error or the peer's close");
      if (const auto* message = std::get_if<MessageReceived>(&*event)) {
        check(message->data.size() <= options.max_message_size, "message within the limit");
        check(message->type == MessageType::binary || is_valid_utf8(message->data),
              "text messages are UTF-8");
      } else if (const auto* fragment = std::get_if<FragmentReceived>(&*event)) {
        streamed += fragment->data.size();
        check(streamed <= options.max_message_size, "streamed message within the limit");
        if (fragment->message_finished) streamed = 0;
      } else if (const auto* ping = std::get_if<PingReceived>(&*event)) {
        check(ping->data.size() <= max_control_payload_size, "ping payload <= 125");
      } else if (const auto* error = std::get_if<ProtocolError>(&*event)) {
        check(is_valid_close_code(error->code), "protocol errors carry a sendable code");
        finished = true;
      } else if (std::holds_alternative<CloseReceived>(*event)) {
        finished = true;
      }
    }
    std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});  // views must not outlive input
  }
  if (finished) check(connection.state() == ConnectionState::closed, "closed after the end");
}

}  // namespace wscore::fuzz

// SPDX-License-Identifier: MIT
// Checks the bytes a connection wrote. Two independent readers must agree on them: a plain frame
// walker written here from RFC 6455 §5.2 (it shares no code with the library), and a library
// Connection in the opposite role, which must report no protocol error.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "wscore/connection.hpp"

namespace wscore::fuzz {

// What a stream of frames carried, frame by frame, in the terms of TraceEntry.
struct WireSummary {
  std::vector<TraceEntry> entries;  // messages (reassembled), pings, pongs, the close
  std::optional<std::uint16_t> close_code;
  bool ends_inside_message = false;  // a fragmented message was never finished
};

// Walks `wire`, written by a connection in `sender`'s role: every frame is whole, uses the
// shortest length form, is masked if and only if a client sent it, sets no RSV bit, uses a
// defined opcode, keeps control frames short and unfragmented and data frames in order, and
// nothing follows the Close.
inline WireSummary walk_frames(Role sender, ByteView wire) {
  WireSummary summary;
  std::size_t at = 0;
  bool in_message = false;
  TraceEntry message;
  const auto byte_at = [&](std::size_t index) {
    check(index < wire.size(), "output holds whole frames");
    return static_cast<std::uint8_t>(wire[index]);
  };
  while (at < wire.size()) {
    check(!summary.close_code, "nothing is written after a Close (RFC 6455 5.5.1)");
    const std::uint8_t first = byte_at(at);
    const std::uint8_t second = byte_at(at + 1);
    const bool fin = (first & 0x80) != 0;
    const std::uint8_t opcode = first & 0x0F;
    check((first & 0x70) == 0, "no RSV bit without an extension");
    check(((second & 0x80) != 0) == (sender == Role::client), "clients mask, servers do not (5.3)");
    std::uint64_t length = second & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      length = (std::uint64_t{byte_at(at + 2)} << 8) | byte_at(at + 3);
      check(length >= 126, "16-bit length form only when needed (RFC 6455 5.2)");
      header = 4;
    } else if (length == 127) {
      length = 0;
      for (std::size_t i = 0; i < 8; ++i)
        length = (length << 8) | byte_at(at + 2 + i);
      check(length > 0xFFFF && (length >> 63) == 0, "64-bit length form only when needed");
      header = 10;
    }
    std::uint8_t key[4] = {0, 0, 0, 0};
    if (sender == Role::client) {
      for (std::size_t i = 0; i < 4; ++i)
        key[i] = byte_at(at + header + i);
      header += 4;
    }
    check(length <= wire.size() - at - header, "output holds whole frames");
    std::vector<std::byte> payload(static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<std::byte>(byte_at(at + header + i) ^ key[i % 4]);
    }
    at += header + payload.size();

    if (opcode >= 0x8) {
      check(fin && payload.size() <= max_control_payload_size,
            "control frames are short and whole (RFC 6455 5.5)");
      if (opcode == 0x9) {
        summary.entries.push_back({TraceEntry::Kind::ping, {}, 0, 0, payload});
      } else if (opcode == 0xA) {
        summary.entries.push_back({TraceEntry::Kind::pong, {}, 0, 0, payload});
      } else {
        check(opcode == 0x8, "defined control opcode");
        check(payload.size() != 1, "close payload is empty or has a code (RFC 6455 5.5.1)");
        std::uint16_t code = close_code::no_status_received;
        if (payload.size() >= 2) {
          code = static_cast<std::uint16_t>((std::to_integer<unsigned>(payload[0]) << 8) |
                                            std::to_integer<unsigned>(payload[1]));
          check(is_valid_close_code(code), "every close code sent is one a peer may send");
          payload.erase(payload.begin(), payload.begin() + 2);
          check(ReferenceUtf8::is_valid(payload), "close reason is UTF-8");
        }
        summary.close_code = code;
        summary.entries.push_back({TraceEntry::Kind::close, {}, 0, code, payload});
      }
      continue;
    }
    if (opcode == 0x1 || opcode == 0x2) {
      check(!in_message, "a new message waits for the last fragment (RFC 6455 5.4)");
      in_message = true;
      message = {TraceEntry::Kind::message, static_cast<MessageType>(opcode), 0, 0, {}};
    } else {
      check(opcode == 0x0, "defined data opcode");
      check(in_message, "continuation frames continue a message (RFC 6455 5.4)");
    }
    message.data.insert(message.data.end(), payload.begin(), payload.end());
    if (!fin) continue;
    in_message = false;
    if (message.type == MessageType::text) {
      check(ReferenceUtf8::is_valid(message.data), "text sent is valid UTF-8");
    }
    summary.entries.push_back(std::move(message));
  }
  summary.ends_inside_message = in_message;
  return summary;
}

// Parses `wire` with a library connection in the role opposite `sender` and returns its trace:
// it must be free of protocol errors and agree with walk_frames.
inline std::vector<TraceEntry> reparse(Role sender, ByteView wire, DeliveryMode delivery) {
  ConnectionOptions options;
  options.max_frame_size = std::numeric_limits<std::uint64_t>::max();
  options.max_message_size = std::numeric_limits<std::uint64_t>::max();
  options.delivery = delivery;
  options.auto_pong = false;
  const Role receiver_role = sender == Role::server ? Role::client : Role::server;
  Connection receiver = Connection::open(receiver_role, options, [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0x5a};
  });
  EventChecker checker(options, 0);
  receiver.receive(wire);
  while (auto event = receiver.next_event()) {
    check(!std::holds_alternative<ProtocolError>(*event), "output re-parses cleanly");
    checker.on_event(*event);
  }
  return checker.trace();
}

// Both readers at once: returns the walker's summary after checking that the library reader
// saw the same frames.
inline WireSummary check_wire(Role sender, ByteView wire, DeliveryMode delivery) {
  WireSummary summary = walk_frames(sender, wire);
  std::vector<TraceEntry> expected = summary.entries;
  std::vector<TraceEntry> parsed = reparse(sender, wire, delivery);
  check(parsed == expected, "library and plain frame reader agree on the output");
  return summary;
}

}  // namespace wscore::fuzz

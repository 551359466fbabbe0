// SPDX-License-Identifier: MIT
// The /inspect path of `wscore serve`: the echo, then a report of the frames behind it. A page
// cannot see WebSocket frames (the browser API hands it whole messages), so the server says what
// it received and what it sent:
//
//   {"type":"inspect","extensions":"permessage-deflate; ...",
//    "received":{"opcode":1,"fin":true,"rsv1":true,"length":120,"wire_bytes":63},
//    "sent":{"opcode":1,"fin":true,"rsv1":true,"length":120,"wire_bytes":58}}
//
// received: the message's opcode (1 text, 2 binary) and RSV1 as they came in its first frame
// (RFC 6455 §5.2; RSV1 = compressed, RFC 7692 §6), FIN of its last frame (always 1: the message
// came whole), its length once inflated, and the bytes read from the connection since the
// previous message: every frame header and payload as sent, masked, compressed (exact when the
// page waits for each echo, as the demo does; a Pong in between would count too).
// sent: the echo, written as one frame: opcode, RSV1 (compressed or not, by the rule the core
// applies), length, and its exact size on the wire (what the send queued: header + payload).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wscore/events.hpp"

namespace wscore::cli {

struct MessageOnTheWire {
  MessageType type = MessageType::text;
  bool rsv1 = false;
  std::uint64_t length = 0;      // payload bytes, inflated
  std::uint64_t wire_bytes = 0;  // frame headers and payloads as on the wire
};

// What the core does with a whole message (Connection::should_compress and write_compressed):
// compressed when deflate is in force and it is at least the threshold, except that without
// context takeover one that did not shrink goes out as it is; which `wire_bytes` tells.
bool echo_was_compressed(std::uint64_t length, std::uint64_t wire_bytes,
                         std::string_view extensions, std::size_t compression_threshold);

std::string inspect_report(const MessageOnTheWire& received, const MessageOnTheWire& sent,
                           std::string_view extensions);

}  // namespace wscore::cli

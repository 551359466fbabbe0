// SPDX-License-Identifier: MIT
// The driver target's final check: the bytes the transport wrote, parsed as the peer reads them
// (the HTTP head, then frames with a FrameParser in the peer's role), against what the run
// recorded: the request, the answer, the accepted sends and Pings, the Close. See driver.cpp
// for the rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {

using Bytes = std::vector<std::byte>;

inline bool starts_with(ByteView bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), bytes.begin(),
                    [](char c, std::byte b) { return static_cast<std::byte>(c) == b; });
}

inline std::string status_line(int status) {
  return "HTTP/1.1 " + std::to_string(status < 100 || status > 599 ? 500 : status) + " ";
}

// The size of a frame with `payload_size` bytes in the minimal length form (RFC 6455 §5.2).
inline std::size_t frame_size(std::size_t payload_size, bool masked) {
  const std::size_t length_size = payload_size < 126 ? 0 : payload_size <= 0xFFFF ? 2 : 8;
  return 2 + length_size + (masked ? 4 : 0) + payload_size;
}

struct WireFrame {
  std::uint8_t opcode;
  bool fin;
  Bytes payload;
  friend bool operator==(const WireFrame&, const WireFrame&) = default;
};

// The frames in `bytes`, written by `sender`, read with a FrameParser in the peer's role: each
// valid for that role (RFC 6455 §5.1-§5.5). The last may be cut only if `may_be_cut`.
inline std::vector<WireFrame> parse_frames(Role sender, ByteView bytes, bool may_be_cut) {
  FrameParser parser(sender == Role::server ? Role::client : Role::server);
  std::vector<WireFrame> frames;
  Bytes scratch(bytes.begin(), bytes.end());
  MutableByteView input(scratch);
  bool in_frame = false;
  for (;;) {
    const FrameParser::Step step = parser.parse(input);
    input = input.subspan(step.bytes_consumed);
    check(step.status != FrameParser::Status::violation, "we write only valid frames");
    if (step.status == FrameParser::Status::need_more) break;
    if (step.status == FrameParser::Status::header) {
      frames.push_back({parser.header().opcode, parser.header().fin, {}});
      in_frame = true;
      continue;
    }
    frames.back().payload.insert(frames.back().payload.end(), step.payload.begin(),
                                 step.payload.end());
    if (step.frame_finished) in_frame = false;
  }
  const bool cut = in_frame || !parser.at_frame_start();
  check(!cut || may_be_cut, "we write whole frames unless the transport gave up");
  if (cut && in_frame) frames.pop_back();
  return frames;
}

// What the wire must carry, as the API results and the events told it.
struct WireRecord {
  Bytes request;         // client: the request queued at construction
  bool dropped = false;  // abort() dropped unwritten output
  std::optional<int> handshake_failed_status;
  std::optional<int> answer_status;
  ConnectionState terminal_state_before = ConnectionState::handshake;
  std::optional<std::uint16_t> terminal_close_code;
  std::optional<std::pair<std::uint16_t, Bytes>> our_close;
  std::vector<WireFrame> data_frames;  // accepted sends, as frames
  std::vector<Bytes> pings_sent;       // ping()s and keep-alive Pings
};

// `wire` is everything the transport wrote for a connection in `role`.
inline void check_wire(Role role, ByteView wire, const WireRecord& record) {
  const std::string_view end_of_head = "\r\n\r\n";
  const auto head_end =
      std::search(wire.begin(), wire.end(), end_of_head.begin(), end_of_head.end(),
                  [](std::byte b, char c) { return b == static_cast<std::byte>(c); });
  if (role == Role::server) {
    if (record.handshake_failed_status && *record.handshake_failed_status != 0) {
      check(starts_with(wire, status_line(*record.handshake_failed_status)),
            "a refused request is answered with its HTTP status");
    }
    if (record.answer_status) {
      check(starts_with(wire, status_line(*record.answer_status)) || record.dropped,
            "the answer is what the server wrote first");
    }
    if (record.answer_status != 101) {
      check(!starts_with(wire, "HTTP/1.1 101"), "no 101 without accept()");
      return;
    }
  } else {
    const std::size_t common = std::min(wire.size(), record.request.size());
    check(std::equal(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(common),
                     record.request.begin()) &&
              (common == record.request.size() || record.dropped),
          "the client writes its request first");
  }
  if (head_end == wire.end()) {
    check(record.data_frames.empty() || record.dropped, "frames follow the head");
    return;
  }
  const ByteView frames_bytes =
      wire.subspan(static_cast<std::size_t>(head_end - wire.begin()) + end_of_head.size());
  const std::vector<WireFrame> frames = parse_frames(role, frames_bytes, record.dropped);
  std::vector<WireFrame> data;
  std::vector<Bytes> pings;
  std::optional<WireFrame> close;
  for (const WireFrame& frame : frames) {
    check(!close, "nothing is written after a Close (RFC 6455 5.5.1)");
    if (frame.opcode == 0x8) {
      close = frame;
    } else if (frame.opcode == 0x9) {
      pings.push_back(frame.payload);
    } else if (frame.opcode != 0xA) {
      data.push_back(frame);
    }
  }
  const auto is_prefix = [&record](const auto& got, const auto& sent) {
    return got.size() <= sent.size() && (record.dropped || got.size() == sent.size()) &&
           std::equal(got.begin(), got.end(), sent.begin());
  };
  check(is_prefix(data, record.data_frames), "the data frames are the accepted sends, in order");
  check(is_prefix(pings, record.pings_sent),
        "the Pings are ping()s and keep-alive Pings, in order");
  // The Close the wire carries (RFC 6455 §5.5.1, §7.1.2, §7.1.7).
  std::optional<std::pair<std::uint16_t, Bytes>> expected;
  if (record.our_close) {
    expected = record.our_close;
  } else if (record.terminal_close_code && record.terminal_state_before == ConnectionState::open) {
    expected = std::pair<std::uint16_t, Bytes>{*record.terminal_close_code, {}};
  }
  if (!close) {
    check(!expected || record.dropped, "a Close is written when the connection calls for one");
    return;
  }
  check(expected.has_value(), "no Close without a reason for one");
  const Bytes& body = close->payload;
  if (expected->first == close_code::no_status_received) {
    check(body.empty(), "the echo of a Close without a code has no code");
    return;
  }
  check(body.size() >= 2, "the Close carries a code");
  const auto code = static_cast<std::uint16_t>((std::to_integer<unsigned>(body[0]) << 8) |
                                               std::to_integer<unsigned>(body[1]));
  check(code == expected->first, "the Close carries the code: ours, the violation's, the echo");
  if (record.our_close) {
    check(Bytes(body.begin() + 2, body.end()) == expected->second, "and our reason");
  }
}

}  // namespace wscore::fuzz

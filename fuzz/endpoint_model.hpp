// SPDX-License-Identifier: MIT
// The model connection_api keeps of each endpoint: what it has sent that the peer has yet to
// receive, where it stands in the closing handshake, and so what each API call must return.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "reference_utf8.hpp"
#include "wscore/connection.hpp"

namespace wscore::fuzz {

using Bytes = std::vector<std::byte>;

struct Message {
  MessageType type;
  Bytes data;
};

struct CloseFrame {
  std::uint16_t code;  // 1005 for a Close without a code
  Bytes reason;
};

// One endpoint: the connection, the bytes it wrote that the peer has not received yet, and the
// model of what it has done.
struct Side {
  Side(Role role, Connection connection, bool copying_receive)
      : role(role), connection(std::move(connection)), copying_receive(copying_receive) {}

  Role role;
  Connection connection;
  bool copying_receive;
  Bytes wire;  // taken from the output, not yet delivered

  // The model.
  bool open = false;    // this side completed the opening handshake
  bool failed = false;  // the handshake was refused (no close handshake follows)
  bool close_received = false;
  std::optional<CloseFrame> close_sent;  // the Close this side wrote, by close() or as the echo
  bool sending_fragments = false;
  Message fragments{MessageType::binary, {}};  // the fragmented message being sent
  std::deque<Message> messages_out;            // complete, not yet received by the peer
  std::deque<Bytes> pings_out;
  std::deque<Bytes> pongs_out;  // sent with pong()
  std::vector<Bytes> pings_sent;

  // Reading.
  bool streaming_in_progress = false;
  Message streamed{MessageType::binary, {}};

  bool can_send() const { return open && !failed && !close_sent; }

  // What each sending call must return, in the order the checks are documented
  // (connection.hpp): state first, then the message in progress, then the payload.
  ApiError expect_send(MessageType type, ByteView data) const {
    if (!can_send()) return ApiError::wrong_state;
    if (sending_fragments) return ApiError::message_in_progress;
    if (type == MessageType::text && !ReferenceUtf8::is_valid(data)) return ApiError::invalid_utf8;
    return ApiError::none;
  }
  // `so_far`: the message's bytes including this fragment's; `type`: the message's type.
  ApiError expect_fragment(MessageType type, ByteView so_far, bool last) const {
    if (!can_send()) return ApiError::wrong_state;
    const bool valid_text =
        ReferenceUtf8::is_valid_prefix(so_far) && (!last || ReferenceUtf8::is_valid(so_far));
    if (type == MessageType::text && !valid_text) return ApiError::invalid_utf8;
    return ApiError::none;
  }
  ApiError expect_control(std::size_t payload_size) const {
    if (!can_send()) return ApiError::wrong_state;
    // RFC 6455 §5.5: control payloads are at most 125 bytes.
    if (payload_size > max_control_payload_size) return ApiError::control_payload_too_large;
    return ApiError::none;
  }
  ApiError expect_close(std::uint16_t code, ByteView reason) const {
    if (!can_send()) return ApiError::wrong_state;
    if (!is_valid_close_code(code)) return ApiError::invalid_close_code;  // RFC 6455 §7.4
    if (reason.size() > max_close_reason_size) return ApiError::control_payload_too_large;
    if (!ReferenceUtf8::is_valid(reason)) return ApiError::invalid_utf8;  // RFC 6455 §5.5.1
    return ApiError::none;
  }
};

}  // namespace wscore::fuzz

// SPDX-License-Identifier: MIT
/// @file
/// Protocol violations by name: which rule of RFC 6455 / RFC 7692 the peer broke, and the close
/// code that answers it. A ProtocolError carries one, so a test or a log can tell which rule fired,
/// not only that some rule with the same code did.
#pragma once

#include <cstdint>
#include <string_view>

namespace wscore {

/// A rule of RFC 6455 or RFC 7692 that the peer broke; close_code_for() gives the code that
/// fails the connection for it.
enum class Violation : std::uint8_t {
  // The frame layer (FrameParser): rules one frame header breaks on its own.
  length_high_bit_set,         ///< 64-bit payload length with its most significant bit (§5.2)
  reserved_opcode,             ///< opcode 0x3-0x7 or 0xB-0xF (§5.2)
  unmasked_frame_from_client,  ///< a client masks every frame (§5.1, §5.3)
  masked_frame_from_server,    ///< a server masks none (§5.1)
  rsv_without_extension,       ///< RSV bit no negotiated extension claims (§5.2, RFC 7692 §6)
  control_frame_too_long,      ///< control payload over 125 bytes (§5.5)
  fragmented_control_frame,    ///< control frame without FIN (§5.5)
  // The message layer: rules that need what came before.
  continuation_without_message,  ///< continuation frame with no message open (§5.4)
  data_frame_inside_message,     ///< text/binary frame before the open message ended (§5.4)
  frame_too_big,                 ///< frame over max_frame_size (§10.4, code §7.4.1)
  message_too_big,               ///< message over max_message_size (§10.4)
  inflated_message_too_big,  ///< compressed message inflating past max_message_size (RFC 7692 §8)
  too_many_fragments,        ///< message in more than max_fragments_per_message frames (§10.4)
  invalid_utf8,              ///< text that is not UTF-8 (§8.1)
  truncated_utf8,            ///< text message ending inside a UTF-8 sequence (§8.1)
  close_payload_one_byte,    ///< Close body of exactly one byte (§5.5.1)
  invalid_close_code,        ///< Close code one may not send (§7.4)
  invalid_close_reason,      ///< Close reason that is not UTF-8 (§5.5.1)
  invalid_compressed_data,   ///< DEFLATE data zlib refuses (RFC 7692 §7.2.2)
  inflate_out_of_memory,     ///< no memory to inflate a compressed message (1011)
  message_out_of_memory,     ///< no memory to assemble a message within the limits (1011)
};

/// The close code that fails the connection for `violation` (RFC 6455 §7.4.1).
[[nodiscard]] std::uint16_t close_code_for(Violation violation) noexcept;
/// The enumerator's name, e.g. "unmasked_frame_from_client" (for logs and test traces).
/// @lifetime A string literal: valid for the life of the program.
[[nodiscard]] std::string_view violation_name(Violation violation) noexcept;
/// A short sentence with the RFC section, e.g. "unmasked frame from a client (RFC 6455 5.1)"; it
/// also goes out as the Close frame's reason.
/// @lifetime A string literal: valid for the life of the program.
[[nodiscard]] std::string_view to_string(Violation violation) noexcept;

}  // namespace wscore

// SPDX-License-Identifier: MIT
#include "wscore/violation.hpp"

#include "wscore/close_code.hpp"

namespace wscore {
namespace {

struct ViolationInfo {
  std::uint16_t code;
  std::string_view name;
  std::string_view sentence;
};

// One row per Violation, in the enum's order.
constexpr ViolationInfo violation_table[] = {
    {close_code::protocol_error, "length_high_bit_set",
     "64-bit payload length with the high bit set (RFC 6455 5.2)"},
    {close_code::protocol_error, "reserved_opcode", "reserved opcode (RFC 6455 5.2)"},
    {close_code::protocol_error, "unmasked_frame_from_client",
     "unmasked frame from a client (RFC 6455 5.1)"},
    {close_code::protocol_error, "masked_frame_from_server",
     "masked frame from a server (RFC 6455 5.1)"},
    {close_code::protocol_error, "rsv_without_extension",
     "RSV bit set without an extension (RFC 6455 5.2)"},
    {close_code::protocol_error, "control_frame_too_long",
     "control frame over 125 bytes (RFC 6455 5.5)"},
    {close_code::protocol_error, "fragmented_control_frame",
     "fragmented control frame (RFC 6455 5.5)"},
    {close_code::protocol_error, "continuation_without_message",
     "continuation frame without a message (RFC 6455 5.4)"},
    {close_code::protocol_error, "data_frame_inside_message",
     "new message inside a fragmented one (RFC 6455 5.4)"},
    {close_code::message_too_big, "frame_too_big", "frame larger than max_frame_size"},
    {close_code::message_too_big, "message_too_big", "message larger than max_message_size"},
    {close_code::message_too_big, "inflated_message_too_big",
     "inflated message larger than max_message_size"},
    {close_code::policy_violation, "too_many_fragments",
     "message in more than max_fragments_per_message frames"},
    {close_code::invalid_payload, "invalid_utf8", "invalid UTF-8 in a text message (RFC 6455 8.1)"},
    {close_code::invalid_payload, "truncated_utf8", "text message ends inside a UTF-8 sequence"},
    {close_code::protocol_error, "close_payload_one_byte",
     "close frame with a 1-byte payload (RFC 6455 5.5.1)"},
    {close_code::protocol_error, "invalid_close_code",
     "close code that may not be sent (RFC 6455 7.4)"},
    {close_code::invalid_payload, "invalid_close_reason",
     "close reason is not UTF-8 (RFC 6455 5.5.1)"},
    {close_code::invalid_payload, "invalid_compressed_data",
     "invalid compressed data (RFC 7692 7.2.2)"},
    {close_code::internal_error, "inflate_out_of_memory", "out of memory for decompression"},
    {close_code::internal_error, "message_out_of_memory", "out of memory for a message"},
};

const ViolationInfo& info(Violation violation) noexcept {
  return violation_table[static_cast<std::size_t>(violation)];
}

}  // namespace

static_assert(std::size(violation_table) ==
                  static_cast<std::size_t>(Violation::message_out_of_memory) + 1,
              "one row per Violation");

std::uint16_t close_code_for(Violation violation) noexcept {
  return info(violation).code;
}

std::string_view violation_name(Violation violation) noexcept {
  return info(violation).name;
}

std::string_view to_string(Violation violation) noexcept {
  return info(violation).sentence;
}

}  // namespace wscore

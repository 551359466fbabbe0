// SPDX-License-Identifier: MIT
// Close status codes (RFC 6455 §7.4).
#pragma once

#include <cstdint>

namespace wscore {

// The codes RFC 6455 §7.4.1 defines, plus those IANA registered since (1012-1014).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status_received = 1005;  // reported, never sent
inline constexpr std::uint16_t abnormal_closure = 1006;    // reported, never sent
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t mandatory_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t service_restart = 1012;
inline constexpr std::uint16_t try_again_later = 1013;
inline constexpr std::uint16_t bad_gateway = 1014;
inline constexpr std::uint16_t tls_handshake_failed = 1015;  // reported, never sent
}  // namespace close_code

// True for a code an endpoint may put in a Close frame, and so may receive in one
// (RFC 6455 §7.4.1, §7.4.2): 1000-1003, 1007-1014 (1004 reserved, 1005/1006/1015 never on the
// wire, 1016-2999 reserved for future protocol revisions), and 3000-4999 (registered and private).
[[nodiscard]] constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// RFC 6455 §5.5: a control frame payload is at most 125 bytes, and a close payload starts with
// the two-byte code, so a close reason is at most 123 bytes.
inline constexpr std::size_t max_control_payload_size = 125;
inline constexpr std::size_t max_close_reason_size = max_control_payload_size - 2;

}  // namespace wscore

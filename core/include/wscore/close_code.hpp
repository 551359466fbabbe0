// SPDX-License-Identifier: MIT
/// @file
/// Close status codes (RFC 6455 §7.4).
#pragma once

#include <cstdint>

namespace wscore {

/// The codes RFC 6455 §7.4.1 defines, plus those IANA registered since (1012-1014).
namespace close_code {
/// 1000: the purpose of the connection was fulfilled.
inline constexpr std::uint16_t normal = 1000;
/// 1001: an endpoint is going away (a server shutting down, a page left).
inline constexpr std::uint16_t going_away = 1001;
/// 1002: a protocol error.
inline constexpr std::uint16_t protocol_error = 1002;
/// 1003: a type of data the endpoint cannot accept.
inline constexpr std::uint16_t unsupported_data = 1003;
/// 1005: the Close frame carried no code (CloseReceived); 1006: the connection ended without a
/// Close frame (ConnectionLost). Both are reported, never sent.
inline constexpr std::uint16_t no_status_received = 1005;  ///< reported, never sent
inline constexpr std::uint16_t abnormal_closure = 1006;    ///< reported, never sent
/// 1007: data inconsistent with its type, e.g. text that is not UTF-8.
inline constexpr std::uint16_t invalid_payload = 1007;
/// 1008: a message that violates the endpoint's policy.
inline constexpr std::uint16_t policy_violation = 1008;
/// 1009: a frame or message too big to process.
inline constexpr std::uint16_t message_too_big = 1009;
/// 1010: the client expected an extension the server did not negotiate.
inline constexpr std::uint16_t mandatory_extension = 1010;
/// 1011: the server met an unexpected condition.
inline constexpr std::uint16_t internal_error = 1011;
/// 1012: the service is restarting (IANA registry).
inline constexpr std::uint16_t service_restart = 1012;
/// 1013: try again later (IANA registry).
inline constexpr std::uint16_t try_again_later = 1013;
/// 1014: a gateway or proxy got an invalid response upstream (IANA registry).
inline constexpr std::uint16_t bad_gateway = 1014;
/// 1015: the TLS handshake failed; reported, never sent.
inline constexpr std::uint16_t tls_handshake_failed = 1015;  // reported, never sent
}  // namespace close_code

/// True for a code an endpoint may put in a Close frame, and so may receive in one
/// (RFC 6455 §7.4.1, §7.4.2): 1000-1003, 1007-1014 (1004 reserved, 1005/1006/1015 never on the
/// wire, 1016-2999 reserved for future protocol revisions), and 3000-4999 (registered and private).
[[nodiscard]] constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

/// RFC 6455 §5.5: a control frame payload is at most 125 bytes, and a close payload starts with
/// the two-byte code, so a close reason is at most 123 bytes.
inline constexpr std::size_t max_control_payload_size = 125;
/// The longest close reason: a control payload less the two-byte code (RFC 6455 §5.5.1).
inline constexpr std::size_t max_close_reason_size = max_control_payload_size - 2;

}  // namespace wscore

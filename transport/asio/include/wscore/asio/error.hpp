// SPDX-License-Identifier: MIT
// Error codes of wscore::asio::Stream operations, as boost::system::error_code values. Each one
// names the core's event that ended the connection (the close code and reason are on the
// stream: Stream::ending()); a call the core refused is its ApiError, which converts to an
// error_code as it is.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

#include "wscore/connection.hpp"

namespace wscore::asio {

enum class Error {
  // The close handshake finished: the peer's Close (CloseReceived), answered, or the answer to
  // ours. What an async_read in progress completes with, as Beast's websocket::error::closed.
  closed = 1,
  // The peer broke the protocol (ProtocolError): the core sent a Close with its code.
  protocol_error,
  // The connection ended without a close handshake (ConnectionLost, 1006): end of stream, a
  // socket error, or a deadline of the driver.
  connection_lost,
  // The opening handshake failed (HandshakeFailed): refused request or response, or the
  // transport gave up before it finished.
  handshake_failed,
  // A DriverPolicy deadline passed (opening handshake with TLS, Pong, close handshake) and the
  // driver gave up on the connection: the operation in progress completes with this.
  timeout,
};

[[nodiscard]] const boost::system::error_category& error_category() noexcept;
// ApiError as an error_code: misuse of the API, never a wire event.
[[nodiscard]] const boost::system::error_category& api_error_category() noexcept;

[[nodiscard]] inline boost::system::error_code make_error_code(Error error) noexcept {
  return {static_cast<int>(error), error_category()};
}

}  // namespace wscore::asio

namespace wscore {
// Found by argument-dependent lookup for ApiError.
[[nodiscard]] inline boost::system::error_code make_error_code(ApiError error) noexcept {
  return {static_cast<int>(error), asio::api_error_category()};
}
}  // namespace wscore

template <>
struct boost::system::is_error_code_enum<wscore::asio::Error> : std::true_type {};
template <>
struct boost::system::is_error_code_enum<wscore::ApiError> : std::true_type {};

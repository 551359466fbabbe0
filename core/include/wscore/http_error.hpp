// SPDX-License-Identifier: MIT
/// @file
/// How the opening handshake fails: an HTTP status and a short explanation (RFC 6455 §4.2.1).
#pragma once

#include <string_view>

namespace wscore {

/// Why an opening handshake failed (HandshakeFailed, the handshake parsers' error()).
struct HttpError {
  int status = 0;         ///< 400, 426, 431, ... (server side); the peer's status, or 0 (client)
                          ///< when there was none to judge: a malformed response, options
                          ///< Connection::client() refused, or Connection::abort() before it
  std::string_view what;  ///< a short, human-readable reason
                          ///< @lifetime A string literal, valid for the life of the program;
                          ///< except from Connection::abort(reason) (Driver timeouts included):
                          ///< the connection's copy of `reason`, valid until the connection is
                          ///< destroyed or moved from.
};

}  // namespace wscore

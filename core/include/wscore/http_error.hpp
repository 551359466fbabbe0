// SPDX-License-Identifier: MIT
// How the opening handshake fails: an HTTP status and a short explanation (RFC 6455 §4.2.1).
#pragma once

#include <string_view>

namespace wscore {

struct HttpError {
  int status = 0;         // 400, 426, 431, ... (server side); the peer's status, or 0 (client)
  std::string_view what;  // a short, static, human-readable reason
};

}  // namespace wscore

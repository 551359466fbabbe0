// SPDX-License-Identifier: MIT
// Wall-clock time for logs and the chat: RFC 3339 in UTC with milliseconds.
#pragma once

#include <chrono>
#include <string>

namespace wscore::cli {

// "2025-06-01T12:34:56.789Z" (RFC 3339 §5.6, UTC).
std::string rfc3339_utc(std::chrono::system_clock::time_point time);
inline std::string rfc3339_now() {
  return rfc3339_utc(std::chrono::system_clock::now());
}

}  // namespace wscore::cli

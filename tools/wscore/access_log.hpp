// SPDX-License-Identifier: MIT
// `wscore serve --access-log` / `--log-json`: one line on stderr per connection when it ends (a
// WebSocket closed, an HTTP request answered, a handshake refused), as key=value text or as one
// JSON object per line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "wscore/transport/server.hpp"

namespace wscore::cli {

// Writes a line and its newline to stderr whole, from any thread.
void write_stderr_line(std::string_view line);

// What the application counted for one WebSocket connection.
struct ConnectionRecord {
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
};

class AccessLog {
 public:
  enum class Format { text, json };
  explicit AccessLog(Format format) : format_(format) {}

  void websocket_closed(const transport::Session& session, const ConnectionRecord& record,
                        std::uint16_t code, std::string_view reason) const;
  void http_answered(const transport::Session& session, std::string_view method,
                     std::string_view target, int status, std::size_t body_bytes) const;
  void handshake_failed(const transport::Session& session, int status, std::string_view why) const;

 private:
  class Line;
  Format format_;
};

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
#include "access_log.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "json.hpp"
#include "timestamp.hpp"

namespace wscore::cli {

void write_stderr_line(std::string_view line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

// One line built field by field: `name=value` pairs after the time and peer (values with a
// space, a quote or nothing in them quoted as JSON strings), or the members of a JSON object.
class AccessLog::Line {
 public:
  Line(Format format, const transport::Session& session, std::string_view kind) : format_(format) {
    const std::string time = rfc3339_now();
    if (format_ == Format::json) {
      text_ = "{\"time\":" + json_string(time) +
              ",\"peer\":" + json_string(session.peer_address()) +
              ",\"kind\":" + json_string(kind) + ",\"id\":" + std::to_string(session.id());
    } else {
      text_ = time + " " + std::string(session.peer_address()) + " " + std::string(kind) +
              " id=" + std::to_string(session.id());
    }
  }
  Line& string(std::string_view name, std::string_view value) {
    const bool bare = format_ == Format::text && !value.empty() &&
                      std::all_of(value.begin(), value.end(), [](char c) {
                        return static_cast<unsigned char>(c) > 0x20 && c != 0x7F && c != '"' &&
                               c != '\\' && c != '=';
                      });
    key(name);
    text_ += bare ? std::string(value) : json_string(value);
    return *this;
  }
  Line& number(std::string_view name, std::uint64_t value) {
    key(name);
    text_ += std::to_string(value);
    return *this;
  }
  Line& seconds(std::string_view name, double value) {
    char formatted[32];
    std::snprintf(formatted, sizeof formatted, "%.3f", value);
    key(name);
    text_ += formatted;
    return *this;
  }
  void write() {
    if (format_ == Format::json) text_ += "}";
    write_stderr_line(text_);
  }

 private:
  void key(std::string_view name) {
    if (format_ == Format::json) {
      text_ += ',';
      text_ += json_string(name);
      text_ += ':';
    } else {
      text_ += ' ';
      text_ += name;
      text_ += '=';
    }
  }

  Format format_;
  std::string text_;
};

void AccessLog::websocket_closed(const transport::Session& session, const ConnectionRecord& record,
                                 std::uint16_t code, std::string_view reason) const {
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - record.opened).count();
  Line(format_, session, "websocket")
      .string("path", session.path())
      .string("subprotocol", session.subprotocol())
      .string("extensions", session.extensions())
      .seconds("duration_s", duration)
      .number("messages_in", record.messages_in)
      .number("messages_out", record.messages_out)
      .number("bytes_in", session.bytes_received())
      .number("bytes_out", session.bytes_sent())
      .number("close_code", code)
      .string("close_reason", reason)
      .write();
}

void AccessLog::http_answered(const transport::Session& session, std::string_view method,
                              std::string_view target, int status, std::size_t body_bytes) const {
  Line(format_, session, "http")
      .string("method", method)
      .string("target", target)
      .number("status", static_cast<std::uint64_t>(status))
      .number("body_bytes", body_bytes)
      .write();
}

void AccessLog::handshake_failed(const transport::Session& session, int status,
                                 std::string_view why) const {
  Line(format_, session, "handshake_failed")
      .number("status", static_cast<std::uint64_t>(status))
      .string("reason", why)
      .write();
}

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
#include "connect_output.hpp"

#include <cstdio>

#include "formatting.hpp"
#include "wscore/detail/base64.hpp"

namespace wscore::cli {

std::string ConnectOutput::json_event(std::string_view type) const {
  std::string out = "{\"type\":";
  append_json_string(out, type);
  char time[40];
  std::snprintf(time, sizeof time, ",\"time\":%.6f", unix_time_now());
  out += time;
  return out;
}

void ConnectOutput::json_payload(std::string& out, std::string_view field, ByteView data) const {
  out += ",\"size\":" + std::to_string(data.size()) + ",";
  append_json_string(out, field);
  out.push_back(':');
  if (field == "text") {
    append_json_string(out, as_text(data));
  } else {
    append_json_string(out, detail::base64_encode(data));
  }
}

void ConnectOutput::write_line(std::string line) const {
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

void ConnectOutput::control_line(std::string_view what, ByteView data,
                                 std::string_view suffix) const {
  write_line(std::string(what) + ": " + describe_payload(data) + std::string(suffix));
}

void ConnectOutput::opened(std::string_view url, std::string_view subprotocol,
                           std::string_view extensions) {
  if (options_.jsonl) {
    std::string out = json_event("open") + ",\"url\":";
    append_json_string(out, url);
    out += ",\"subprotocol\":";
    append_json_string(out, subprotocol);
    out += ",\"extensions\":";
    append_json_string(out, extensions);
    write_line(out + "}");
  }
  if (options_.quiet) return;
  std::fprintf(stderr, "connected to %.*s%s%.*s%s%.*s\n", static_cast<int>(url.size()), url.data(),
               subprotocol.empty() ? "" : " subprotocol ", static_cast<int>(subprotocol.size()),
               subprotocol.data(), extensions.empty() ? "" : " extensions ",
               static_cast<int>(extensions.size()), extensions.data());
}

void ConnectOutput::verbose(std::string_view line) {
  if (options_.verbose) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  }
}

void ConnectOutput::message(MessageType type, ByteView data) {
  const bool text = type == MessageType::text;
  if (options_.jsonl) {
    std::string out = json_event(text ? "text" : "binary");
    json_payload(out, text ? "text" : "base64", data);
    write_line(out + "}");
    return;
  }
  if (!text && options_.raw) {  // the bytes as they came, nothing added
    std::fwrite(data.data(), 1, data.size(), stdout);
  } else if (text) {
    std::fwrite(data.data(), 1, data.size(), stdout);
  } else {
    const std::string hex = to_hex(data);
    std::fwrite(hex.data(), 1, hex.size(), stdout);
  }
  if (options_.newline && !(!text && options_.raw)) std::fputc('\n', stdout);
  std::fflush(stdout);
}

void ConnectOutput::ping(ByteView data, bool sent) {
  if (options_.jsonl) {
    std::string out = json_event("ping") + (sent ? ",\"sent\":true" : ",\"sent\":false");
    json_payload(out, "base64", data);
    write_line(out + "}");
  } else if (options_.show_control) {
    control_line(sent ? "ping sent" : "ping received", data);
  }
}

void ConnectOutput::pong(ByteView data, std::optional<double> round_trip_ns) {
  if (options_.jsonl) {
    std::string out = json_event("pong");
    json_payload(out, "base64", data);
    if (round_trip_ns) {
      char figure[48];
      std::snprintf(figure, sizeof figure, ",\"round_trip_ms\":%.3f", *round_trip_ns / 1e6);
      out += figure;
    }
    write_line(out + "}");
  } else if (options_.show_control) {
    control_line("pong received", data,
                 round_trip_ns ? " (round trip " + format_duration(*round_trip_ns) + ")" : "");
  }
}

void ConnectOutput::close_sent(std::uint16_t code) {
  if (options_.jsonl) {
    write_line(json_event("close") + ",\"sent\":true,\"code\":" + std::to_string(code) + "}");
  } else if (options_.show_control) {
    write_line("close sent: " + std::to_string(code));
  }
}

void ConnectOutput::closed(std::uint16_t code, std::string_view reason, bool clean) {
  if (options_.jsonl) {
    std::string out =
        json_event("close") + ",\"sent\":false,\"code\":" + std::to_string(code) + ",\"reason\":";
    append_json_string(out, reason);
    write_line(out + (clean ? ",\"clean\":true}" : ",\"clean\":false}"));
  } else if (options_.show_control) {
    // The server's Close, or the code we sent on a protocol error, or 1006 for a lost one.
    std::string line = "close: " + std::to_string(code);
    if (!reason.empty()) line.append(" ").append(reason);
    write_line(std::move(line));
  }
  if (options_.quiet && clean) return;
  std::fprintf(stderr, "closed %u%s%.*s\n", code, reason.empty() ? "" : " ",
               static_cast<int>(reason.size()), reason.data());
}

void ConnectOutput::error(std::string_view what, int http_status) {
  if (options_.jsonl) {
    std::string out = json_event("error") + ",\"message\":";
    append_json_string(out, what);
    if (http_status != 0) out += ",\"http_status\":" + std::to_string(http_status);
    write_line(out + "}");
  }
  std::fprintf(stderr, "wscore connect: %.*s\n", static_cast<int>(what.size()), what.data());
}

void ConnectOutput::round_trip(std::string_view url, double nanoseconds) {
  if (options_.jsonl) return;  // the pong event carries round_trip_ms
  write_line("pong from " + std::string(url) + ": round trip " + format_duration(nanoseconds));
}

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
// What `wscore connect` writes for each event: messages on stdout (text as it is, binary as hex
// or raw bytes), control frames with --show-control, and with --jsonl one JSON object a line per
// event instead. Status lines (connected, closed) go to stderr unless quiet; errors always do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wscore/bytes.hpp"
#include "wscore/events.hpp"

namespace wscore::cli {

struct OutputOptions {
  bool jsonl = false;         // one JSON object per event on stdout
  bool raw = false;           // binary messages as their bytes, not hex
  bool newline = true;        // a newline after each message (-n: none)
  bool show_control = false;  // pings, pongs and closes on stdout
  bool quiet = false;         // no status lines on stderr
  bool verbose = false;       // the response's head and each sent message on stderr
};

class ConnectOutput {
 public:
  explicit ConnectOutput(OutputOptions options) : options_(options) {}

  void opened(std::string_view url, std::string_view subprotocol, std::string_view extensions);
  void verbose(std::string_view line);  // with -v only
  void message(MessageType type, ByteView data);
  // `sent`: ours (a ping we sent, the Close we began) or the server's; `round_trip_ns` for a
  // Pong that answers one of our Pings.
  void ping(ByteView data, bool sent);
  void pong(ByteView data, std::optional<double> round_trip_ns);
  void close_sent(std::uint16_t code);
  void closed(std::uint16_t code, std::string_view reason, bool clean);
  void error(std::string_view what, int http_status = 0);
  // --ping's answer, whatever the other options.
  void round_trip(std::string_view url, double nanoseconds);

 private:
  // Starts a JSON event object: {"type":..., "time":...
  std::string json_event(std::string_view type) const;
  void json_payload(std::string& out, std::string_view field, ByteView data) const;
  void write_line(std::string line) const;
  void control_line(std::string_view what, ByteView data, std::string_view suffix = {}) const;

  OutputOptions options_;
};

}  // namespace wscore::cli

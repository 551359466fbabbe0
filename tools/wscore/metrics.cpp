// SPDX-License-Identifier: MIT
#include "metrics.hpp"

#include <cstdio>

namespace wscore::cli {
namespace {

// One metric family: HELP, TYPE, then its samples (Prometheus text format 0.0.4).
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  // A family of one sample.
  template <class Value>
  void counter(const char* name, Value value, const char* help) {
    family(name, "counter", help);
    sample(name, value);
  }
  template <class Value>
  void gauge(const char* name, Value value, const char* help) {
    family(name, "gauge", help);
    sample(name, value);
  }
  void sample(const std::string& name, std::uint64_t value) {
    text_ += name + " " + std::to_string(value) + "\n";
  }
  void sample(const std::string& name, double value) {
    char formatted[32];
    std::snprintf(formatted, sizeof formatted, "%.3f", value);
    text_ += name + " " + formatted + "\n";
  }
  // A counter family with one sample per label value (none yet: no sample, as the format
  // allows; a scraper sees the family from its HELP line).
  void labelled(const char* name, const char* label, const std::map<int, std::uint64_t>& counts,
                const char* help) {
    family(name, "counter", help);
    for (const auto& [value, count] : counts) {
      sample(std::string(name) + "{" + label + "=\"" + std::to_string(value) + "\"}", count);
    }
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

double ServeMetrics::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::string ServeMetrics::exposition(const transport::ServerStats& stats) const {
  Exposition out;
  out.gauge("wscore_uptime_seconds", uptime_seconds(), "Seconds since the server started.");
  out.gauge("wscore_connections_open", stats.open_connections,
            "TCP connections open now (HTTP and WebSocket).");
  out.counter("wscore_connections_total", stats.accepted, "TCP connections accepted.");
  out.counter(
      "wscore_connections_refused_total", stats.refused,
      "Connections refused: over a limit (--max-connections, --max-connections-per-address, "
      "--max-handshakes, --max-memory) or out of file descriptors.");
  out.counter("wscore_websocket_upgrades_total", stats.upgraded, "WebSocket handshakes accepted.");
  out.counter("wscore_http_requests_total", stats.http_requests, "Plain HTTP requests answered.");
  out.counter("wscore_messages_received_total", stats.messages_in, "WebSocket messages received.");
  out.counter("wscore_messages_sent_total", stats.messages_out, "WebSocket messages sent.");
  out.counter("wscore_bytes_received_total", stats.bytes_in,
              "Bytes received on every connection (after TLS: frames, handshakes, HTTP).");
  out.counter("wscore_bytes_sent_total", stats.bytes_out, "Bytes sent, counted the same way.");
  out.counter("wscore_backpressure_events_total", sends_refused_.load(std::memory_order_relaxed),
              "Sends refused: the connection's outbound buffer was over --max-outbound.");
  std::lock_guard lock(mutex_);
  out.labelled("wscore_http_responses_total", "status", http_responses_,
               "Plain HTTP responses by status.");
  out.labelled("wscore_handshake_failures_total", "status", handshake_failures_,
               "Opening handshakes refused, by the HTTP status answered (0: timed out).");
  out.labelled("wscore_protocol_errors_total", "code", protocol_errors_,
               "Connections failed for breaking the protocol, by the close code sent.");
  out.labelled("wscore_closes_total", "code", closes_,
               "WebSocket connections ended, by close code (1006: no close handshake).");
  return out.take();
}

}  // namespace wscore::cli

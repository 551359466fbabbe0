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
  out.family("wscore_uptime_seconds", "gauge", "Seconds since the server started.");
  out.sample("wscore_uptime_seconds", uptime_seconds());
  out.family("wscore_connections_open", "gauge", "TCP connections open now (HTTP and WebSocket).");
  out.sample("wscore_connections_open", stats.open_connections);
  out.family("wscore_connections_total", "counter", "TCP connections accepted.");
  out.sample("wscore_connections_total", stats.accepted);
  out.family("wscore_connections_refused_total", "counter",
             "Connections refused: over --max-connections or out of file descriptors.");
  out.sample("wscore_connections_refused_total", stats.refused);
  out.family("wscore_websocket_upgrades_total", "counter", "WebSocket handshakes accepted.");
  out.sample("wscore_websocket_upgrades_total", stats.upgraded);
  out.family("wscore_http_requests_total", "counter", "Plain HTTP requests answered.");
  out.sample("wscore_http_requests_total", stats.http_requests);
  out.family("wscore_messages_received_total", "counter", "WebSocket messages received.");
  out.sample("wscore_messages_received_total", stats.messages_in);
  out.family("wscore_messages_sent_total", "counter", "WebSocket messages sent.");
  out.sample("wscore_messages_sent_total", stats.messages_out);
  out.family("wscore_bytes_received_total", "counter",
             "Bytes received on every connection (after TLS: frames, handshakes, HTTP).");
  out.sample("wscore_bytes_received_total", stats.bytes_in);
  out.family("wscore_bytes_sent_total", "counter", "Bytes sent, counted the same way.");
  out.sample("wscore_bytes_sent_total", stats.bytes_out);
  out.family("wscore_backpressure_events_total", "counter",
             "Sends refused: the connection's outbound buffer was over --max-outbound.");
  out.sample("wscore_backpressure_events_total", sends_refused_.load(std::memory_order_relaxed));
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

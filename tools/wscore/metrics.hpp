// SPDX-License-Identifier: MIT
// The counters of `wscore serve` that the transport does not keep, shared by every event loop,
// and GET /metrics: the Prometheus text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "wscore/transport/server.hpp"

namespace wscore::cli {

// Thread-safe: every loop's application counts into one instance.
class ServeMetrics {
 public:
  ServeMetrics() : started_(std::chrono::steady_clock::now()) {}

  void count_handshake_failure(int status) { count(handshake_failures_, status); }
  void count_close(std::uint16_t code) { count(closes_, code); }
  void count_protocol_error(std::uint16_t code) { count(protocol_errors_, code); }
  void count_http_response(int status) { count(http_responses_, status); }
  // A send refused because the connection's outbound buffer was over --max-outbound (the
  // driver then closes it with 1008): the one backpressure event the application sees.
  void count_send_refused() { sends_refused_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] double uptime_seconds() const;
  // The exposition, with the transport's counters (`stats`, summed over every loop).
  [[nodiscard]] std::string exposition(const transport::ServerStats& stats) const;

  // The Content-Type of exposition() (Prometheus text format 0.0.4).
  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  using CountsByLabel = std::map<int, std::uint64_t>;
  void count(CountsByLabel& counts, int label) {
    std::lock_guard lock(mutex_);
    ++counts[label];
  }

  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;  // guards the maps (rare events: closes, failures, responses)
  CountsByLabel handshake_failures_, closes_, protocol_errors_, http_responses_;
  std::atomic<std::uint64_t> sends_refused_{0};
};

}  // namespace wscore::cli

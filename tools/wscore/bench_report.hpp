// SPDX-License-Identifier: MIT
// What `wscore bench` measured, as the table it prints and as the JSON document of --json.
#pragma once

#include <cstdint>
#include <string>

#include "latency_histogram.hpp"

namespace wscore::cli {

struct BenchFigures {
  std::string url;
  std::uint64_t connections = 0;
  std::uint64_t size = 0;
  bool text = false;
  bool deflate = false;
  std::uint64_t in_flight = 1;  // per connection, at most
  double rate = 0;              // messages/s asked for (open loop); 0: closed loop
  double seconds = 0;           // of load
  std::uint64_t sent = 0;
  std::uint64_t verified = 0;  // echoes identical to what was sent, byte for byte
  std::uint64_t behind = 0;    // open loop: messages due by the end but never sent
  std::uint64_t opened = 0;
  std::uint64_t clean = 0;
  std::uint64_t failures = 0;
  std::string first_failure;
  LatencyHistogram latency;  // from the send (closed loop) or the schedule (open loop)
};

// The table for a person, on stdout.
void print_bench_table(const BenchFigures& figures);
// Every figure as one JSON object (latencies in nanoseconds and milliseconds).
[[nodiscard]] std::string bench_json(const BenchFigures& figures);

}  // namespace wscore::cli

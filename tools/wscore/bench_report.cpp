// SPDX-License-Identifier: MIT
#include "bench_report.hpp"

#include <cstdio>
#include <utility>

#include "formatting.hpp"

namespace wscore::cli {
namespace {

constexpr std::pair<const char*, double> percentiles[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};

double per_second(double count, double seconds) {
  return seconds > 0 ? count / seconds : 0;
}

void add_number(std::string& out, const char* name, double value, const char* format = "%.0f") {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  out += out.back() == '{' ? "\"" : ",\"";
  out += name;
  out += "\":";
  out += text;
}

}  // namespace

void print_bench_table(const BenchFigures& f) {
  const double bytes = static_cast<double>(f.verified) * static_cast<double>(f.size);
  std::printf("wscore bench %s: %llu connections, %llu in flight each, %llu-byte %s messages%s",
              f.url.c_str(), static_cast<unsigned long long>(f.connections),
              static_cast<unsigned long long>(f.in_flight), static_cast<unsigned long long>(f.size),
              f.text ? "text" : "binary", f.deflate ? ", permessage-deflate offered" : "");
  if (f.rate > 0) std::printf(", %.0f msg/s scheduled", f.rate);
  std::printf(", %.1f s\n", f.seconds);
  std::printf("messages   %llu echoed and verified byte for byte (of %llu sent), %.0f/s\n",
              static_cast<unsigned long long>(f.verified), static_cast<unsigned long long>(f.sent),
              per_second(static_cast<double>(f.verified), f.seconds));
  if (f.rate > 0) {
    std::printf("schedule   %llu messages due but not sent in time (behind the schedule)\n",
                static_cast<unsigned long long>(f.behind));
  }
  std::printf("bytes      %s each way, %s/s each way\n", format_bytes(bytes).c_str(),
              format_bytes(per_second(bytes, f.seconds)).c_str());
  std::printf("latency   ");
  for (const auto& [name, fraction] : percentiles) {
    std::printf(" %s %s ", name,
                format_duration(static_cast<double>(f.latency.percentile(fraction))).c_str());
  }
  std::printf(" max %s%s\n", format_duration(static_cast<double>(f.latency.max())).c_str(),
              f.rate > 0 ? "  (from the schedule)" : "");
  std::printf("connections %llu opened, %llu closed cleanly, %llu failures%s%s\n",
              static_cast<unsigned long long>(f.opened), static_cast<unsigned long long>(f.clean),
              static_cast<unsigned long long>(f.failures), f.failures ? ": " : "",
              f.first_failure.c_str());
  std::fflush(stdout);
}

std::string bench_json(const BenchFigures& f) {
  const double bytes = static_cast<double>(f.verified) * static_cast<double>(f.size);
  std::string out = "{\"url\":";
  append_json_string(out, f.url);
  add_number(out, "connections", static_cast<double>(f.connections));
  add_number(out, "in_flight", static_cast<double>(f.in_flight));
  add_number(out, "size", static_cast<double>(f.size));
  out += f.text ? ",\"type\":\"text\"" : ",\"type\":\"binary\"";
  out += f.deflate ? ",\"deflate\":true" : ",\"deflate\":false";
  add_number(out, "rate", f.rate, "%.3f");
  add_number(out, "seconds", f.seconds, "%.6f");
  add_number(out, "sent", static_cast<double>(f.sent));
  add_number(out, "verified", static_cast<double>(f.verified));
  add_number(out, "behind_schedule", static_cast<double>(f.behind));
  add_number(out, "messages_per_second", per_second(static_cast<double>(f.verified), f.seconds),
             "%.3f");
  add_number(out, "bytes_each_way", bytes);
  add_number(out, "bytes_per_second_each_way", per_second(bytes, f.seconds), "%.3f");
  out += ",\"latency_ns\":{";
  add_number(out, "min", static_cast<double>(f.latency.min()));
  add_number(out, "mean", f.latency.mean());
  for (const auto& [name, fraction] : percentiles)
    add_number(out, name, static_cast<double>(f.latency.percentile(fraction)));
  add_number(out, "max", static_cast<double>(f.latency.max()));
  out += "}";
  out += f.rate > 0 ? ",\"latency_from\":\"schedule\"" : ",\"latency_from\":\"send\"";
  add_number(out, "connections_opened", static_cast<double>(f.opened));
  add_number(out, "connections_closed_cleanly", static_cast<double>(f.clean));
  add_number(out, "failures", static_cast<double>(f.failures));
  out += ",\"first_failure\":";
  append_json_string(out, f.first_failure);
  out += "}\n";
  return out;
}

}  // namespace wscore::cli

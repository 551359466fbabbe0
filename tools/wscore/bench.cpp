// SPDX-License-Identifier: MIT
// wscore bench URL: a load generator for an echoing WebSocket server. Each connection keeps one
// message in flight: it sends, waits for the echo (checked byte for byte), and sends the next,
// until the duration is over. Reports messages/s, bytes/s and round-trip latency percentiles,
// with a live progress line each second when stderr is a terminal.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "client_tls.hpp"
#include "commands.hpp"
#include "wscore/transport/client.hpp"
#include "wscore/transport/tls.hpp"
#include "wscore/uri.hpp"

namespace wscore::cli {
namespace {

constexpr const char* bench_help =
    "usage: wscore bench URL [options]\n"
    "\n"
    "Opens connections to a ws:// or wss:// URL of a server that echoes each message (such as\n"
    "`wscore serve`), keeps one message in flight on each and checks every echo byte for byte.\n"
    "Prints messages/s, bytes/s and round-trip latency percentiles. Exit status: 0 when every\n"
    "connection opened, echoed correctly and closed cleanly, 1 otherwise, 2 on bad usage.\n"
    "\n"
    "  --connections N       connections (default 16)\n"
    "  --size BYTES          payload of each message (default 125)\n"
    "  --duration S          seconds of load (default 5)\n"
    "  --text                send text (valid UTF-8) instead of binary messages\n"
    "  --deflate             offer permessage-deflate (RFC 7692)\n"
    "  --cafile FILE         trust the CA certificates in FILE (default: the system store)\n"
    "  --insecure            do not verify the server's certificate (wss://)\n"
    "  --help                this text\n";

using Clock = std::chrono::steady_clock;

// Round-trip times in a log-linear histogram: 16 buckets per power of two of nanoseconds, so a
// percentile is within about 6% of the truth, in constant memory however long the run.
class LatencyHistogram {
 public:
  void add(std::uint64_t nanoseconds) {
    ++counts_[bucket(nanoseconds)];
    ++total_;
    max_ = std::max(max_, nanoseconds);
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }
  // The upper edge of the bucket that holds the given fraction of the samples.
  std::uint64_t percentile(double fraction) const {
    const auto wanted = static_cast<std::uint64_t>(fraction * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > wanted) return std::min(upper_edge(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int sub_buckets = 16;
  static std::size_t bucket(std::uint64_t value) {
    if (value < sub_buckets) return static_cast<std::size_t>(value);
    const int exponent = std::bit_width(value) - 5;  // value >> exponent is in [16, 32)
    return static_cast<std::size_t>(exponent + 1) * sub_buckets + ((value >> exponent) - 16);
  }
  static std::uint64_t upper_edge(std::size_t index) {
    if (index < sub_buckets) return index;
    const std::size_t exponent = index / sub_buckets - 1;
    return ((index % sub_buckets + 17) << exponent) - 1;
  }
  std::array<std::uint64_t, 64 * sub_buckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

struct Peer {
  std::unique_ptr<transport::Client> client;
  Clock::time_point sent_at;
  bool opened = false;
  bool clean = false;
};

std::string with_unit(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 3) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", bytes, units[unit]);
  return text;
}

}  // namespace

int bench(int argc, char** argv) {
  Arguments args(argc, argv, {"connections", "size", "duration", "cafile"},
                 {"text", "deflate", "insecure", "help"});
  if (args.has("help")) {
    std::fputs(bench_help, stdout);
    return 0;
  }
  const auto connections = args.number("connections", 16, 1, 10000);
  const auto size = args.number("size", 125, 0, 64 << 20);
  const auto duration = std::chrono::seconds(args.number("duration", 5, 1, 86400));
  if (!args.ok() || args.positionals().size() != 1) {
    std::fprintf(stderr, "wscore bench: %s\n(see wscore bench --help)\n",
                 args.ok() ? "expected one URL" : args.error().c_str());
    return 2;
  }
  const UriParseResult parsed = parse_websocket_uri(args.positionals()[0]);
  if (!parsed.uri) {
    std::fprintf(stderr, "wscore bench: %.*s: %s\n", static_cast<int>(parsed.error.size()),
                 parsed.error.data(), args.positionals()[0].c_str());
    return 2;
  }
  const auto& url = parsed.uri;
  std::string error;
  transport::TlsClientConfig tls;
  if (url->secure) {
    if (const auto failure = load_client_trust(args, tls)) {
      std::fprintf(stderr, "wscore bench: %s\n", failure->c_str());
      return 2;
    }
  }
  transport::ClientOptions options;
  options.url = *url;
  options.tls = url->secure ? &tls : nullptr;
  options.connection.max_message_size = std::max<std::uint64_t>(size, 1) + 1024;
  options.connection.max_frame_size = options.connection.max_message_size;
  options.connection.deflate.enabled = args.has("deflate");

  const MessageType type = args.has("text") ? MessageType::text : MessageType::binary;
  std::vector<std::byte> payload(size);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::byte>('a' + i % 26);  // ASCII: valid text too

  transport::EventLoop loop;
  std::vector<Peer> peers(connections);
  LatencyHistogram latency;
  std::uint64_t failures = 0;
  std::string first_failure;
  bool sending = true;
  const auto fail = [&](std::string_view why) {
    if (failures++ == 0) first_failure = std::string(why);
  };

  for (Peer& peer : peers) {
    transport::ClientHandlers handlers;
    handlers.on_open = [&peer, &payload, type](transport::Client& client,
                                               const HandshakeResponse&) {
      peer.opened = true;
      peer.sent_at = Clock::now();
      client.send(type, payload);
    };
    handlers.on_message = [&](transport::Client& client, MessageType got, ByteView data) {
      const auto now = Clock::now();
      if (got != type || data.size() != payload.size() ||
          (!data.empty() && std::memcmp(data.data(), payload.data(), data.size()) != 0)) {
        fail("an echo differs from the message sent");
        client.close(close_code::policy_violation, "echo differs");
        return;
      }
      latency.add(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - peer.sent_at).count()));
      if (sending) {
        peer.sent_at = now;
        client.send(type, payload);
      } else {
        client.close(close_code::normal, {});
      }
    };
    handlers.on_close = [&peer](transport::Client& client, std::uint16_t code, std::string_view) {
      peer.clean = code == close_code::normal &&
                   client.connection().transport_action() == TransportAction::await_peer_close;
    };
    handlers.on_error = [&](transport::Client&, std::string_view message, int) { fail(message); };
    peer.client = transport::Client::connect(loop, options, handlers, error);
    if (!peer.client) {
      std::fprintf(stderr, "wscore bench: %s\n", error.c_str());
      return 1;
    }
  }

  const bool live = isatty(STDERR_FILENO) == 1;
  const auto start = Clock::now();
  auto next_report = start + std::chrono::seconds(1);
  std::uint64_t reported = 0;
  Clock::time_point stop_at = start + duration;
  Clock::time_point measured_until{};
  loop.run(std::chrono::milliseconds(20), [&] {
    const auto now = Clock::now();
    for (Peer& peer : peers)
      peer.client->check_timers();
    if (live && sending && now >= next_report) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
      std::fprintf(stderr, "\r%3lld s  %10llu msg/s  p50 %llu us   ",
                   static_cast<long long>(seconds),
                   static_cast<unsigned long long>(latency.total() - reported),
                   static_cast<unsigned long long>(latency.percentile(0.5) / 1000));
      reported = latency.total();
      next_report += std::chrono::seconds(1);
    }
    if (sending && now >= stop_at) {
      // Each connection closes once its message in flight comes back.
      sending = false;
      measured_until = now;
      stop_at = now + std::chrono::seconds(5);
    }
    const bool all_finished = std::all_of(peers.begin(), peers.end(),
                                          [](const Peer& peer) { return peer.client->finished(); });
    if (all_finished || (!sending && now >= stop_at)) loop.stop();
  });
  if (live) std::fputs("\r\033[K", stderr);
  if (measured_until == Clock::time_point{}) measured_until = Clock::now();

  const double seconds = std::chrono::duration<double>(measured_until - start).count();
  const std::uint64_t messages = latency.total();
  const double bytes = static_cast<double>(messages) * static_cast<double>(size);
  const auto opened =
      std::count_if(peers.begin(), peers.end(), [](const Peer& p) { return p.opened; });
  const auto clean =
      std::count_if(peers.begin(), peers.end(), [](const Peer& p) { return p.clean; });
  const auto micros = [&](double fraction) {
    return static_cast<double>(latency.percentile(fraction)) / 1000.0;
  };
  std::printf("wscore bench %s: %llu connections, %llu-byte %s messages%s, %.1f s\n",
              args.positionals()[0].c_str(), static_cast<unsigned long long>(connections),
              static_cast<unsigned long long>(size), type == MessageType::text ? "text" : "binary",
              args.has("deflate") ? ", permessage-deflate offered" : "", seconds);
  std::printf("messages   %llu echoed, %.0f/s\n", static_cast<unsigned long long>(messages),
              static_cast<double>(messages) / seconds);
  std::printf("bytes      %s each way, %s/s each way\n", with_unit(bytes).c_str(),
              with_unit(bytes / seconds).c_str());
  std::printf("latency    p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us\n",
              micros(0.5), micros(0.9), micros(0.99), micros(0.999),
              static_cast<double>(latency.max()) / 1000.0);
  std::printf("connections %lld opened, %lld closed cleanly, %llu failures%s%s\n",
              static_cast<long long>(opened), static_cast<long long>(clean),
              static_cast<unsigned long long>(failures), failures ? ": " : "",
              first_failure.c_str());
  std::fflush(stdout);
  if (failures) std::fprintf(stderr, "wscore bench: %s\n", first_failure.c_str());
  const bool ok = failures == 0 && opened == static_cast<std::ptrdiff_t>(connections) &&
                  clean == static_cast<std::ptrdiff_t>(connections) && messages > 0;
  return ok ? 0 : 1;
}

}  // namespace wscore::cli

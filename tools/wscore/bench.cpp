// SPDX-License-Identifier: MIT
// wscore bench URL: a load generator for an echoing WebSocket server. Every connection opens
// first (a failure there ends the run before any load, with no table); then each keeps up to
// --in-flight messages outstanding, either as fast as the echoes come back (closed loop) or on
// a fixed schedule of --rate messages/s in all (open loop, latency counted from the time each
// message was due, so a stall shows instead of slowing the load: no coordinated omission).
// Every echo is checked byte for byte against the message it answers (each carries its
// sequence number). Reports messages/s, bytes/s and latency percentiles, with a live progress
// line each second when stderr is a terminal, and every figure as JSON with --json FILE.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "bench_report.hpp"
#include "client_tls.hpp"
#include "commands.hpp"
#include "formatting.hpp"
#include "wake_up_timer.hpp"
#include "wscore/transport/client.hpp"
#include "wscore/transport/tls.hpp"
#include "wscore/uri.hpp"

namespace wscore::cli {
namespace {

constexpr const char* bench_help =
    "usage: wscore bench URL [options]\n"
    "\n"
    "Opens connections to a ws:// or wss:// URL of a server that echoes each message (such as\n"
    "`wscore serve`) and, once every one is open, sends messages on each and checks every echo\n"
    "byte for byte. Prints messages/s, bytes/s, latency percentiles and how many echoes were\n"
    "verified. Exit status: 0 when every connection opened, echoed correctly and closed\n"
    "cleanly; 1 otherwise (a connection that cannot open is reported before any load); 2 on\n"
    "bad usage.\n"
    "\n"
    "  --connections N       connections (default 16)\n"
    "  --in-flight K         messages outstanding per connection, at most (default 1)\n"
    "  --rate N              open loop: N messages/s in all, on a fixed schedule; latency is\n"
    "                        counted from when each message was due (default: closed loop,\n"
    "                        the next message as soon as an echo comes back)\n"
    "  --size BYTES          payload of each message (default 125)\n"
    "  --duration S          seconds of load (default 5)\n"
    "  --json FILE           write every figure to FILE as JSON\n"
    "  --text                send text (valid UTF-8) instead of binary messages\n"
    "  --deflate             offer permessage-deflate (RFC 7692)\n"
    "  --cafile FILE         trust the CA certificates in FILE (default: the system store)\n"
    "  --insecure            do not verify the server's certificate (wss://)\n"
    "  --tls-backend B       the TLS library: mbedtls (default) or openssl (TLS 1.3 too)\n"
    "  --help                this text\n";

using Clock = std::chrono::steady_clock;

std::uint64_t nanoseconds_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count()));
}

// The messages of a run: a fixed ASCII pattern (valid text too) whose first bytes are the
// message's sequence number in hex, so an echo that is lost, repeated or out of order differs.
class Messages {
 public:
  explicit Messages(std::size_t size) : message_(size) {
    for (std::size_t i = 0; i < message_.size(); ++i)
      message_[i] = static_cast<std::byte>('a' + i % 26);
  }
  ByteView make(std::uint64_t sequence) {
    stamp(sequence, message_.data());
    return message_;
  }
  bool is_echo_of(ByteView echo, std::uint64_t sequence) const {
    if (echo.size() != message_.size()) return false;
    std::byte expected[stamp_size];
    stamp(sequence, expected);
    const std::size_t stamped = std::min(stamp_size, message_.size());
    return std::memcmp(echo.data(), expected, stamped) == 0 &&
           std::memcmp(echo.data() + stamped, message_.data() + stamped,
                       message_.size() - stamped) == 0;
  }

 private:
  static constexpr std::size_t stamp_size = 16;
  void stamp(std::uint64_t sequence, std::byte* out) const {
    const std::size_t stamped = std::min(stamp_size, message_.size());
    for (std::size_t i = 0; i < stamped; ++i) {
      const auto digit = (sequence >> (4 * (stamped - 1 - i))) & 0xf;
      out[i] = static_cast<std::byte>("0123456789abcdef"[digit]);
    }
  }
  std::vector<std::byte> message_;
};

struct Outstanding {
  std::uint64_t sequence;
  Clock::time_point since;  // sent (closed loop) or due (open loop)
};

struct Peer {
  std::unique_ptr<transport::Client> client;
  std::deque<Outstanding> in_flight;
  std::deque<Clock::time_point> due;  // open loop: messages due, waiting for a free slot
  std::uint64_t next_sequence = 0;
  bool opened = false;
  bool clean = false;
};

}  // namespace

int bench(int argc, char** argv) {
  Arguments args(
      argc, argv,
      {"connections", "size", "duration", "cafile", "tls-backend", "in-flight", "rate", "json"},
      {"text", "deflate", "insecure", "help"});
  if (args.has("help")) {
    std::fputs(bench_help, stdout);
    return 0;
  }
  BenchFigures figures;
  figures.connections = args.number("connections", 16, 1, 10000);
  figures.size = args.number("size", 125, 0, 64 << 20);
  figures.in_flight = args.number("in-flight", 1, 1, 100000);
  figures.rate = args.decimal("rate", 0, 0.001, 1e9);
  const auto duration = std::chrono::seconds(args.number("duration", 5, 1, 86400));
  if (!args.ok() || args.positionals().size() != 1) {
    std::fprintf(stderr, "wscore bench: %s\n(see wscore bench --help)\n",
                 args.ok() ? "expected one URL" : args.error().c_str());
    return 2;
  }
  figures.url = args.positionals()[0];
  figures.text = args.has("text");
  figures.deflate = args.has("deflate");
  const UriParseResult parsed = parse_websocket_uri(figures.url);
  if (!parsed.uri) {
    std::fprintf(stderr, "wscore bench: %.*s: %s\n", static_cast<int>(parsed.error.size()),
                 parsed.error.data(), figures.url.c_str());
    return 2;
  }
  FILE* json_file = nullptr;
  if (const auto json_path = args.value("json")) {
    json_file = std::fopen(json_path->c_str(), "w");
    if (!json_file) {
      std::fprintf(stderr, "wscore bench: --json %s: %s\n", json_path->c_str(),
                   std::strerror(errno));
      return 2;
    }
  }
  const auto& url = parsed.uri;
  std::string error;
  transport::TlsClientConfig tls;
  if (!tls_backend_option(args, error)) {
    std::fprintf(stderr, "wscore bench: %s\n", error.c_str());
    return 2;
  }
  if (url->secure) {
    if (const auto failure = load_client_trust(args, tls)) {
      std::fprintf(stderr, "wscore bench: %s\n", failure->c_str());
      return 2;
    }
  }
  transport::ClientOptions options;
  options.url = *url;
  options.tls = url->secure ? &tls : nullptr;
  options.connection.max_message_size = std::max<std::uint64_t>(figures.size, 1) + 1024;
  options.connection.max_frame_size = options.connection.max_message_size;
  options.connection.deflate.enabled = figures.deflate;

  const MessageType type = figures.text ? MessageType::text : MessageType::binary;
  const bool open_loop = figures.rate > 0;
  Messages messages(figures.size);
  transport::EventLoop loop;
  std::vector<Peer> peers(figures.connections);
  std::uint64_t opened = 0;
  bool loading = false;  // every connection open, load not yet over
  Clock::time_point start, stop_at, last_echo;
  std::uint64_t scheduled = 0;  // open loop: messages that have come due, over all connections
  const auto due_time = [&](std::uint64_t message) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                       static_cast<double>(message) / std::max(figures.rate, 1e-9)));
  };
  const auto fail = [&](std::string_view why) {
    if (figures.failures++ == 0) figures.first_failure = std::string(why);
    if (!loading && opened < figures.connections) loop.stop();  // before the load: no table
  };
  const auto send_next = [&](Peer& peer, Clock::time_point since) {
    const std::uint64_t sequence = peer.next_sequence++;
    peer.client->send(type, messages.make(sequence));
    peer.in_flight.push_back({sequence, since});
    ++figures.sent;
  };
  // Fills the free slots: at once (closed loop), or with the messages already due (open loop).
  const auto keep_sending = [&](Peer& peer, Clock::time_point now) {
    while (loading && peer.in_flight.size() < figures.in_flight) {
      if (!open_loop) {
        send_next(peer, now);
      } else if (!peer.due.empty()) {
        send_next(peer, peer.due.front());
        peer.due.pop_front();
      } else {
        break;
      }
    }
  };
  // Open loop: message k of the run is due at start + k/rate, on connection k mod connections;
  // the timer wakes the loop for the next one.
  std::unique_ptr<WakeUpTimer> schedule_timer;
  schedule_timer = std::make_unique<WakeUpTimer>(loop, [&] {
    const auto now = Clock::now();
    while (loading && due_time(scheduled) <= now && due_time(scheduled) < stop_at) {
      Peer& peer = peers[scheduled % peers.size()];
      peer.due.push_back(due_time(scheduled++));
      keep_sending(peer, now);
    }
    // The last message due before the end has gone: the timer stays off.
    if (loading && due_time(scheduled) < stop_at) schedule_timer->fire_at(due_time(scheduled));
  });
  if (open_loop && !schedule_timer->ok()) {
    std::fprintf(stderr, "wscore bench: --rate: cannot create a timer\n");
    return 1;
  }

  for (std::size_t index = 0; index < peers.size(); ++index) {
    Peer& peer = peers[index];
    transport::ClientHandlers handlers;
    handlers.on_open = [&](transport::Client&, const HandshakeResponse&) {
      peer.opened = true;
      if (++opened < figures.connections) return;
      loading = true;  // the last one: the load starts on every connection at once
      start = Clock::now();
      stop_at = start + duration;
      if (open_loop) schedule_timer->fire_at(start);
      for (Peer& each : peers)
        keep_sending(each, start);
    };
    handlers.on_message = [&](transport::Client& client, MessageType got, ByteView data) {
      const auto now = Clock::now();
      if (peer.in_flight.empty() || got != type ||
          !messages.is_echo_of(data, peer.in_flight.front().sequence)) {
        fail("an echo differs from the message sent");
        client.close(close_code::policy_violation, "echo differs");
        return;
      }
      figures.latency.add(nanoseconds_between(peer.in_flight.front().since, now));
      ++figures.verified;
      last_echo = now;
      peer.in_flight.pop_front();
      keep_sending(peer, now);
      if (!loading && peer.in_flight.empty()) client.close(close_code::normal, {});
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
  auto next_report = Clock::now() + std::chrono::seconds(1);
  auto next_timers = Clock::now();
  std::uint64_t reported = 0;
  bool load_over = false;
  Clock::time_point give_up_at = Clock::time_point::max();
  loop.run(std::chrono::milliseconds(20), [&] {
    const auto now = Clock::now();
    if (now >= next_timers) {  // the driver's deadlines: the handshake timeout among them
      for (Peer& peer : peers)
        peer.client->check_timers();
      next_timers = now + std::chrono::milliseconds(20);
    }
    if (live && loading && now >= next_report) {
      std::fprintf(stderr, "\r%3lld s  %10llu msg/s  p50 %s   ",
                   static_cast<long long>(
                       std::chrono::duration_cast<std::chrono::seconds>(now - start).count()),
                   static_cast<unsigned long long>(figures.verified - reported),
                   format_duration(static_cast<double>(figures.latency.percentile(0.5))).c_str());
      reported = figures.verified;
      next_report += std::chrono::seconds(1);
    }
    if (loading && now >= stop_at) {
      // Each connection closes once what it has in flight comes back.
      loading = false;
      load_over = true;
      give_up_at = now + std::chrono::seconds(5);
      for (Peer& peer : peers) {
        figures.behind += peer.due.size();  // due, never sent: the load fell behind
        if (peer.in_flight.empty()) peer.client->close(close_code::normal, {});
      }
    }
    const bool all_finished = std::all_of(peers.begin(), peers.end(),
                                          [](const Peer& peer) { return peer.client->finished(); });
    if (all_finished || now >= give_up_at) loop.stop();
  });
  if (live) std::fputs("\r\033[K", stderr);

  if (!load_over && opened < figures.connections) {
    // A connection never opened: say why, and print no table of figures never measured.
    const std::string why =
        figures.failures ? figures.first_failure : "not every connection opened";
    std::fprintf(stderr, "wscore bench: %llu of %llu connections opened: %s\n",
                 static_cast<unsigned long long>(opened),
                 static_cast<unsigned long long>(figures.connections), why.c_str());
    if (json_file) {
      std::string out = "{\"url\":";
      append_json_string(out, figures.url);
      out += ",\"error\":";
      append_json_string(out, why);
      out += "}\n";
      std::fputs(out.c_str(), json_file);
      std::fclose(json_file);
    }
    return 1;
  }
  const auto end = std::max(last_echo, std::min(stop_at, Clock::now()));
  figures.seconds = std::chrono::duration<double>(end - start).count();
  figures.opened = opened;
  figures.clean = static_cast<std::uint64_t>(
      std::count_if(peers.begin(), peers.end(), [](const Peer& p) { return p.clean; }));
  print_bench_table(figures);
  if (json_file) {
    std::fputs(bench_json(figures).c_str(), json_file);
    std::fclose(json_file);
  }
  if (figures.failures) std::fprintf(stderr, "wscore bench: %s\n", figures.first_failure.c_str());
  const bool ok = figures.failures == 0 && figures.clean == figures.connections &&
                  figures.verified > 0 && figures.verified == figures.sent;
  return ok ? 0 : 1;
}

}  // namespace wscore::cli

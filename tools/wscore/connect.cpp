// SPDX-License-Identifier: MIT
// wscore connect URL: a client. Lines from stdin go out as messages; received messages are
// printed; end of stdin closes with 1000. With --echo, every received message goes back until
// the server closes. Exit 0 after a clean close, 1 when refused, unverified, rejected or cut,
// 2 on bad usage (connect_settings.cpp checks every option before connecting).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "commands.hpp"
#include "connect_output.hpp"
#include "connect_settings.hpp"
#include "http_proxy.hpp"
#include "wscore/transport/client.hpp"

namespace wscore::cli {
namespace {

constexpr const char* connect_help =
    "usage: wscore connect URL [options]\n"
    "\n"
    "Connects to a ws:// or wss:// URL (ws://user:password@host/ sends Basic authentication).\n"
    "Each stdin line is sent as a message and every received message is printed: text as it\n"
    "is, binary as hex (or raw bytes with --raw). End of input closes with 1000.\n"
    "\n"
    "  -H, --header 'N: v'   add a request header (repeatable)\n"
    "  --subprotocol NAME    offer a subprotocol (repeatable, in order of preference)\n"
    "  --origin ORIGIN       send an Origin header (scheme://host[:port])\n"
    "  --proxy http://H:P    connect through an HTTP proxy (CONNECT; user:password@ allowed)\n"
    "  --deflate             offer permessage-deflate (RFC 7692)\n"
    "  --binary              send each stdin line as a binary message\n"
    "  --raw                 print received binary messages as raw bytes, not hex\n"
    "  -n, --no-newline      no newline after each printed message\n"
    "  --echo                send every received message back until the server closes\n"
    "  --once, --count N     close with 1000 after 1 (or N) received messages\n"
    "  --ping                send one ping, print the round trip, close\n"
    "  --ping-interval S     send a ping every S seconds (decimals allowed)\n"
    "  --show-control        print pings, pongs and close frames with their payloads\n"
    "  --jsonl               one JSON object per event on stdout: type (open, text, binary,\n"
    "                        ping, pong, close, error), time (Unix seconds), size, and text\n"
    "                        or base64\n"
    "  -q, --quiet           no status lines on stderr (errors still)\n"
    "  -v, --verbose         the server's response head and each sent message on stderr\n"
    "  --cafile FILE         trust the CA certificates in FILE (default: the system store)\n"
    "  --insecure            do not verify the server's certificate (wss://)\n"
    "  --tls-backend B       the TLS library: mbedtls (default) or openssl (TLS 1.3 too)\n"
    "  --max-message BYTES   largest message accepted (default 16777216)\n"
    "  --timeout S           connect, proxy, TLS and upgrade (and --ping's pong) must each\n"
    "                        finish in S seconds (default 10)\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 after a clean close (the close handshake completed with 1000, 1001 or no\n"
    "code); 1 if the connection is refused, the proxy or the server refuses, the certificate\n"
    "does not verify, or the connection fails or closes with another code (printed); 2 on bad\n"
    "usage, before any connection is made.\n";

using Clock = std::chrono::steady_clock;

double nanoseconds_since(Clock::time_point then) {
  return std::chrono::duration<double, std::nano>(Clock::now() - then).count();
}

}  // namespace

int connect(int argc, char** argv) {
  bool help = false;
  std::string error;
  std::optional<ConnectSettings> read = read_connect_settings(argc, argv, help, error);
  if (help) {
    std::fputs(connect_help, stdout);
    return 0;
  }
  if (!read) {
    std::fprintf(stderr, "wscore connect: %s\n(see wscore connect --help)\n", error.c_str());
    return 2;
  }
  ConnectSettings& settings = *read;
  transport::ClientOptions& options = settings.client;
  if (options.url.secure) options.tls = &settings.tls;
  ConnectOutput output(settings.output);
  for (const auto& [name, value] : options.extra_headers)
    output.verbose("> " + name + ": " + (name == "Authorization" ? "(from the URL)" : value));

  if (settings.proxy) {
    output.verbose("> CONNECT " + options.url.host + ":" + std::to_string(options.url.port) +
                   " via " + settings.proxy->host + ":" + std::to_string(settings.proxy->port));
    options.connected_socket = open_proxy_tunnel(*settings.proxy, options.url.host,
                                                 options.url.port, settings.timeout, error);
    if (options.connected_socket < 0) {
      output.error(error);
      return 1;
    }
  }

  const bool read_stdin = !settings.echo && !settings.ping_once;
  // End of input closes unless the close waits for something else (N messages, a pong).
  const bool close_at_end_of_input = settings.count == 0 && !settings.ping_once;
  const MessageType send_type = settings.binary ? MessageType::binary : MessageType::text;
  int exit_code = 1;
  bool failed = false;  // our own verdict (no pong in time): exit 1 whatever the close
  std::uint64_t received = 0;
  std::uint64_t pings_sent = 0;
  std::map<std::string, Clock::time_point> pings_waiting;  // payload -> when sent
  std::deque<std::string> unsent;  // stdin lines that arrived before the connection opened
  bool input_ended = false;
  Clock::time_point opened_at;
  auto next_ping = Clock::time_point::max();

  const auto close_normally = [&](transport::Client& client) {
    if (!client.open()) return;
    output.close_sent(close_code::normal);
    client.close(close_code::normal, {});
  };
  const auto send_line = [&](transport::Client& client, const std::string& line) {
    client.send(send_type, as_bytes(line));
    output.verbose("> " + std::string(settings.binary ? "binary" : "text") + " message, " +
                   std::to_string(line.size()) + " bytes");
  };
  const auto send_ping = [&](transport::Client& client) {
    const std::string payload = "wscore ping " + std::to_string(++pings_sent);
    if (!client.ping(as_bytes(payload))) return;
    pings_waiting[payload] = Clock::now();
    output.ping(as_bytes(payload), true);
  };

  transport::EventLoop loop;
  transport::ClientHandlers handlers;
  handlers.on_open = [&](transport::Client& client, const HandshakeResponse& response) {
    output.verbose("< HTTP/1.1 " + std::to_string(response.status()) + " " +
                   std::string(response.reason()));
    for (const HttpHeader& header : response.headers())
      output.verbose("< " + std::string(header.name) + ": " + std::string(header.value));
    const auto extensions = response.header("Sec-WebSocket-Extensions");
    output.opened(settings.url, response.subprotocol(), extensions.value_or(""));
    opened_at = Clock::now();
    if (settings.ping_once) send_ping(client);
    if (settings.ping_interval.count() > 0) next_ping = opened_at + settings.ping_interval;
    for (const auto& line : unsent)
      send_line(client, line);
    unsent.clear();
    if (input_ended && close_at_end_of_input) close_normally(client);
  };
  handlers.on_message = [&](transport::Client& client, MessageType type, ByteView data) {
    if (settings.count != 0 && received >= settings.count) return;  // after ours, before theirs
    ++received;
    output.message(type, data);
    if (settings.echo) client.send(type, data);
    if (settings.count != 0 && received == settings.count) close_normally(client);
  };
  handlers.on_ping = [&](transport::Client&, ByteView data) { output.ping(data, false); };
  handlers.on_pong = [&](transport::Client& client, ByteView data) {
    const auto waiting = pings_waiting.find(std::string(as_text(data)));
    if (waiting == pings_waiting.end()) {  // unsolicited (RFC 6455 §5.5.3): shown, not timed
      output.pong(data, std::nullopt);
      return;
    }
    const double round_trip = nanoseconds_since(waiting->second);
    pings_waiting.erase(waiting);
    output.pong(data, round_trip);
    if (settings.ping_once) {
      output.round_trip(settings.url, round_trip);
      close_normally(client);
    }
  };
  handlers.on_close = [&](transport::Client& client, std::uint16_t code, std::string_view reason) {
    // Clean: both Close frames went through (RFC 6455 §7.1.4); then the server closes TCP.
    const bool handshake_done =
        client.connection().transport_action() == TransportAction::await_peer_close;
    const bool clean = handshake_done && (code == close_code::normal ||
                                          code == close_code::going_away || code == 1005);
    output.closed(code, reason, clean);
    exit_code = clean && !failed ? 0 : 1;
  };
  handlers.on_error = [&](transport::Client&, std::string_view message, int http_status) {
    output.error(http_status != 0 ? "the server answered HTTP " + std::to_string(http_status) +
                                        ": " + std::string(message)
                                  : std::string(message),
                 http_status);
    exit_code = 1;
  };

  auto client = transport::Client::connect(loop, options, handlers, error);
  if (!client) {
    output.error(error);
    return 1;
  }
  // stdin may be a terminal, a pipe or a file (which epoll cannot watch): read it on a thread
  // and hand each line to the loop.
  if (read_stdin) {
    std::thread reader([&loop, &client, &unsent, &input_ended, &send_line, &close_normally,
                        close_at_end_of_input] {
      std::string line;
      while (std::getline(std::cin, line)) {
        loop.post([&client, &unsent, &send_line, line] {
          if (client->open()) {
            send_line(*client, line);
          } else if (!client->finished()) {
            unsent.push_back(line);
          }
        });
      }
      loop.post([&client, &input_ended, &close_normally, close_at_end_of_input] {
        input_ended = true;
        if (close_at_end_of_input) close_normally(*client);
      });
    });
    reader.detach();  // a blocked read of stdin must not keep the process alive
  }
  loop.run(std::chrono::milliseconds(10), [&] {
    client->check_timers();
    const auto now = Clock::now();
    if (client->open() && now >= next_ping) {
      send_ping(*client);
      next_ping += settings.ping_interval;
    }
    if (settings.ping_once && client->open() && !pings_waiting.empty() &&
        now - pings_waiting.begin()->second > settings.timeout && !failed) {
      failed = true;
      output.error("no pong in " + std::to_string(settings.timeout.count() / 1000) + " s");
      close_normally(*client);
    }
    if (client->finished()) loop.stop();
  });
  std::fflush(stdout);
  std::_Exit(exit_code);  // the stdin thread may still be blocked in a read
}

}  // namespace wscore::cli

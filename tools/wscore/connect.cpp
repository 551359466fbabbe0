// SPDX-License-Identifier: MIT
// wscore connect URL: a client. Lines from stdin go out as text messages; received messages are
// printed; end of stdin closes with 1000. With --echo, every received message goes back until
// the server closes. Exit 0 after a clean close, 1 when refused, unverified, rejected or cut.
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "arguments.hpp"
#include "client_tls.hpp"
#include "commands.hpp"
#include "wscore/transport/client.hpp"
#include "wscore/transport/tls.hpp"
#include "wscore/uri.hpp"

namespace wscore::cli {
namespace {

constexpr const char* connect_help =
    "usage: wscore connect URL [options]\n"
    "\n"
    "Connects to a ws:// or wss:// URL. Each stdin line is sent as a text message and every\n"
    "received message is printed (binary ones as their size). End of input closes with 1000.\n"
    "Exit status: 0 after a clean close, 1 if the connection is refused, the certificate does\n"
    "not verify, the server rejects the upgrade or the connection is lost, 2 on bad usage.\n"
    "\n"
    "  --echo                send every received message back until the server closes\n"
    "  --deflate             offer permessage-deflate (RFC 7692)\n"
    "  --subprotocol NAME    offer a subprotocol (repeatable)\n"
    "  --origin ORIGIN       send an Origin header\n"
    "  --cafile FILE         trust the CA certificates in FILE (default: the system store)\n"
    "  --insecure            do not verify the server's certificate (wss://)\n"
    "  --max-message BYTES   largest message accepted (default 16777216)\n"
    "  --timeout S           connect, TLS and upgrade must finish in S seconds (default 10)\n"
    "  --help                this text\n";

}  // namespace

int connect(int argc, char** argv) {
  Arguments args(argc, argv, {"subprotocol", "origin", "cafile", "max-message", "timeout"},
                 {"echo", "deflate", "insecure", "help"});
  if (args.has("help")) {
    std::fputs(connect_help, stdout);
    return 0;
  }
  transport::ClientOptions options;
  options.connection.max_message_size = args.number("max-message", 16 << 20, 1, 1ull << 40);
  options.connection.max_frame_size = options.connection.max_message_size;
  options.policy.handshake_timeout = std::chrono::seconds(args.number("timeout", 10, 1, 3600));
  options.connection.deflate.enabled = args.has("deflate");
  if (!args.ok() || args.positionals().size() != 1) {
    std::fprintf(stderr, "wscore connect: %s\n(see wscore connect --help)\n",
                 args.ok() ? "expected one URL" : args.error().c_str());
    return 2;
  }
  const UriParseResult parsed = parse_websocket_uri(args.positionals()[0]);
  if (!parsed.uri) {
    std::fprintf(stderr, "wscore connect: %.*s: %s\n", static_cast<int>(parsed.error.size()),
                 parsed.error.data(), args.positionals()[0].c_str());
    return 2;
  }
  const auto& url = parsed.uri;
  std::string error;
  options.url = *url;
  options.subprotocols = args.values("subprotocol");
  options.origin = args.value("origin").value_or("");

  transport::TlsClientConfig tls;
  if (url->secure) {
    if (const auto failure = load_client_trust(args, tls)) {
      std::fprintf(stderr, "wscore connect: %s\n", failure->c_str());
      return 2;
    }
    options.tls = &tls;
  }

  const bool echo = args.has("echo");
  int exit_code = 1;
  std::deque<std::string> unsent;  // stdin lines that arrived before the connection opened
  bool input_ended = false;
  transport::EventLoop loop;
  transport::ClientHandlers handlers;
  handlers.on_open = [&](transport::Client& client, const HandshakeResponse& response) {
    const auto extensions = response.header("Sec-WebSocket-Extensions");
    std::fprintf(stderr, "connected to %s%s%s%s%s\n", args.positionals()[0].c_str(),
                 response.subprotocol().empty() ? "" : " subprotocol ",
                 std::string(response.subprotocol()).c_str(), extensions ? " extensions " : "",
                 extensions ? std::string(*extensions).c_str() : "");
    for (const auto& line : unsent)
      client.send(MessageType::text, as_bytes(line));
    unsent.clear();
    if (input_ended && !echo) client.close(close_code::normal, {});
  };
  handlers.on_message = [&](transport::Client& client, MessageType type, ByteView data) {
    if (type == MessageType::text) {
      std::fwrite(data.data(), 1, data.size(), stdout);
      std::fputc('\n', stdout);
    } else {
      std::printf("<binary message, %zu bytes>\n", data.size());
    }
    std::fflush(stdout);
    if (echo) client.send(type, data);
  };
  handlers.on_close = [&](transport::Client& client, std::uint16_t code, std::string_view reason) {
    // Clean: both Close frames went through (RFC 6455 §7.1.4); then the server closes TCP.
    const bool clean = client.connection().transport_action() == TransportAction::await_peer_close;
    std::fprintf(stderr, "closed %u%s%.*s\n", code, reason.empty() ? "" : " ",
                 static_cast<int>(reason.size()), reason.data());
    exit_code = clean ? 0 : 1;
  };
  handlers.on_error = [&](transport::Client&, std::string_view message, int http_status) {
    if (http_status != 0) {
      std::fprintf(stderr, "wscore connect: the server answered HTTP %d: %.*s\n", http_status,
                   static_cast<int>(message.size()), message.data());
    } else {
      std::fprintf(stderr, "wscore connect: %.*s\n", static_cast<int>(message.size()),
                   message.data());
    }
    exit_code = 1;
  };

  auto client = transport::Client::connect(loop, options, handlers, error);
  if (!client) {
    std::fprintf(stderr, "wscore connect: %s\n", error.c_str());
    return 1;
  }
  // stdin may be a terminal, a pipe or a file (which epoll cannot watch): read it on a thread
  // and hand each line to the loop.
  std::thread reader;
  if (!echo) {
    reader = std::thread([&loop, &client, &unsent, &input_ended] {
      std::string line;
      while (std::getline(std::cin, line)) {
        loop.post([&client, &unsent, line] {
          if (client->open()) {
            client->send(MessageType::text, as_bytes(line));
          } else if (!client->finished()) {
            unsent.push_back(line);
          }
        });
      }
      loop.post([&client, &input_ended] {
        input_ended = true;
        if (client->open()) client->close(close_code::normal, {});
      });
    });
    reader.detach();  // a blocked read of stdin must not keep the process alive
  }
  loop.run(std::chrono::milliseconds(50), [&] {
    client->check_timers();
    if (client->finished()) loop.stop();
  });
  std::fflush(stdout);
  std::_Exit(exit_code);  // the stdin thread may still be blocked in a read
}

}  // namespace wscore::cli

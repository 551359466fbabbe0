// SPDX-License-Identifier: MIT
// An echo server on wscore::asio with C++20 coroutines, plain or TLS: every WebSocket path
// echoes each message with its type, as `wscore serve` does, and permessage-deflate is accepted
// when a client offers it (the core negotiates it; --no-deflate declines). Limits and deadlines
// are the core's defaults (ConnectionOptions, DriverPolicy). SIGINT or SIGTERM closes every
// connection as going away and exits 0 once they are closed.
//
//   asio_echo_server [--host H] [--port N] [--cert FILE --key FILE] [--no-deflate] [--verbose]
//
// --verbose prints the lines `wscore serve --verbose` prints for the same events (open, close,
// protocol error, failed handshake), so the interop tests read both servers alike.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "wscore/asio/ssl.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Options {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  std::string cert, key;
  bool deflate = true;
  bool verbose = false;
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    const bool has_value = i + 1 < argc;
    if (name == "--host" && has_value) {
      options.host = argv[++i];
    } else if (name == "--port" && has_value) {
      options.port = static_cast<std::uint16_t>(std::stoul(argv[++i]));
    } else if (name == "--cert" && has_value) {
      options.cert = argv[++i];
    } else if (name == "--key" && has_value) {
      options.key = argv[++i];
    } else if (name == "--no-deflate") {
      options.deflate = false;
    } else if (name == "--verbose") {
      options.verbose = true;
    } else {
      return std::nullopt;
    }
  }
  if (options.cert.empty() != options.key.empty()) return std::nullopt;
  return options;
}

class Server {
 public:
  Server(asio::io_context& io, const Options& options) : io_(io), options_(options) {
    stream_options_.connection.deflate.enabled = options.deflate;
  }

  void log(const std::string& line) const {
    if (options_.verbose) std::fprintf(stderr, "%s\n", line.c_str());
  }

  // One connection: the opening handshake, then each message back with its type until the
  // connection ends; the close code and reason are the core's (Stream::ending()).
  template <class WebSocket>
  asio::awaitable<void> echo(WebSocket ws) {
    const std::uint64_t id = next_id_++;
    ws.set_options(stream_options_);
    open_[id] = [&ws] { ws.async_shut_down(asio::detached); };
    const auto [accepted] = co_await ws.async_accept(asio::as_tuple(asio::use_awaitable));
    if (accepted) {
      if (ws.ending()) {
        log("handshake " + std::to_string(id) + " failed " +
            std::to_string(ws.ending()->http_status) + " " + ws.ending()->reason);
      }
      open_.erase(id);
      co_return;
    }
    const bool deflate = ws.driver().connection().deflate_agreement().has_value();
    log("open " + std::to_string(id) + " " + std::string(ws.request().path()) +
        (deflate ? " permessage-deflate" : ""));
    std::string message;
    for (;;) {
      message.clear();
      const auto [read, size] = co_await ws.async_read(asio::dynamic_buffer(message),
                                                       asio::as_tuple(asio::use_awaitable));
      if (read) break;
      // A write that fails means the connection is ending: the next read says how.
      (void)co_await ws.async_write(ws.message_type(), asio::buffer(message),
                                    asio::as_tuple(asio::use_awaitable));
    }
    if (const auto& ending = ws.ending()) {
      if (ending->violation) {
        log("protocol error " + std::to_string(id) + " " + std::to_string(ending->code) + " " +
            std::string(wscore::violation_name(*ending->violation)));
      }
      log("close " + std::to_string(id) + " " + std::to_string(ending->code) + " " +
          ending->reason);
    }
    open_.erase(id);
  }

  asio::awaitable<void> accept_all(tcp::acceptor& acceptor, asio::ssl::context* tls) {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (!acceptor.is_open()) co_return;
      if (error) continue;  // e.g. a connection reset before it was accepted
      socket.set_option(tcp::no_delay(true));
      if (tls) {
        using TlsStream = wscore::asio::Stream<asio::ssl::stream<tcp::socket>>;
        asio::co_spawn(io_, echo(TlsStream(std::move(socket), *tls)), asio::detached);
      } else {
        using PlainStream = wscore::asio::Stream<tcp::socket>;
        asio::co_spawn(io_, echo(PlainStream(std::move(socket))), asio::detached);
      }
    }
  }

  // Graceful shutdown: every connection closes as going away (or is dropped in its handshake);
  // the io_context runs out of work once the last one is closed.
  void shut_down() {
    auto open = open_;  // a shut-down may end a connection, which leaves open_
    for (auto& [id, shut_down_one] : open)
      shut_down_one();
  }

 private:
  asio::io_context& io_;
  const Options& options_;
  wscore::asio::StreamOptions stream_options_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> open_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: asio_echo_server [--host H] [--port N] [--cert FILE --key FILE] "
                 "[--no-deflate] [--verbose]\n");
    return 2;
  }
  std::optional<asio::ssl::context> tls;
  if (!options->cert.empty()) {
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code error;
    tls->use_certificate_chain_file(options->cert, error);
    if (!error) tls->use_private_key_file(options->key, asio::ssl::context::pem, error);
    if (error) {
      std::fprintf(stderr, "asio_echo_server: %s: %s\n", options->cert.c_str(),
                   error.message().c_str());
      return 2;
    }
  }

  asio::io_context io;
  Server server(io, *options);
  tcp::acceptor acceptor(io);
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(options->host), options->port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const boost::system::system_error& error) {
    std::fprintf(stderr, "asio_echo_server: %s\n", error.what());
    return 2;
  }
  std::printf("asio_echo_server serving %s://%s:%u/\n", tls ? "wss" : "ws", options->host.c_str(),
              acceptor.local_endpoint().port());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    acceptor.close();
    server.shut_down();
  });
  asio::co_spawn(io, server.accept_all(acceptor, tls ? &*tls : nullptr), asio::detached);
  io.run();
  return 0;
}

// SPDX-License-Identifier: MIT
// An echo client on wscore::asio with C++20 coroutines, ws:// or wss://: sends each MESSAGE as
// a text message, prints what comes back, then closes with 1000 and prints the close the core
// reported to stderr. wss:// verifies the server's certificate (against --cafile, or the system
// store) and its name. --deflate offers permessage-deflate.
//
//   asio_echo_client URL [--cafile FILE] [--deflate] MESSAGE...
//
// Exit 0 after a clean close, 1 when the connection fails, 2 on bad usage.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "wscore/asio/ssl.hpp"
#include "wscore/uri.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Options {
  wscore::WebSocketUri url;
  std::string cafile;
  wscore::asio::StreamOptions stream;
  std::vector<std::string> messages;
};

// The whole conversation on an open transport: handshake, an echo for each message, close.
template <class WebSocket>
asio::awaitable<int> converse(WebSocket& ws, const Options& options) {
  ws.set_options(options.stream);
  try {
    co_await ws.async_handshake(options.url.host_header, options.url.resource_name,
                                asio::use_awaitable);
    std::string echoed;
    for (const std::string& message : options.messages) {
      co_await ws.async_write(wscore::MessageType::text, asio::buffer(message),
                              asio::use_awaitable);
      echoed.clear();
      co_await ws.async_read(asio::dynamic_buffer(echoed), asio::use_awaitable);
      std::printf("%s\n", echoed.c_str());
    }
    co_await ws.async_close(wscore::close_code::normal, "done", asio::use_awaitable);
    std::fprintf(stderr, "closed %u\n", ws.ending()->code);
    co_return 0;
  } catch (const boost::system::system_error& error) {
    const std::string why = ws.ending() ? ws.ending()->reason : "";
    std::fprintf(stderr, "asio_echo_client: %s %s\n", error.what(), why.c_str());
    co_return 1;
  }
}

asio::awaitable<int> run(const Options& options) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      options.url.host, std::to_string(options.url.port), asio::use_awaitable);
  tcp::socket socket(executor);
  co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  if (!options.url.secure) {
    wscore::asio::Stream<tcp::socket> ws(std::move(socket));
    co_return co_await converse(ws, options);
  }
  asio::ssl::context tls(asio::ssl::context::tls_client);
  if (options.cafile.empty()) {
    tls.set_default_verify_paths();
  } else {
    tls.load_verify_file(options.cafile);
  }
  tls.set_verify_mode(asio::ssl::verify_peer);
  wscore::asio::Stream<asio::ssl::stream<tcp::socket>> ws(std::move(socket), tls);
  ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(options.url.host));
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), options.url.host.c_str());
  co_return co_await converse(ws, options);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<std::string> positionals;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--cafile" && i + 1 < argc) {
      options.cafile = argv[++i];
    } else if (argument == "--deflate") {
      options.stream.connection.deflate.enabled = true;
    } else {
      positionals.push_back(argument);
    }
  }
  const wscore::UriParseResult parsed =
      positionals.empty() ? wscore::UriParseResult{} : wscore::parse_websocket_uri(positionals[0]);
  if (!parsed.uri) {
    std::fprintf(stderr, "usage: asio_echo_client URL [--cafile FILE] [--deflate] MESSAGE...%s%s\n",
                 parsed.error.empty() ? "" : "\n", std::string(parsed.error).c_str());
    return 2;
  }
  options.url = *parsed.uri;
  options.messages.assign(positionals.begin() + 1, positionals.end());

  asio::io_context io;
  int status = 1;
  asio::co_spawn(io, run(options), [&status](std::exception_ptr error, int result) {
    status = result;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {  // resolving, connecting, the TLS setup
      std::fprintf(stderr, "asio_echo_client: %s\n", exception.what());
      status = 1;
    }
  });
  io.run();
  return status;
}

// SPDX-License-Identifier: MIT
// For the wscore::asio tests: TCP sockets connected over loopback on one io_context, running it
// until a condition holds, and coroutines whose exceptions fail the test.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace wscore::asio::test {

namespace net = boost::asio;
using net::ip::tcp;

struct SocketPair {
  tcp::socket server;
  tcp::socket client;
};

// Both ends of one TCP connection on 127.0.0.1.
inline SocketPair connected_pair(net::io_context& io) {
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());  // the backlog takes it; accept() returns it
  tcp::socket server = acceptor.accept();
  return {std::move(server), std::move(client)};
}

// Runs handlers until `done` holds (or, as a safety net against a hang, 20 s). An io_context
// that ran out of work stops; work started since needs it restarted.
inline bool run_until(net::io_context& io, const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return done();
}

// Runs every handler that is ready, until none is: what can happen without the peer has.
inline void run_ready(net::io_context& io) {
  if (io.stopped()) io.restart();
  while (io.poll() > 0) {
  }
}

// The result of the one operation `start` starts with the handler it is given, once complete.
using Completion = std::function<void(boost::system::error_code)>;
inline boost::system::error_code result_of(net::io_context& io,
                                           const std::function<void(Completion)>& start) {
  std::optional<boost::system::error_code> result;
  start([&result](boost::system::error_code error) { result = error; });
  EXPECT_TRUE(run_until(io, [&] { return result.has_value(); }));
  return result.value_or(net::error::timed_out);
}

// The server half of a test: accepts, then reads one message into `message`; `read` gets that
// read's result.
template <class WebSocket>
void accept_then_read(WebSocket& server, std::string& message,
                      std::optional<boost::system::error_code>& read) {
  server.async_accept([&](boost::system::error_code error) {
    ASSERT_FALSE(error) << error.message();
    server.async_read(net::dynamic_buffer(message),
                      [&read](boost::system::error_code result, std::size_t) { read = result; });
  });
}

// A valid opening request (RFC 6455 §4.1, the §1.3 example key), for tests that play the client.
constexpr std::string_view upgrade_request =
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// Starts `coroutine` (a callable returning net::awaitable<void>); an exception fails the test;
// `finished` is set once it has returned.
template <class Coroutine>
void spawn(net::io_context& io, Coroutine coroutine, bool& finished) {
  net::co_spawn(io, std::move(coroutine), [&finished](std::exception_ptr error) {
    finished = true;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      ADD_FAILURE() << "coroutine threw: " << exception.what();
    }
  });
}

}  // namespace wscore::asio::test

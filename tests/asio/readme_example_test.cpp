// SPDX-License-Identifier: MIT
// The "Using it from Asio" example of the README, compiled and run against a client; ctest's
// readme.asio_example checks that the README shows this code as it is here.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>

#include "asio/loopback.hpp"

// --- README example begins ---
#include <boost/asio.hpp>

#include "wscore/asio/stream.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

// Echoes each message with its type until the connection ends, and returns how it ended.
asio::awaitable<wscore::asio::Ending> echo(tcp::socket socket) {
  wscore::asio::Stream<tcp::socket> ws(std::move(socket));
  co_await ws.async_accept(asio::use_awaitable);  // the core answers the request
  std::string message;
  for (;;) {
    message.clear();
    auto [error, size] =
        co_await ws.async_read(asio::dynamic_buffer(message), asio::as_tuple(asio::use_awaitable));
    if (error) break;  // wscore::asio::Error::closed after the close handshake
    co_await ws.async_write(ws.message_type(), asio::buffer(message), asio::use_awaitable);
  }
  co_return *ws.ending();  // the close code and reason the core reported
}
// --- README example ends ---

namespace wscore::asio::test {
namespace {

TEST(AsioReadmeExample, EchoesAndReportsTheClose) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  std::optional<Ending> ending;
  net::co_spawn(io, echo(std::move(sockets.server)), [&](std::exception_ptr error, Ending result) {
    EXPECT_FALSE(error);
    ending = result;
  });
  Stream<tcp::socket> client(std::move(sockets.client));
  bool finished = false;
  spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await client.async_handshake("127.0.0.1", "/", net::use_awaitable);
        std::string echoed;
        co_await client.async_write(MessageType::text, net::buffer(std::string_view("ping?")),
                                    net::use_awaitable);
        co_await client.async_read(net::dynamic_buffer(echoed), net::use_awaitable);
        EXPECT_EQ(echoed, "ping?");
        co_await client.async_close(close_code::normal, "bye", net::use_awaitable);
      },
      finished);
  ASSERT_TRUE(run_until(io, [&] { return finished && ending.has_value(); }));
  EXPECT_EQ(ending->error, Error::closed);
  EXPECT_EQ(ending->code, close_code::normal);
  EXPECT_EQ(ending->reason, "bye");
}

}  // namespace
}  // namespace wscore::asio::test

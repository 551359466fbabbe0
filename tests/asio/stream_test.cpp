// SPDX-License-Identifier: MIT
// wscore::asio::Stream over loopback TCP, server and client: messages both ways with each kind
// of completion token (callbacks, use_awaitable, deferred), the close handshake from either
// end with its code and reason seen on both, a peer breaking the protocol, and a stream
// destroyed under a pending read.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <string>

#include "asio/loopback.hpp"
#include "wscore/asio/stream.hpp"

namespace wscore::asio::test {
namespace {

using PlainStream = Stream<tcp::socket>;
using boost::system::error_code;

// The server half with callbacks: accepts, then echoes each message with its type until the
// read fails; `ended` is that read's error.
class CallbackEchoServer {
 public:
  explicit CallbackEchoServer(tcp::socket socket) : stream_(std::move(socket)) {
    stream_.async_accept([this](error_code error) {
      EXPECT_FALSE(error) << error.message();
      if (!error) read_next();
    });
  }
  PlainStream& stream() { return stream_; }
  const std::optional<error_code>& ended() const { return ended_; }

 private:
  void read_next() {
    message_.clear();
    stream_.async_read(net::dynamic_buffer(message_), [this](error_code error, std::size_t) {
      if (error) {
        ended_ = error;
        return;
      }
      stream_.async_write(stream_.message_type(), net::buffer(message_),
                          [this](error_code, std::size_t) { read_next(); });
    });
  }

  PlainStream stream_;
  std::string message_;
  std::optional<error_code> ended_;
};

TEST(AsioStream, EchoWithCallbacksAndCoroutinesThenACloseFromTheClientSeenOnBothEnds) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  CallbackEchoServer server(std::move(sockets.server));
  PlainStream client(std::move(sockets.client));
  bool finished = false;
  spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await client.async_handshake("127.0.0.1", "/echo", net::use_awaitable);
        EXPECT_TRUE(client.is_open());
        std::string echoed;
        co_await client.async_write(MessageType::text, net::buffer(std::string_view("hello")),
                                    net::use_awaitable);
        std::size_t size =
            co_await client.async_read(net::dynamic_buffer(echoed), net::use_awaitable);
        EXPECT_EQ(size, 5u);
        EXPECT_EQ(echoed, "hello");
        EXPECT_EQ(client.message_type(), MessageType::text);
        // RFC 6455 §5.2: past 65535 bytes the 64-bit length form.
        const std::string binary(70'000, '\x5a');
        echoed.clear();
        co_await client.async_write(MessageType::binary, net::buffer(binary), net::use_awaitable);
        size = co_await client.async_read(net::dynamic_buffer(echoed), net::use_awaitable);
        EXPECT_EQ(size, binary.size());
        EXPECT_EQ(echoed, binary);
        EXPECT_EQ(client.message_type(), MessageType::binary);
        // RFC 6455 §7.1.2: the server answers our Close with its code.
        co_await client.async_close(4000, "bye from the client", net::use_awaitable);
      },
      finished);
  ASSERT_TRUE(run_until(io, [&] { return finished && server.ended(); }));

  EXPECT_EQ(*server.ended(), Error::closed);
  ASSERT_TRUE(server.stream().ending());
  EXPECT_EQ(server.stream().ending()->code, 4000);
  EXPECT_EQ(server.stream().ending()->reason, "bye from the client");
  EXPECT_EQ(server.stream().request().path(), "/echo");
  ASSERT_TRUE(client.ending());
  EXPECT_EQ(client.ending()->error, Error::closed);
  EXPECT_EQ(client.ending()->code, 4000);
  EXPECT_FALSE(client.is_open());
}

TEST(AsioStream, ACloseFromTheServerWithDeferredEndsTheClientsReadWithItsCodeAndReason) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  PlainStream server(std::move(sockets.server));
  PlainStream client(std::move(sockets.client));
  std::optional<error_code> server_closed, client_read;
  std::string unused;

  // Operations made with asio::deferred start when they are invoked with a token.
  auto accept = server.async_accept(net::deferred);
  auto close = server.async_close(4001, "bye from the server", net::deferred);
  std::move(accept)([&, close = std::move(close)](error_code error) mutable {
    ASSERT_FALSE(error) << error.message();
    std::move(close)([&](error_code closed) { server_closed = closed; });
  });
  client.async_handshake("127.0.0.1", "/", [&](error_code error) {
    ASSERT_FALSE(error) << error.message();
    client.async_read(net::dynamic_buffer(unused),
                      [&](error_code read, std::size_t) { client_read = read; });
  });
  ASSERT_TRUE(run_until(io, [&] { return server_closed && client_read; }));

  EXPECT_FALSE(*server_closed) << server_closed->message();  // the client answered
  EXPECT_EQ(*client_read, Error::closed);
  ASSERT_TRUE(client.ending());
  EXPECT_EQ(client.ending()->code, 4001);
  EXPECT_EQ(client.ending()->reason, "bye from the server");
  ASSERT_TRUE(server.ending());
  EXPECT_EQ(server.ending()->code, 4001);  // the client's answer echoes it
}

TEST(AsioStream, APeerBreakingTheProtocolEndsTheReadWithTheCoresCloseCode) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  PlainStream server(std::move(sockets.server));
  std::optional<error_code> read_end;
  std::string unused;
  accept_then_read(server, unused, read_end);
  // An upgrade, then a text frame without a mask (RFC 6455 §5.1: a server must fail that).
  const std::string request = std::string(upgrade_request) + "\x81\x02hi";
  net::write(sockets.client, net::buffer(request));
  ASSERT_TRUE(run_until(io, [&] { return read_end.has_value(); }));

  EXPECT_EQ(*read_end, Error::protocol_error);
  ASSERT_TRUE(server.ending());
  EXPECT_EQ(server.ending()->code, close_code::protocol_error);
  EXPECT_EQ(server.ending()->violation, Violation::unmasked_frame_from_client);
  // What the peer got: the 101, then the core's Close, then the end of the stream.
  std::string received;
  error_code end;
  net::read(sockets.client, net::dynamic_buffer(received), end);
  EXPECT_EQ(end, net::error::eof);
  EXPECT_TRUE(received.starts_with("HTTP/1.1 101 ")) << received;
  const std::size_t frame = received.find("\r\n\r\n") + 4;
  ASSERT_GE(received.size(), frame + 4);
  EXPECT_EQ(received[frame], '\x88');                    // a Close frame (RFC 6455 §5.5.1)
  EXPECT_EQ(received.substr(frame + 2, 2), "\x03\xea");  // 1002
}

TEST(AsioStream, DestroyingTheStreamCompletesAPendingReadWithOperationAborted) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  auto server = std::make_unique<PlainStream>(std::move(sockets.server));
  PlainStream client(std::move(sockets.client));
  std::optional<error_code> read_end;
  std::string unused;
  bool opened = false;
  accept_then_read(*server, unused, read_end);
  client.async_handshake("127.0.0.1", "/", [&](error_code error) { opened = !error; });
  ASSERT_TRUE(run_until(io, [&] { return opened; }));
  run_ready(io);
  ASSERT_FALSE(read_end);

  server.reset();
  ASSERT_TRUE(run_until(io, [&] { return read_end.has_value(); }));
  EXPECT_EQ(*read_end, net::error::operation_aborted);
  // The peer sees the connection go without a Close: 1006, as the core reports it.
  std::optional<error_code> client_read;
  client.async_read(net::dynamic_buffer(unused),
                    [&](error_code read, std::size_t) { client_read = read; });
  ASSERT_TRUE(run_until(io, [&] { return client_read.has_value(); }));
  EXPECT_EQ(*client_read, Error::connection_lost);
  EXPECT_EQ(client.ending()->code, close_code::abnormal_closure);
}

}  // namespace
}  // namespace wscore::asio::test

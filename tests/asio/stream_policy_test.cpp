// SPDX-License-Identifier: MIT
// The driver's policy through wscore::asio::Stream, as an Asio user meets it: deadlines that
// end an operation with Error::timeout (a peer that never answers the opening handshake, a
// server that never answers the request, a peer that never answers the keep-alive Ping),
// cancellation of a pending read (the stream stays usable), and backpressure (a write completes
// only once its bytes are handed to the socket; over the outbound limit the next one waits).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <vector>

#include "asio/loopback.hpp"
#include "wscore/asio/stream.hpp"

namespace wscore::asio::test {
namespace {

using PlainStream = Stream<tcp::socket>;
using boost::system::error_code;
using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;

StreamOptions with_policy(const std::function<void(DriverPolicy&)>& change) {
  StreamOptions options;
  change(options.policy);
  return options;
}

TEST(AsioStreamPolicy, AcceptTimesOutWhenThePeerNeverSendsItsRequest) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);  // the client end never writes
  PlainStream server(std::move(sockets.server));
  server.set_options(with_policy([](DriverPolicy& policy) { policy.handshake_timeout = 50ms; }));
  EXPECT_EQ(result_of(io, [&](Completion done) { server.async_accept(done); }), Error::timeout);
  EXPECT_EQ(server.ending()->reason, "handshake timeout");  // the driver's words
  EXPECT_FALSE(server.is_open());
}

TEST(AsioStreamPolicy, HandshakeTimesOutWhenTheServerNeverAnswers) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);  // the server end never answers
  PlainStream client(std::move(sockets.client));
  client.set_options(with_policy([](DriverPolicy& policy) { policy.handshake_timeout = 50ms; }));
  EXPECT_EQ(result_of(io, [&](Completion done) { client.async_handshake("127.0.0.1", "/", done); }),
            Error::timeout);
  // The request did go out.
  std::string request;
  net::read_until(sockets.server, net::dynamic_buffer(request), "\r\n\r\n");
  EXPECT_TRUE(request.starts_with("GET / HTTP/1.1\r\n")) << request;
}

TEST(AsioStreamPolicy, AReadTimesOutWhenThePeerNeverAnswersTheKeepAlivePing) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  PlainStream server(std::move(sockets.server));
  server.set_options(with_policy([](DriverPolicy& policy) {
    policy.idle_timeout = 30ms;
    policy.pong_timeout = 30ms;
  }));
  std::optional<error_code> read_end;
  std::string unused;
  accept_then_read(server, unused, read_end);
  net::write(sockets.client, net::buffer(upgrade_request));  // and nothing after it
  ASSERT_TRUE(run_until(io, [&] { return read_end.has_value(); }));
  EXPECT_EQ(*read_end, Error::timeout);
  EXPECT_EQ(server.ending()->code, close_code::abnormal_closure);
  // RFC 6455 §5.5.2: the idle connection got an empty Ping after the 101.
  std::string received;
  error_code end;
  net::read(sockets.client, net::dynamic_buffer(received), end);
  EXPECT_TRUE(received.ends_with(std::string_view("\r\n\r\n\x89\x00", 6))) << received;
}

TEST(AsioStreamPolicy, ACancelledReadCompletesWithOperationAbortedAndTheStreamStaysUsable) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  PlainStream server(std::move(sockets.server));
  PlainStream client(std::move(sockets.client));
  // No deadline may wake the read: only the cancellation ends it.
  server.set_options(with_policy([](DriverPolicy& policy) {
    policy.handshake_timeout = policy.idle_timeout = std::chrono::hours(1);
  }));
  bool finished = false;
  spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await (server.async_accept(net::use_awaitable) &&
                  client.async_handshake("127.0.0.1", "/", net::use_awaitable));
        net::cancellation_signal cancel;
        std::string message;
        // Emitted once the read below is waiting for the peer, which sends nothing yet.
        net::post(io, [&] { cancel.emit(net::cancellation_type::total); });
        const auto [cancelled, nothing] = co_await server.async_read(
            net::dynamic_buffer(message),
            net::bind_cancellation_slot(cancel.slot(), net::as_tuple(net::use_awaitable)));
        EXPECT_EQ(cancelled, net::error::operation_aborted);
        EXPECT_EQ(nothing, 0u);
        EXPECT_TRUE(server.is_open());

        co_await client.async_write(MessageType::text, net::buffer(std::string_view("still here")),
                                    net::use_awaitable);
        co_await server.async_read(net::dynamic_buffer(message), net::use_awaitable);
        EXPECT_EQ(message, "still here");
        // The client reads, so that it sees our Close and answers it.
        const auto [closed, client_read] = co_await (
            server.async_close(1000, "", net::as_tuple(net::use_awaitable)) &&
            client.async_read(net::dynamic_buffer(message), net::as_tuple(net::use_awaitable)));
        EXPECT_FALSE(closed) << closed.message();  // a one-value tuple is the value
        EXPECT_EQ(std::get<0>(client_read), Error::closed);
      },
      finished);
  ASSERT_TRUE(run_until(io, [&] { return finished; }));
}

TEST(AsioStreamPolicy, AWriteCompletesOnlyOnceItsBytesAreHandedToTheSocket) {
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  // Small kernel buffers, so that a peer that does not read stops the writer early.
  sockets.server.set_option(net::socket_base::receive_buffer_size(16 * 1024));
  sockets.client.set_option(net::socket_base::send_buffer_size(16 * 1024));
  PlainStream server(std::move(sockets.server));
  PlainStream client(std::move(sockets.client));
  const std::size_t limit = 256 * 1024;
  client.set_options(
      with_policy([&](DriverPolicy& policy) { policy.max_outbound_buffer = limit; }));
  bool accepted = false, opened = false;
  server.async_accept([&](error_code error) { accepted = !error; });
  client.async_handshake("127.0.0.1", "/", [&](error_code error) { opened = !error; });
  ASSERT_TRUE(run_until(io, [&] { return accepted && opened; }));

  // The server reads nothing yet. The first message is taken though over the limit (the
  // buffer was under it); the second waits for the buffer to drain.
  const std::string large(4 * limit, 'a');
  std::vector<std::string> completed;
  client.async_write(MessageType::binary, net::buffer(large), [&](error_code error, std::size_t) {
    EXPECT_FALSE(error) << error.message();
    completed.push_back("large");
  });
  client.async_write(MessageType::text, net::buffer(std::string_view("small")),
                     [&](error_code error, std::size_t) {
                       EXPECT_FALSE(error) << error.message();
                       completed.push_back("small");
                     });
  run_ready(io);
  EXPECT_TRUE(completed.empty());
  EXPECT_GT(client.driver().buffered_amount(), limit);
  EXPECT_LT(client.driver().buffered_amount(), large.size() + 16);  // "small" is not queued

  // Once the peer reads, both complete, in order.
  std::string first, second;
  server.async_read(net::dynamic_buffer(first), [&](error_code error, std::size_t) {
    ASSERT_FALSE(error) << error.message();
    server.async_read(net::dynamic_buffer(second), [](error_code, std::size_t) {});
  });
  ASSERT_TRUE(run_until(io, [&] { return completed.size() == 2 && !second.empty(); }));
  EXPECT_EQ(completed, (std::vector<std::string>{"large", "small"}));
  EXPECT_EQ(first, large);
  EXPECT_EQ(second, "small");
  EXPECT_EQ(client.driver().buffered_amount(), 0u);
}

// RFC 6455 §4.2.2 and §10.2: the server may refuse a request (here, for its Origin) with an HTTP
// status, or accept it with a subprotocol of its choosing; the application decides from the
// request.
TEST(AsioStreamPolicy, TheServerDecidesFromTheRequestToRefuseOrToAccept) {
  const auto decide = [](const HandshakeRequest& request) -> AcceptDecision {
    if (request.origin() != "https://good.example") {
      return Refusal{.status = 403, .body = "not from here", .headers = {}};
    }
    return AcceptOptions{.subprotocol = request.subprotocols().back()};  // our pick
  };
  const std::string_view offered[] = {"chat.v2", "chat.v1"};
  for (const std::string_view origin : {"https://evil.example", "https://good.example"}) {
    net::io_context io;
    SocketPair sockets = connected_pair(io);
    PlainStream server(std::move(sockets.server));
    PlainStream client(std::move(sockets.client));
    std::optional<error_code> accepted, opened;
    server.async_accept(AcceptDecider(decide), [&](error_code error) { accepted = error; });
    client.async_handshake(
        ClientRequestOptions{
            .host = "127.0.0.1", .target = "/", .origin = origin, .subprotocols = offered},
        [&](error_code error) { opened = error; });
    ASSERT_TRUE(run_until(io, [&] { return accepted && opened; })) << origin;
    if (origin == "https://evil.example") {
      EXPECT_EQ(*accepted, Error::handshake_failed);
      EXPECT_EQ(server.ending()->http_status, 403);
      EXPECT_EQ(*opened, Error::handshake_failed);
      EXPECT_EQ(client.ending()->http_status, 403) << "the client read the refusal";
    } else {
      EXPECT_FALSE(*accepted) << accepted->message();
      EXPECT_FALSE(*opened) << opened->message();
      EXPECT_EQ(client.driver().connection().subprotocol(), "chat.v1");
      EXPECT_EQ(server.request().origin(), "https://good.example");
    }
  }
}

}  // namespace
}  // namespace wscore::asio::test

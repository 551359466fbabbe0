// SPDX-License-Identifier: MIT
// The epoll server and client on one driver, over loopback: streaming delivery reaches the
// application on both ends, and an upgrade the core cannot accept is refused before on_open.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "wscore/transport/client.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::transport {
namespace {

using namespace std::chrono_literals;

// What the server's application saw, read by the test thread after the server stopped.
struct Observed {
  std::mutex mutex;
  std::vector<std::size_t> fragment_sizes;
  std::size_t messages = 0;
  std::atomic<bool> opened{false};
};

// Streams each message in, and answers it with one message of three times its size.
class StreamingApplication final : public ServerApplication {
 public:
  explicit StreamingApplication(Observed& observed) : observed_(observed) {}
  void on_open(Session&) override { observed_.opened = true; }
  void on_fragment(Session& session, MessageType, ByteView data, bool finished) override {
    std::lock_guard lock(observed_.mutex);
    observed_.fragment_sizes.push_back(data.size());
    received_ += data.size();
    if (!finished) return;
    ++observed_.messages;
    const std::vector<std::byte> answer(received_ * 3, std::byte{0x5a});
    received_ = 0;
    EXPECT_NE(session.send(MessageType::binary, answer), SendStatus::dropped);
  }

 private:
  Observed& observed_;
  std::size_t received_ = 0;
};

class RunningServer {
 public:
  RunningServer(ServerOptions options, Observed& observed) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.application = [&observed](Server&, unsigned) {
      return std::make_unique<StreamingApplication>(observed);
    };
    std::string error;
    server_ = Server::create(std::move(options), error);
    EXPECT_TRUE(server_) << error;
    if (server_) thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningServer() {
    if (!server_) return;
    server_->shutdown();
    thread_.join();
  }
  std::uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

ClientOptions client_options(std::uint16_t port) {
  ClientOptions options;
  options.url = *parse_websocket_uri("ws://127.0.0.1:" + std::to_string(port) + "/stream").uri;
  return options;
}

// Runs the loop until `done` or 10 s.
void run_until(EventLoop& loop, Client& client, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  loop.run(5ms, [&] {
    client.check_timers();
    if (done() || client.finished() || std::chrono::steady_clock::now() > deadline) loop.stop();
  });
}

TEST(OneDriver, StreamingDeliveryReachesTheApplicationOnBothEnds) {
  Observed observed;
  ServerOptions server_options;
  server_options.connection.delivery = DeliveryMode::streaming;
  RunningServer server(server_options, observed);
  ASSERT_NE(server.port(), 0);

  EventLoop loop;
  ClientOptions options = client_options(server.port());
  options.connection.delivery = DeliveryMode::streaming;
  const std::size_t size = 200 * 1024;  // more than one read of the server's 64 KiB buffer
  std::vector<std::size_t> client_fragments;
  std::size_t client_bytes = 0;
  bool answered = false;
  ClientHandlers handlers;
  handlers.on_open = [&](Client& client, const HandshakeResponse&) {
    const std::vector<std::byte> message(size, std::byte{0x42});
    EXPECT_NE(client.send(MessageType::binary, message), SendStatus::dropped);
  };
  handlers.on_fragment = [&](Client& client, MessageType type, ByteView data, bool finished) {
    EXPECT_EQ(type, MessageType::binary);
    client_fragments.push_back(data.size());
    client_bytes += data.size();
    if (finished) {
      answered = true;
      client.close(1000, "done");
    }
  };
  handlers.on_message = [](Client&, MessageType, ByteView) {
    ADD_FAILURE() << "whole message in streaming mode";
  };
  std::uint16_t close_code = 0;
  handlers.on_close = [&](Client&, std::uint16_t code, std::string_view) { close_code = code; };
  handlers.on_error = [](Client&, std::string_view error, int) { ADD_FAILURE() << error; };
  std::string error;
  auto client = Client::connect(loop, options, handlers, error);
  ASSERT_TRUE(client) << error;
  run_until(loop, *client, [&] { return client->finished(); });

  EXPECT_TRUE(answered);
  EXPECT_EQ(client_bytes, 3 * size);
  EXPECT_GT(client_fragments.size(), 1u) << "a 600 KiB message arrives in pieces";
  EXPECT_EQ(close_code, 1000) << "the server echoed our Close (RFC 6455 §5.5.1)";
  std::lock_guard lock(observed.mutex);
  EXPECT_EQ(observed.messages, 1u);
  EXPECT_GT(observed.fragment_sizes.size(), 1u);
  std::size_t server_bytes = 0;
  for (std::size_t piece : observed.fragment_sizes)
    server_bytes += piece;
  EXPECT_EQ(server_bytes, size);
}

TEST(OneDriver, InvalidDeflateOptionsRefuseTheUpgradeAndNeverOpen) {
  Observed observed;
  ServerOptions server_options;
  server_options.connection.deflate.enabled = true;
  server_options.connection.deflate.window_bits = 20;  // RFC 7692 §7.1.2: 8-15 only
  RunningServer server(server_options, observed);
  ASSERT_NE(server.port(), 0);

  EventLoop loop;
  int status = 0;
  bool opened = false;
  ClientHandlers handlers;
  handlers.on_open = [&](Client&, const HandshakeResponse&) { opened = true; };
  handlers.on_error = [&](Client&, std::string_view, int http_status) { status = http_status; };
  std::string error;
  auto client = Client::connect(loop, client_options(server.port()), handlers, error);
  ASSERT_TRUE(client) << error;
  run_until(loop, *client, [&] { return status != 0; });
  EXPECT_EQ(status, 500);
  EXPECT_FALSE(opened);
  EXPECT_FALSE(observed.opened) << "no on_open when accept() failed";
}

}  // namespace
}  // namespace wscore::transport

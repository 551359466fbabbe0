// SPDX-License-Identifier: MIT
// transport::Server on io_uring loops: listeners and rings made at create(), one thread per loop
// (loop 0 on the caller's), shutdown and broadcasts posted to each loop.
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "uring_loop.hpp"
#include "wscore/transport/socket.hpp"
#include "wscore/uring/server.hpp"

namespace wscore::uring {
namespace {

class UringServer final : public transport::Server {
 public:
  static std::unique_ptr<transport::Server> create(transport::ServerOptions options,
                                                   std::string& error);

  void run() override {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < loops_.size(); ++i)
      threads.emplace_back([loop = loops_[i].get()] { loop->run(); });
    loops_[0]->run();
    for (auto& thread : threads)
      thread.join();
  }

  void shutdown() override {
    for (auto& loop : loops_) {
      UringLoop* target = loop.get();
      target->post([target] { target->begin_shutdown(); });
    }
  }

  void for_each_application(
      const std::function<void(transport::ServerApplication&)>& task) override {
    for (auto& loop : loops_) {
      UringLoop* target = loop.get();
      target->post([target, task] { task(target->application()); });
    }
  }

 private:
  UringServer() = default;
  std::vector<std::unique_ptr<UringLoop>> loops_;
};

std::unique_ptr<transport::Server> UringServer::create(transport::ServerOptions options,
                                                       std::string& error) {
  if (options.tls) {
    error = "TLS over io_uring is not supported yet: serve wss:// with --io epoll";
    return nullptr;
  }
  if (error = unavailable_reason(); !error.empty()) return nullptr;
  std::unique_ptr<UringServer> server(new UringServer());
  server->options_ = std::move(options);
  server->counters_ = std::make_shared<transport::SharedCounters>();
  const unsigned threads = std::max(1u, server->options_.threads);
  std::uint16_t port = server->options_.port;
  for (unsigned i = 0; i < threads; ++i) {
    // With port 0 the first listener picks a port and the others join it.
    transport::SocketResult listener =
        transport::listen_tcp(server->options_.host, port, threads > 1);
    if (listener.fd < 0) {
      error = listener.error;
      return nullptr;
    }
    port = transport::local_port(listener.fd);
    auto loop = std::make_unique<UringLoop>(*server, server->options_, i, listener.fd,
                                            server->counters_, error);
    if (!error.empty()) return nullptr;  // the loop closes its listener
    server->loops_.push_back(std::move(loop));
  }
  server->port_ = port;
  return server;
}

}  // namespace

std::string unavailable_reason() {
  return Ring::unavailable_reason();
}

std::unique_ptr<transport::Server> create_server(transport::ServerOptions options,
                                                 std::string& error) {
  return UringServer::create(std::move(options), error);
}

}  // namespace wscore::uring

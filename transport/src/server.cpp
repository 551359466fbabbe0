// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "server_connection.hpp"
#include "wscore/transport/socket.hpp"

namespace wscore::transport {

namespace {
// One per loop, shared by its connections: large enough that a 64 KiB message arrives in one
// read, whole, and is parsed where it is (no merge into a message buffer).
constexpr std::size_t read_buffer_size = 256 * 1024;
constexpr std::chrono::milliseconds tick_interval{100};
}  // namespace

Server::Loop::Loop(Server& server, const ServerOptions& options, unsigned index, int listen_fd,
                   std::shared_ptr<SharedCounters> counters)
    : server_(server),
      options_(options),
      index_(index),
      listen_fd_(listen_fd),
      counters_(std::move(counters)),
      read_buffer_(read_buffer_size),
      memory_budget_(options.policy.max_buffer_memory / std::max(1u, options.threads)) {
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (options_.tls) tls_ = options_.tls();
  application_ = options_.application ? options_.application(server_, index_)
                                      : std::make_unique<ServerApplication>();
  events_.add(listen_fd_, EPOLLIN, this);
}

Server::Loop::~Loop() {
  for (ServerConnection* connection : connections_)
    delete connection;
  for (ServerConnection* connection : retired_)
    delete connection;
  if (listen_fd_ >= 0) close(listen_fd_);
  if (spare_fd_ >= 0) close(spare_fd_);
}

void Server::Loop::on_io(std::uint32_t) {
  accept_all();
}

void Server::Loop::accept_all() {
  for (;;) {
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &address_length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: free the spare one to accept-and-close the peer, so the listener
        // does not stay readable forever and spin the loop.
        if (spare_fd_ >= 0) close(spare_fd_);
        const int refused = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (refused >= 0) close(refused);
        spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        // accept() reports EMFILE before it looks at the queue: stop once it is empty.
        if (refused < 0) return;
        ++counters_->refused;
        log("refused a connection: out of file descriptors");
        continue;
      }
      return;  // EAGAIN, or a transient error such as ECONNABORTED
    }
    ++counters_->accepted;
    const PeerAddress peer = PeerAddress::of(address);
    if (const std::optional<std::string> why = refusal(peer)) {
      ++counters_->refused;
      close(fd);
      log("refused a connection from " + peer.to_string() + ": " + *why);
      continue;
    }
    set_nodelay(fd);
    ++counters_->open_connections;
    auto* connection = new ServerConnection(
        *this, fd, next_id_++ * std::max(1u, options_.threads) + index_, peer, port_of(address));
    connection->slot = connections_.size();
    connections_.push_back(connection);
  }
}

std::optional<std::string> Server::Loop::refusal(const PeerAddress& peer) {
  const ServerPolicy& policy = options_.policy;
  if (shutting_down_) return "shutting down";
  if (counters_->open_connections >= policy.max_connections) {
    return std::to_string(policy.max_connections) + " connections open";
  }
  if (policy.max_handshakes != 0 && counters_->handshakes >= policy.max_handshakes) {
    return std::to_string(policy.max_handshakes) + " handshakes in progress";
  }
  if (memory_budget_ != 0 && buffer_memory_ > memory_budget_) return "over the memory budget";
  if (policy.max_connections_per_address != 0 &&
      !counters_->addresses.try_add(peer, policy.max_connections_per_address)) {
    return std::to_string(policy.max_connections_per_address) + " open from that address";
  }
  return std::nullopt;
}

void Server::Loop::retire(ServerConnection* connection) {
  // Swap-remove from the live list; delete after this iteration (epoll may still hold events
  // for it in the current batch).
  ServerConnection* last = connections_.back();
  connections_[connection->slot] = last;
  last->slot = connection->slot;
  connections_.pop_back();
  retired_.push_back(connection);
  note_memory(*connection, connection->memory(), 0);
  if (connection->held()) std::erase(held_, connection);
  --counters_->open_connections;
  if (options_.policy.max_connections_per_address != 0) {
    counters_->addresses.remove(connection->peer());
  }
  if (retired_.size() == 1) {
    events_.post([this] {
      for (ServerConnection* retired : retired_)
        delete retired;
      retired_.clear();
    });
  }
}

void Server::Loop::note_memory(ServerConnection& connection, std::size_t before,
                               std::size_t after) {
  buffer_memory_ = buffer_memory_ - before + after;
  if (memory_budget_ == 0 || buffer_memory_ <= memory_budget_ || connection.held()) return;
  // Over the budget: the connections above their share wait; the others go on.
  if (after > memory_budget_ / std::max<std::size_t>(1, connections_.size())) {
    connection.hold_reading(true);
    held_.push_back(&connection);
    log("connection " + std::to_string(connection.id()) + " holds " + std::to_string(after) +
        " bytes: reading stops until the loop's buffers are under 3/4 of " +
        std::to_string(memory_budget_));
  }
}

void Server::Loop::release_held() {
  if (held_.empty() || buffer_memory_ > memory_budget_ / 4 * 3) return;
  for (ServerConnection* connection : std::exchange(held_, {})) {
    connection->hold_reading(false);
  }
}

void Server::Loop::tick() {
  release_held();
  const std::uint64_t now = events_.now_ms();
  // A copy: a deadline may retire a connection and reorder the list.
  std::vector<ServerConnection*> live = connections_;
  for (ServerConnection* connection : live)
    connection->tick();
  if (shutting_down_ && (connections_.empty() || now >= shutdown_deadline_)) {
    for (ServerConnection* connection : std::vector<ServerConnection*>(connections_)) {
      connection->give_up("shutdown timeout");
    }
    events_.stop();
  }
}

void Server::Loop::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_deadline_ =
      events_.now_ms() + static_cast<std::uint64_t>(options_.policy.close_timeout.count());
  events_.remove(listen_fd_);
  close(listen_fd_);
  listen_fd_ = -1;
  for (ServerConnection* connection : std::vector<ServerConnection*>(connections_)) {
    connection->shut_down();
  }
}

void Server::Loop::run() {
  events_.run(tick_interval, [this] { tick(); });
}

std::unique_ptr<Server> Server::create(ServerOptions options, std::string& error) {
  std::unique_ptr<Server> server(new Server());
  server->options_ = std::move(options);
  server->counters_ = std::make_shared<SharedCounters>();
  const unsigned threads = std::max(1u, server->options_.threads);
  std::uint16_t port = server->options_.port;
  for (unsigned i = 0; i < threads; ++i) {
    // With port 0 the first listener picks a port and the others join it.
    SocketResult listener = listen_tcp(server->options_.host, port, threads > 1);
    if (listener.fd < 0) {
      error = listener.error;
      return nullptr;
    }
    port = local_port(listener.fd);
    try {
      server->loops_.push_back(
          std::make_unique<Loop>(*server, server->options_, i, listener.fd, server->counters_));
    } catch (const std::exception& exception) {
      close(listener.fd);
      error = exception.what();
      return nullptr;
    }
  }
  server->port_ = port;
  return server;
}

Server::~Server() = default;

void Server::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops_.size(); ++i) {
    threads.emplace_back([loop = loops_[i].get()] { loop->run(); });
  }
  loops_[0]->run();
  for (auto& thread : threads)
    thread.join();
}

void Server::shutdown() {
  for (auto& loop : loops_) {
    Loop* target = loop.get();
    target->post([target] { target->begin_shutdown(); });
  }
}

ServerStats Server::stats() const {
  const SharedCounters& c = *counters_;
  return {c.accepted,     c.refused,  c.upgraded,  c.http_requests,   c.messages_in,
          c.messages_out, c.bytes_in, c.bytes_out, c.open_connections};
}

void Server::for_each_application(const std::function<void(ServerApplication&)>& task) {
  for (auto& loop : loops_) {
    Loop* target = loop.get();
    target->post([target, task] { task(target->application()); });
  }
}

}  // namespace wscore::transport

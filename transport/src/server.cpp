// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "admission.hpp"
#include "memory_budget.hpp"
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
      memory_budget_(options.policy.max_buffer_memory / std::max(1u, options.threads),
                     options.log) {
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
        // accept() reports EMFILE before it looks at the queue: stop once it is empty.
        if (!refuse_with_spare_descriptor(listen_fd_, spare_fd_)) return;
        ++counters_->refused;
        log("refused a connection: out of file descriptors");
        continue;
      }
      if (errno == ENOBUFS || errno == ENOMEM) {
        // The kernel is out of memory for sockets, and the peer stays in the queue: the
        // listener stays readable, so watching it would spin. Accepting resumes on the tick.
        events_.modify(listen_fd_, 0, this);
        accept_paused_ = true;
        log(std::string("accepting paused until the next tick: ") + std::strerror(errno));
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
  return transport::refusal(
      options_.policy, *counters_, peer,
      {.shutting_down = shutting_down_, .over_memory_budget = memory_budget_.over()});
}

void Server::Loop::retire(ServerConnection* connection) {
  // Swap-remove from the live list; delete after this iteration (epoll may still hold events
  // for it in the current batch).
  remove_live(connections_, connection);
  retired_.push_back(connection);
  memory_budget_.forget(*connection);
  note_closed(options_.policy, *counters_, connection->peer());
  if (retired_.size() == 1) {
    events_.post([this] {
      for (ServerConnection* retired : retired_)
        delete retired;
      retired_.clear();
    });
  }
}

void Server::Loop::tick() {
  memory_budget_.tick();
  if (accept_paused_ && listen_fd_ >= 0) {
    accept_paused_ = false;
    events_.modify(listen_fd_, EPOLLIN, this);
  }
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

// SPDX-License-Identifier: MIT
// Internals of the server: one Loop per thread, one ServerConnection per accepted socket.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "memory_budget.hpp"
#include "peer_address.hpp"
#include "server_session.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/server.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

struct SharedCounters {
  std::atomic<std::uint64_t> accepted{0}, refused{0}, upgraded{0}, http_requests{0};
  std::atomic<std::uint64_t> messages_in{0}, messages_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> handshakes{0};  // accepted, opening handshake not yet finished
  AddressCounts addresses;                   // with max_connections_per_address only
};

class ServerConnection;

class Server::Loop final : public IoHandler, public ServerLoopContext {
 public:
  Loop(Server& server, const ServerOptions& options, unsigned index, int listen_fd,
       std::shared_ptr<SharedCounters> counters);
  ~Loop();

  void on_io(std::uint32_t epoll_events) override;  // the listener is readable
  void run();
  void begin_shutdown();  // on this loop's thread
  void post(std::function<void()> task) { events_.post(std::move(task)); }

  EventLoop& events() { return events_; }
  const ServerOptions& options() const override { return options_; }
  ServerApplication& application() override { return *application_; }
  TlsServerConfig* tls() { return tls_.get(); }
  SharedCounters& counters() override { return *counters_; }
  std::uint64_t now_ms() const { return events_.now_ms(); }
  // A read buffer shared by every connection of this loop: the core copies what it keeps.
  MutableByteView read_buffer() { return read_buffer_; }
  bool logging() const { return static_cast<bool>(options_.log); }
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  // Called by a connection that closed its socket: it is destroyed after this iteration.
  void retire(ServerConnection* connection);
  MemoryBudget& memory_budget() override { return memory_budget_; }
  std::size_t live_connections() const override { return connections_.size(); }

 private:
  void accept_all();
  // Why a connection from `peer` is refused now, or nullopt (then it is counted for `peer`).
  std::optional<std::string> refusal(const PeerAddress& peer);
  void tick();

  Server& server_;
  const ServerOptions& options_;
  unsigned index_;
  int listen_fd_;
  int spare_fd_ = -1;  // released to accept-and-close when out of file descriptors
  EventLoop events_;
  std::shared_ptr<SharedCounters> counters_;
  std::unique_ptr<TlsServerConfig> tls_;
  std::unique_ptr<ServerApplication> application_;
  std::vector<ServerConnection*> connections_;
  std::vector<ServerConnection*> retired_;
  std::vector<std::byte> read_buffer_;
  MemoryBudget memory_budget_;  // this loop's part of max_buffer_memory
  std::uint64_t next_id_ = 0;
  bool shutting_down_ = false;
  bool accept_paused_ = false;  // accept() failed for want of kernel memory: until the tick
  std::uint64_t shutdown_deadline_ = 0;
  friend class Server;
  friend class ServerConnection;
};

}  // namespace wscore::transport

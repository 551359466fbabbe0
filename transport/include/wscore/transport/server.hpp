// SPDX-License-Identifier: MIT
// A WebSocket server on epoll, plain or TLS: N event loops (one per thread, each with its own
// SO_REUSEPORT listener), each moving bytes between its sockets and wscore::Driver objects, which
// apply the policy — timeouts, keep-alive pings, bounded outbound buffers, graceful shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/driver.hpp"

namespace wscore::transport {

class TlsServerConfig;
struct SharedCounters;

// What happened to a message handed to Session::send (as uWebSockets reports it).
enum class SendStatus {
  sent,      // written to the socket (or the TLS layer) entirely
  buffered,  // queued; the rest goes out when the socket is writable
  // Not queued: the connection is closing, or its outbound buffer is full (then, by default,
  // the connection is closed with 1008: DriverPolicy::close_when_send_refused).
  dropped,
};

// The driver's policy for every connection (timeouts, keep-alive, backpressure), and the
// server's own limit.
struct ServerPolicy : DriverPolicy {
  std::size_t max_connections = 100'000;  // over it: refuse new ones at once
};

// One accepted WebSocket connection, as the application sees it. Every call happens on the
// connection's own event loop thread.
class Session {
 public:
  virtual SendStatus send(MessageType type, ByteView data) = 0;
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Bytes queued but not yet written (what backpressure is decided on).
  [[nodiscard]] virtual std::size_t buffered_amount() const = 0;
  [[nodiscard]] virtual std::string_view path() const = 0;
  [[nodiscard]] virtual std::uint64_t id() const = 0;

 protected:
  ~Session() = default;
};

// How an application refuses an upgrade request (e.g. a foreign Origin): status and body.
struct UpgradeRefusal {
  int status;
  std::string body;
};

struct HttpResponse {
  int status = 404;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body = "not found\n";
};

// The application, one instance per event loop (so it needs no locks for loop-local state).
class ServerApplication {
 public:
  virtual ~ServerApplication() = default;
  // A plain HTTP request (no WebSocket upgrade).
  virtual HttpResponse on_http(std::string_view method, std::string_view target);
  // A WebSocket upgrade request: nullopt accepts it, a refusal answers it with its status.
  virtual std::optional<UpgradeRefusal> on_request(Session& session,
                                                   const HandshakeRequest& request);
  virtual void on_open(Session& session);
  virtual void on_message(Session& session, MessageType type, ByteView data);
  // With ConnectionOptions::delivery == streaming: each piece of a message as it arrives.
  virtual void on_fragment(Session& session, MessageType type, ByteView data,
                           bool message_finished);
  // Once per opened session, with the close code the core reported (CloseReceived,
  // ProtocolError or ConnectionLost).
  virtual void on_close(Session& session, std::uint16_t code, std::string_view reason);
};

class Server;

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  unsigned threads = 1;       // event loops, each on its own thread
  ConnectionOptions connection;
  ServerPolicy policy;
  // TLS: called once per event loop to make its configuration (an RNG is not thread-safe);
  // empty for plain ws://.
  std::function<std::unique_ptr<TlsServerConfig>()> tls;
  // Makes the application of event loop `index`.
  std::function<std::unique_ptr<ServerApplication>(Server&, unsigned index)> application;
  // One line per connection event; empty: quiet.
  std::function<void(std::string_view line)> log;
};

struct ServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;  // over max_connections, or out of file descriptors
  std::uint64_t upgraded = 0;
  std::uint64_t http_requests = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t open_connections = 0;
};

class Server {
 public:
  // Binds every listener now, so "port in use" is reported before run(). On failure returns
  // nullptr and sets `error` to one line.
  static std::unique_ptr<Server> create(ServerOptions options, std::string& error);
  ~Server();

  // Runs the event loops (loop 0 on the calling thread) until shutdown() has finished.
  void run();
  // Graceful shutdown, from any thread or a signal-watching thread: stop accepting, close every
  // open connection as going away (Driver::shut_down), wait for the close handshakes up to
  // close_timeout, then return from run().
  void shutdown();

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] ServerStats stats() const;
  // Runs `task` on every event loop with its application (for broadcasts across loops).
  void for_each_application(const std::function<void(ServerApplication&)>& task);

  class Loop;

 private:
  Server() = default;
  ServerOptions options_;
  std::shared_ptr<SharedCounters> counters_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::uint16_t port_ = 0;
};

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
/// @file
/// A WebSocket server on epoll, plain or TLS: N event loops (one per thread, each with its own
/// SO_REUSEPORT listener), each moving bytes between its sockets and wscore::Driver objects, which
/// apply the policy — timeouts, keep-alive pings, bounded outbound buffers, graceful shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/driver.hpp"
#include "wscore/prepared_message.hpp"

namespace wscore::transport {

class TlsServerConfig;
struct SharedCounters;

/// What happened to a message handed to Session::send (as uWebSockets reports it).
enum class SendStatus {
  sent,      ///< written to the socket (or the TLS layer) entirely
  buffered,  ///< queued; the rest goes out when the socket is writable
  /// Not queued: the connection is closing, or its outbound buffer is full (then, by default,
  /// the driver closes the connection and says why: DriverPolicy::close_when_send_refused).
  dropped,
};

/// The driver's policy for every connection (timeouts, keep-alive, backpressure), and the
/// server's own limit.
struct ServerPolicy : DriverPolicy {
  std::size_t max_connections = 100'000;  ///< over it: refuse new ones at once
  /// Connections open from one remote address; over it, that address's new ones are refused at
  /// once. 0: no limit (the default: behind a proxy every peer has the proxy's address).
  std::size_t max_connections_per_address = 0;
  /// Connections accepted whose opening handshake (TLS, then the HTTP request) has not yet
  /// finished; over it, new connections are refused at once (slowloris bounds itself by
  /// handshake_timeout per connection; this bounds them all). 0: no limit.
  std::size_t max_handshakes = 10'000;
  /// Bytes every connection together may hold, its message, output and held-input buffers
  /// above all (Connection::memory_usage()), split evenly over the event loops. Over a loop's part,
  /// the connections holding more than their share stop reading (Driver::hold_reading()) until
  /// the loop is back under three quarters of it, and new connections are refused: the server
  /// slows its largest consumers before the machine runs out. 0: no limit.
  std::size_t max_buffer_memory = 0;
};

/// One accepted WebSocket connection, as the application sees it. Every call happens on the
/// connection's own event loop thread.
///
/// @lifetime The server owns it. It is valid during on_request(); once the application accepts
/// (on_open() follows), until on_close() has returned for it, which always comes: forget it
/// there. A refused one may not be kept past on_request().
class Session {
 public:
  /// Sends a message (Driver::send(): `data` is copied into the outbound buffer).
  virtual SendStatus send(MessageType type, ByteView data) = 0;
  /// Sends a message framed once for many sessions (Driver::send_prepared(): its frame is
  /// copied into the outbound buffer; see PreparedMessage for compression). For a broadcast:
  /// make one PreparedMessage per event loop and send it to each of the loop's sessions. The
  /// default sends message.payload() with send().
  virtual SendStatus send_prepared(const PreparedMessage& message) {
    return send(message.type(), message.payload());
  }
  /// Starts the close handshake with `code` and `reason` (copied); on_close() follows.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  /// Bytes queued but not yet written (what backpressure is decided on).
  [[nodiscard]] virtual std::size_t buffered_amount() const = 0;
  /// The request's path (HandshakeRequest::path()).
  /// @lifetime A view of the session's own copy: valid as long as the session.
  [[nodiscard]] virtual std::string_view path() const = 0;
  /// A number unique among the server's connections, for logs.
  [[nodiscard]] virtual std::uint64_t id() const = 0;
  /// The peer's address and port, "192.0.2.1:5000" or "[2001:db8::1]:5000" (for logs),
  /// written out at each call from the address kept in 18 bytes.
  [[nodiscard]] virtual std::string peer_address() const = 0;
  /// The subprotocol chosen in the handshake, empty if none.
  /// @lifetime A view of the connection's copy: valid as long as the session.
  [[nodiscard]] virtual std::string_view subprotocol() const = 0;
  /// The extensions in force as the core writes them (format_deflate_agreement()), e.g.
  /// "permessage-deflate; client_max_window_bits=12"; empty if none.
  [[nodiscard]] virtual std::string extensions() const = 0;
  /// Bytes of the WebSocket stream (after TLS) read from and written to this connection so far.
  [[nodiscard]] virtual std::uint64_t bytes_received() const = 0;
  [[nodiscard]] virtual std::uint64_t bytes_sent() const = 0;  ///< counted the same way

 protected:
  ~Session() = default;
};

/// How an application refuses an upgrade request (e.g. a foreign Origin): status and body.
struct UpgradeRefusal {
  /// The HTTP status to answer with, e.g. 403.
  int status;
  /// A short explanation, sent as the body.
  std::string body;
};

/// The answer to a plain HTTP request (ServerApplication::on_http()): a value, it owns its
/// strings.
struct HttpResponse {
  /// The status code.
  int status = 404;
  /// The Content-Type header's value.
  std::string content_type = "text/plain; charset=utf-8";
  /// The body.
  std::string body = "not found\n";
  /// More header fields (name, value), e.g. ETag; checked by the core (an invalid one: 500).
  std::vector<std::pair<std::string, std::string>> headers = {};
  /// Send the headers as for `body` (its Content-Length) without it: a 304 (RFC 9110 §15.4.5,
  /// §8.6). A HEAD request is always answered so.
  bool omit_body = false;
};

/// The application, one instance per event loop (so it needs no locks for loop-local state).
/// Every callback runs on that loop's thread. Views passed to a callback are valid during the
/// call only: copy what must outlive it. The defaults answer HTTP with 404, accept every
/// upgrade and ignore the rest.
class ServerApplication {
 public:
  /// Destroyed when its event loop ends.
  virtual ~ServerApplication() = default;
  /// A plain HTTP request (no WebSocket upgrade).
  /// @lifetime `method` and `target` are views of the request: valid during the call only.
  virtual HttpResponse on_http(std::string_view method, std::string_view target);
  /// A plain HTTP request, with its headers and the session (for peer_address() and id(); it
  /// cannot send). The default calls on_http(method, target).
  /// @lifetime `request` is valid during the call only.
  virtual HttpResponse on_http_request(Session& session, const HandshakeRequest& request);
  /// The opening handshake failed (the core answered with `status`; 0: it timed out); no
  /// on_open() or on_close() follows.
  /// @lifetime `what` is valid during the call only.
  virtual void on_handshake_failed(Session& session, int status, std::string_view what);
  /// A WebSocket upgrade request: nullopt accepts it, a refusal answers it with its status.
  /// @lifetime `request` is valid during the call only.
  virtual std::optional<UpgradeRefusal> on_request(Session& session,
                                                   const HandshakeRequest& request);
  /// The upgrade was accepted: the session is open.
  virtual void on_open(Session& session);
  /// A whole message (the default delivery).
  /// @lifetime `data` is a view of the connection's buffers, valid during the call only; it may
  /// be passed to session.send() there (an echo needs no copy).
  virtual void on_message(Session& session, MessageType type, ByteView data);
  /// A whole message with what its first frame said beside the payload (MessageReceived::rsv:
  /// RSV1 set means it came compressed). The default calls on_message(session, type, data).
  /// @lifetime As on_message()'s `data`.
  virtual void on_message_received(Session& session, const MessageReceived& message);
  /// With ConnectionOptions::delivery == streaming: each piece of a message as it arrives.
  /// @lifetime As on_message()'s `data`.
  virtual void on_fragment(Session& session, MessageType type, ByteView data,
                           bool message_finished);
  /// Once per opened session, with the close code the core reported (CloseReceived,
  /// ProtocolError or ConnectionLost). The session may not be used after it returns.
  /// @lifetime `reason` is valid during the call only.
  virtual void on_close(Session& session, std::uint16_t code, std::string_view reason);
  /// The peer broke the protocol (the core sent a Close with `code`); on_close() follows with
  /// the same code.
  virtual void on_protocol_error(Session& session, std::uint16_t code, Violation violation);
};

class Server;

/// What a Server listens on and how it treats connections.
struct ServerOptions {
  /// The address to bind (an IPv4 or IPv6 literal, or a name).
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  ///< 0: any free port (see Server::port())
  unsigned threads = 1;       ///< event loops, each on its own thread
  /// The core's options for every connection.
  ConnectionOptions connection;
  /// The driver's policy for every connection, and the connection limit.
  ServerPolicy policy;
  /// TLS: called once per event loop to make its configuration (an RNG is not thread-safe);
  /// empty for plain ws://.
  std::function<std::unique_ptr<TlsServerConfig>()> tls;
  /// Makes the application of event loop `index`.
  std::function<std::unique_ptr<ServerApplication>(Server&, unsigned index)> application;
  /// One line per connection event; empty: quiet. `line` is valid during the call only.
  std::function<void(std::string_view line)> log;
};

/// Counters summed over every event loop (Server::stats()).
struct ServerStats {
  /// TCP connections accepted.
  std::uint64_t accepted = 0;
  /// Refused at once: over a limit of ServerPolicy, or out of file descriptors.
  std::uint64_t refused = 0;
  /// WebSocket upgrades accepted.
  std::uint64_t upgraded = 0;
  /// Plain HTTP requests answered.
  std::uint64_t http_requests = 0;
  /// Messages received.
  std::uint64_t messages_in = 0;
  /// Messages sent.
  std::uint64_t messages_out = 0;
  /// Bytes received: the WebSocket stream (after TLS, when there is TLS).
  std::uint64_t bytes_in = 0;
  /// Bytes sent, counted the same way.
  std::uint64_t bytes_out = 0;
  /// Connections open now.
  std::uint64_t open_connections = 0;
};

/// A WebSocket server (see the file's comment): create(), run(), shutdown() from anywhere.
/// Server::create() runs it on epoll; another transport (wscore::uring) makes one that runs its
/// own event loops behind the same interface, for the same applications.
class Server {
 public:
  /// Binds every listener now, so "port in use" is reported before run(). On failure returns
  /// nullptr and sets `error` to one line.
  static std::unique_ptr<Server> create(ServerOptions options, std::string& error);
  /// Frees the event loops with their connections and listeners; after run() has returned.
  virtual ~Server();

  /// Runs the event loops (loop 0 on the calling thread) until shutdown() has finished.
  virtual void run();
  /// Graceful shutdown, from any thread or a signal-watching thread: stop accepting, close every
  /// open connection as going away (Driver::shut_down), wait for the close handshakes up to
  /// close_timeout, then return from run().
  virtual void shutdown();

  /// The port the listeners are bound to (the chosen one when ServerOptions::port was 0).
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// A snapshot of the counters.
  [[nodiscard]] ServerStats stats() const;
  /// Runs `task` on every event loop with its application (for broadcasts across loops).
  /// It is posted (EventLoop::post()) to each loop, a copy each, and runs later on that loop's
  /// thread: what it captures must live until then.
  virtual void for_each_application(const std::function<void(ServerApplication&)>& task);

  /// One event loop with its listener, connections and application (server internals).
  class Loop;

 protected:
  /// For another transport's server: it fills in the options, counters and port, and runs its
  /// own loops.
  Server() = default;
  ServerOptions options_;                     ///< what every loop reads
  std::shared_ptr<SharedCounters> counters_;  ///< summed over every loop (stats())
  std::uint16_t port_ = 0;                    ///< what port() says

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// What a server connection is to its application, whichever transport carries its bytes (epoll's
// SocketSession, io_uring's UringConnection): the Session the application holds, and the hand-off
// of every driver event to the loop's ServerApplication. The carrier supplies the driver and
// writes what the driver queued (pump()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "peer_address.hpp"
#include "wscore/driver.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::transport {

struct SharedCounters;
class MemoryBudget;

// What a connection's events need from its event loop, on any transport.
class ServerLoopContext {
 public:
  virtual const ServerOptions& options() const = 0;
  virtual ServerApplication& application() = 0;
  virtual SharedCounters& counters() = 0;
  virtual MemoryBudget& memory_budget() = 0;
  [[nodiscard]] virtual std::size_t live_connections() const = 0;

 protected:
  ~ServerLoopContext() = default;
};

class ServerSession : public Session {
 public:
  // Session
  SendStatus send(MessageType type, ByteView data) final;
  SendStatus send_prepared(const PreparedMessage& message) final;
  void close(std::uint16_t code, std::string_view reason) final;
  std::size_t buffered_amount() const final { return driver().buffered_amount(); }
  std::string_view path() const final { return path_; }
  std::uint64_t id() const final { return id_; }
  std::string peer_address() const final { return peer_.with_port(peer_port_); }
  std::string_view subprotocol() const final { return driver().connection().subprotocol(); }
  std::string extensions() const final;
  std::uint64_t bytes_received() const final { return bytes_received_; }
  std::uint64_t bytes_sent() const final { return bytes_sent_; }

  // From the carrier: each event the driver reports, bytes moved, the socket closed.
  void dispatch(const Event& event);
  void count_bytes(std::size_t read, std::size_t written);
  void note_socket_closed(std::string_view why);
  // Graceful shutdown (the driver's shut_down).
  void shut_down();
  [[nodiscard]] const PeerAddress& peer() const noexcept { return peer_; }
  // After each round of events: what the connection's buffers hold now, for the loop's
  // MemoryBudget (which may hold reading).
  void note_memory();
  // The memory budget's hold: nothing more is read or parsed until it is released.
  void hold_reading(bool held);
  [[nodiscard]] bool reading_held() const noexcept { return held_; }
  [[nodiscard]] std::size_t memory() const noexcept { return memory_; }
  // The core's options for a server connection: the server's, with plain HTTP requests let in
  // and the loop's buffer pool.
  static ConnectionOptions connection_options(ServerLoopContext& loop);

 protected:
  ServerSession(ServerLoopContext& loop, std::uint64_t id, const PeerAddress& peer,
                std::uint16_t peer_port);
  ~ServerSession() = default;
  [[nodiscard]] ServerLoopContext& loop() const noexcept { return loop_; }

  // The carrier's part.
  virtual Driver& driver() = 0;
  virtual const Driver& driver() const = 0;
  [[nodiscard]] virtual bool transport_closed() const = 0;
  // Writes what the application queued outside an event, and follows what the driver says.
  virtual void pump() = 0;

 private:
  // What the result of a send means for the application, after pumping what it queued.
  SendStatus sent(ApiError result);
  void open_or_refuse(const HandshakeRequest& request);
  void answer_http(const HandshakeRequest& request);
  void report_close(std::uint16_t code, std::string_view reason);
  void end_handshake();  // no longer one of the loop's handshakes in progress
  // A --verbose line, after the peer's address (which every line of a connection names).
  void log(const std::string& line) const;

  ServerLoopContext& loop_;
  std::uint64_t id_;
  std::string path_;
  PeerAddress peer_;
  std::uint16_t peer_port_;
  std::uint64_t bytes_received_ = 0, bytes_sent_ = 0;
  std::size_t memory_ = 0;    // Connection::memory_usage() at the last note_memory()
  bool held_ = false;         // reading stopped for the loop's memory budget
  bool in_handshake_ = true;  // counted in SharedCounters::handshakes
  bool opened_ = false;       // on_open was called: the application hears of the close
};

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// One accepted socket on a server loop: a SocketSession with a server Driver, whose events go to
// the loop's ServerApplication. Plain HTTP requests and WebSocket upgrades are told apart, and
// answered, by the core.
#pragma once

#include <cstdint>
#include <string>

#include "server_internal.hpp"
#include "socket_session.hpp"

namespace wscore::transport {

class ServerConnection final : public Session, public SocketSession::Owner {
 public:
  ServerConnection(Server::Loop& loop, int fd, std::uint64_t id, const PeerAddress& peer,
                   std::uint16_t peer_port);

  // Session
  SendStatus send(MessageType type, ByteView data) override;
  void close(std::uint16_t code, std::string_view reason) override;
  std::size_t buffered_amount() const override { return session_.driver().buffered_amount(); }
  std::string_view path() const override { return path_; }
  std::uint64_t id() const override { return id_; }
  std::string peer_address() const override { return peer_.with_port(peer_port_); }
  std::string_view subprotocol() const override {
    return session_.driver().connection().subprotocol();
  }
  std::string extensions() const override;
  std::uint64_t bytes_received() const override { return bytes_received_; }
  std::uint64_t bytes_sent() const override { return bytes_sent_; }

  // SocketSession::Owner
  void on_event(const Event& event) override;
  void on_socket_closed(std::string_view why) override;
  void on_bytes(std::size_t read, std::size_t written) override;
  void on_memory(std::size_t bytes) override;

  // The loop's tick: deadlines.
  void tick() { session_.on_tick(); }
  // Graceful shutdown (the driver's shut_down); then, if that runs out of time, give_up().
  void shut_down();
  void give_up(std::string_view why) { session_.close_now(why); }
  [[nodiscard]] const PeerAddress& peer() const noexcept { return peer_; }
  // The loop's memory budget: what its buffers held at the last report, and the hold.
  [[nodiscard]] std::size_t memory() const noexcept { return memory_; }
  [[nodiscard]] bool held() const noexcept { return held_; }
  void hold_reading(bool held);
  std::size_t slot = 0;  // index in the loop's connection list

 private:
  void open_or_refuse(const HandshakeRequest& request);
  void answer_http(const HandshakeRequest& request);
  void report_close(std::uint16_t code, std::string_view reason);
  void end_handshake();  // no longer one of the loop's handshakes in progress
  // A --verbose line, after the peer's address (which every line of a connection names).
  void log(const std::string& line) const {
    if (loop_.logging()) loop_.log(peer_address() + " " + line);
  }

  Server::Loop& loop_;
  std::uint64_t id_;
  std::string path_;
  PeerAddress peer_;
  std::uint16_t peer_port_;
  std::uint64_t bytes_received_ = 0, bytes_sent_ = 0;
  std::size_t memory_ = 0;    // Connection::memory_usage() at the last report
  bool held_ = false;         // reading stopped for the loop's memory budget
  bool in_handshake_ = true;  // counted in SharedCounters::handshakes
  bool opened_ = false;       // on_open was called: the application hears of the close
  SocketSession session_;
};

}  // namespace wscore::transport

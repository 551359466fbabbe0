// SPDX-License-Identifier: MIT
// One accepted socket on a server loop: a SocketSession with a server Driver, whose events go to
// the loop's ServerApplication (ServerSession). Plain HTTP requests and WebSocket upgrades are
// told apart, and answered, by the core.
#pragma once

#include <cstdint>
#include <string>

#include "server_internal.hpp"
#include "server_session.hpp"
#include "socket_session.hpp"

namespace wscore::transport {

class ServerConnection final : public ServerSession, public SocketSession::Owner {
 public:
  ServerConnection(Server::Loop& loop, int fd, std::uint64_t id, const PeerAddress& peer,
                   std::uint16_t peer_port);

  // SocketSession::Owner
  void on_event(const Event& event) override { dispatch(event); }
  void on_socket_closed(std::string_view why) override;
  void on_bytes(std::size_t read, std::size_t written) override { count_bytes(read, written); }
  void on_events_handled() override { note_memory(); }

  // The loop's tick: deadlines.
  void tick() { session_.on_tick(); }
  // After a graceful shutdown (ServerSession::shut_down) that ran out of time.
  void give_up(std::string_view why) { session_.close_now(why); }
  std::size_t slot = 0;  // index in the loop's connection list

 private:
  // ServerSession
  Driver& driver() override { return session_.driver(); }
  const Driver& driver() const override { return session_.driver(); }
  bool transport_closed() const override { return session_.closed(); }
  void pump() override { session_.pump(); }

  SocketSession session_;
};

}  // namespace wscore::transport

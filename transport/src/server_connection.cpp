// SPDX-License-Identifier: MIT
#include "server_connection.hpp"

namespace wscore::transport {
namespace {

Stream stream_for(Server::Loop& loop, int fd) {
  return loop.tls() ? Stream(fd, TlsSession::server(*loop.tls(), fd)) : Stream(fd);
}

}  // namespace

ServerConnection::ServerConnection(Server::Loop& loop, int fd, std::uint64_t id,
                                   const PeerAddress& peer, std::uint16_t peer_port)
    : ServerSession(loop, id, peer, peer_port),
      session_(loop.events(), stream_for(loop, fd),
               Driver::server(connection_options(loop), loop.options().policy,
                              Milliseconds(loop.now_ms())),
               *this, loop.read_buffer(), SocketSession::Start::connected) {}

void ServerConnection::on_socket_closed(std::string_view why) {
  note_socket_closed(why);
  static_cast<Server::Loop&>(loop()).retire(this);
}

}  // namespace wscore::transport

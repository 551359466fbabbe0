// SPDX-License-Identifier: MIT
#include "server_connection.hpp"

#include <string>

namespace wscore::transport {
namespace {

ConnectionOptions server_connection_options(const ServerOptions& options) {
  ConnectionOptions connection = options.connection;
  connection.plain_http = true;  // ServerApplication::on_http answers them
  return connection;
}

Stream stream_for(Server::Loop& loop, int fd) {
  return loop.tls() ? Stream(fd, TlsSession::server(*loop.tls(), fd)) : Stream(fd);
}

}  // namespace

HttpResponse ServerApplication::on_http(std::string_view, std::string_view) {
  return {};
}
std::optional<UpgradeRefusal> ServerApplication::on_request(Session&, const HandshakeRequest&) {
  return std::nullopt;
}
void ServerApplication::on_open(Session&) {}
void ServerApplication::on_message(Session&, MessageType, ByteView) {}
void ServerApplication::on_fragment(Session&, MessageType, ByteView, bool) {}
void ServerApplication::on_close(Session&, std::uint16_t, std::string_view) {}

ServerConnection::ServerConnection(Server::Loop& loop, int fd, std::uint64_t id,
                                   const PeerAddress& peer)
    : loop_(loop),
      id_(id),
      peer_(peer),
      session_(loop.events(), stream_for(loop, fd),
               Driver::server(server_connection_options(loop.options()), loop.options().policy,
                              Milliseconds(loop.now_ms())),
               *this, loop.read_buffer(), SocketSession::Start::connected) {
  ++loop_.counters().handshakes;
}

void ServerConnection::end_handshake() {
  if (!in_handshake_) return;
  in_handshake_ = false;
  --loop_.counters().handshakes;
}

void ServerConnection::on_event(const Event& event) {
  std::visit(
      Overloaded{
          [&](const RequestReceived& request) { open_or_refuse(*request.request); },
          [&](const HttpRequestReceived& request) { answer_http(*request.request); },
          [](const HandshakeCompleted&) {},  // client role only
          [&](const HandshakeFailed& failed) {
            end_handshake();
            loop_.log("handshake " + std::to_string(id_) + " failed " +
                      std::to_string(failed.error.status) + " " + std::string(failed.error.what));
          },
          [&](const MessageReceived& message) {
            ++loop_.counters().messages_in;
            loop_.application().on_message(*this, message.type, message.data);
          },
          [&](const FragmentReceived& fragment) {
            if (fragment.message_finished) ++loop_.counters().messages_in;
            loop_.application().on_fragment(*this, fragment.type, fragment.data,
                                            fragment.message_finished);
          },
          [](const PingReceived&) {},  // answered by the core; the driver saw the traffic
          [](const PongReceived&) {},
          [&](const CloseReceived& close) { report_close(close.code, close.reason); },
          [&](const ProtocolError& error) {
            loop_.log("protocol error " + std::to_string(id_) + " " + std::to_string(error.code) +
                      " " + std::string(violation_name(error.violation)));
            report_close(error.code, error.what());
          },
          [&](const ConnectionLost& lost) { report_close(lost.code, lost.reason); },
      },
      event);
}

void ServerConnection::open_or_refuse(const HandshakeRequest& request) {
  end_handshake();
  path_ = request.path();
  if (const auto refusal = loop_.application().on_request(*this, request)) {
    if (const ApiError error = session_.driver().reject(refusal->status, refusal->body);
        error != ApiError::none) {
      loop_.log("reject " + std::to_string(id_) + " failed: " + to_string(error));
    }
    return;
  }
  if (const ApiError error = session_.driver().accept(); error != ApiError::none) {
    loop_.log("accept " + std::to_string(id_) + " failed: " + to_string(error));
    return;
  }
  ++loop_.counters().upgraded;
  opened_ = true;
  loop_.log("open " + std::to_string(id_) + " " + path_ +
            (session_.driver().connection().deflate_agreement() ? " permessage-deflate" : ""));
  loop_.application().on_open(*this);
}

void ServerConnection::answer_http(const HandshakeRequest& request) {
  end_handshake();
  ++loop_.counters().http_requests;
  const HttpResponse response = loop_.application().on_http(request.method(), request.target());
  loop_.log("http " + std::to_string(id_) + " " + std::string(request.method()) + " " +
            std::string(request.target()) + " " + std::to_string(response.status));
  const ApiError error = session_.driver().respond({.status = response.status,
                                                    .content_type = response.content_type,
                                                    .body = response.body,
                                                    .head_only = request.method() == "HEAD"});
  if (error != ApiError::none) {
    loop_.log("http " + std::to_string(id_) + " response refused: " + to_string(error));
  }
}

void ServerConnection::report_close(std::uint16_t code, std::string_view reason) {
  if (!opened_) return;
  loop_.log("close " + std::to_string(id_) + " " + std::to_string(code) + " " +
            std::string(reason));
  loop_.application().on_close(*this, code, reason);
}

void ServerConnection::on_socket_closed(std::string_view why) {
  end_handshake();
  if (!opened_) loop_.log("drop " + std::to_string(id_) + ": " + std::string(why));
  loop_.retire(this);
}

void ServerConnection::on_bytes(std::size_t read, std::size_t written) {
  loop_.counters().bytes_in += read;
  loop_.counters().bytes_out += written;
}

SendStatus ServerConnection::send(MessageType type, ByteView data) {
  if (session_.closed() || session_.driver().send(type, data) != ApiError::none) {
    return SendStatus::dropped;
  }
  ++loop_.counters().messages_out;
  session_.pump();
  return buffered_amount() == 0 ? SendStatus::sent : SendStatus::buffered;
}

void ServerConnection::close(std::uint16_t code, std::string_view reason) {
  if (session_.closed()) return;
  if (session_.driver().close(code, reason) == ApiError::none) session_.pump();
}

void ServerConnection::shut_down() {
  if (session_.closed()) return;
  session_.driver().shut_down("server shutting down");
  session_.pump();
}

}  // namespace wscore::transport

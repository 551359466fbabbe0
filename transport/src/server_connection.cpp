// SPDX-License-Identifier: MIT
#include "server_connection.hpp"

#include <string>
#include <utility>

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

// "192.0.2.1:5000", "[2001:db8::1]:5000" (RFC 3986 §3.2.2 brackets), or "" if unknown.

}  // namespace

HttpResponse ServerApplication::on_http(std::string_view, std::string_view) {
  return {};
}
HttpResponse ServerApplication::on_http_request(Session&, const HandshakeRequest& request) {
  return on_http(request.method(), request.target());
}
void ServerApplication::on_handshake_failed(Session&, int, std::string_view) {}
void ServerApplication::on_protocol_error(Session&, std::uint16_t, Violation) {}
std::optional<UpgradeRefusal> ServerApplication::on_request(Session&, const HandshakeRequest&) {
  return std::nullopt;
}
void ServerApplication::on_open(Session&) {}
void ServerApplication::on_message(Session&, MessageType, ByteView) {}
void ServerApplication::on_message_received(Session& session, const MessageReceived& message) {
  on_message(session, message.type, message.data);
}
void ServerApplication::on_fragment(Session&, MessageType, ByteView, bool) {}
void ServerApplication::on_close(Session&, std::uint16_t, std::string_view) {}

ServerConnection::ServerConnection(Server::Loop& loop, int fd, std::uint64_t id,
                                   const PeerAddress& peer, std::uint16_t peer_port)
    : loop_(loop),
      id_(id),
      peer_(peer),
      peer_port_(peer_port),
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
  std::visit(Overloaded{
                 [&](const RequestReceived& request) { open_or_refuse(*request.request); },
                 [&](const HttpRequestReceived& request) { answer_http(*request.request); },
                 [](const HandshakeCompleted&) {},  // client role only
                 [&](const HandshakeFailed& failed) {
                   end_handshake();
                   log("handshake " + std::to_string(id_) + " failed " +
                       std::to_string(failed.error.status) + " " + std::string(failed.error.what));
                   loop_.application().on_handshake_failed(*this, failed.error.status,
                                                           failed.error.what);
                 },
                 [&](const MessageReceived& message) {
                   ++loop_.counters().messages_in;
                   loop_.application().on_message_received(*this, message);
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
                   log("protocol error " + std::to_string(id_) + " " + std::to_string(error.code) +
                       " " + std::string(violation_name(error.violation)));
                   if (opened_)
                     loop_.application().on_protocol_error(*this, error.code, error.violation);
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
      log("reject " + std::to_string(id_) + " failed: " + to_string(error));
    }
    return;
  }
  if (const ApiError error = session_.driver().accept(); error != ApiError::none) {
    log("accept " + std::to_string(id_) + " failed: " + to_string(error));
    return;
  }
  ++loop_.counters().upgraded;
  opened_ = true;
  log("open " + std::to_string(id_) + " " + path_ +
      (session_.driver().connection().deflate_agreement() ? " permessage-deflate" : ""));
  loop_.application().on_open(*this);
}

void ServerConnection::answer_http(const HandshakeRequest& request) {
  end_handshake();
  ++loop_.counters().http_requests;
  path_ = request.path();
  const HttpResponse response = loop_.application().on_http_request(*this, request);
  log("http " + std::to_string(id_) + " " + std::string(request.method()) + " " +
      std::string(request.target()) + " " + std::to_string(response.status));
  std::vector<HttpHeader> headers;
  headers.reserve(response.headers.size());
  for (const auto& [name, value] : response.headers)
    headers.push_back({name, value});
  const ApiError error =
      session_.driver().respond({.status = response.status,
                                 .content_type = response.content_type,
                                 .body = response.body,
                                 .headers = headers,
                                 .head_only = response.omit_body || request.method() == "HEAD"});
  if (error != ApiError::none) {
    log("http " + std::to_string(id_) + " response refused: " + to_string(error));
  }
}

void ServerConnection::report_close(std::uint16_t code, std::string_view reason) {
  if (!opened_) return;
  log("close " + std::to_string(id_) + " " + std::to_string(code) + " " + std::string(reason));
  loop_.application().on_close(*this, code, reason);
}

void ServerConnection::on_socket_closed(std::string_view why) {
  end_handshake();
  if (!opened_) log("drop " + std::to_string(id_) + ": " + std::string(why));
  loop_.retire(this);
}

void ServerConnection::on_bytes(std::size_t read, std::size_t written) {
  bytes_received_ += read;
  bytes_sent_ += written;
  loop_.counters().bytes_in += read;
  loop_.counters().bytes_out += written;
}

std::string ServerConnection::extensions() const {
  const auto agreement = session_.driver().connection().deflate_agreement();
  return agreement ? format_deflate_agreement(*agreement) : std::string();
}

SendStatus ServerConnection::send(MessageType type, ByteView data) {
  if (session_.closed() || session_.driver().send(type, data) != ApiError::none) {
    return SendStatus::dropped;
  }
  ++loop_.counters().messages_out;
  session_.pump();
  return buffered_amount() == 0 ? SendStatus::sent : SendStatus::buffered;
}

void ServerConnection::on_memory(std::size_t bytes) {
  if (bytes == memory_) return;
  const std::size_t before = std::exchange(memory_, bytes);
  loop_.note_memory(*this, before, bytes);
}

void ServerConnection::hold_reading(bool held) {
  held_ = held;
  session_.driver().hold_reading(held);
  if (!held) session_.pump();  // parses what waited, reads again
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

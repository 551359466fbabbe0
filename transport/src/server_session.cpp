// SPDX-License-Identifier: MIT
#include "server_session.hpp"

#include <string>
#include <utility>
#include <vector>

#include "memory_budget.hpp"
#include "server_internal.hpp"

namespace wscore::transport {

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

ServerSession::ServerSession(ServerLoopContext& loop, std::uint64_t id, const PeerAddress& peer,
                             std::uint16_t peer_port)
    : loop_(loop), id_(id), peer_(peer), peer_port_(peer_port) {
  ++loop_.counters().handshakes;
}

ConnectionOptions ServerSession::connection_options(ServerLoopContext& loop) {
  ConnectionOptions connection = loop.options().connection;
  connection.plain_http = true;  // ServerApplication::on_http answers them
  connection.buffer_pool = &loop.memory_budget().pool();
  return connection;
}

void ServerSession::log(const std::string& line) const {
  if (loop_.options().log) loop_.options().log(peer_address() + " " + line);
}

void ServerSession::end_handshake() {
  if (!in_handshake_) return;
  in_handshake_ = false;
  --loop_.counters().handshakes;
}

void ServerSession::dispatch(const Event& event) {
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

void ServerSession::open_or_refuse(const HandshakeRequest& request) {
  end_handshake();
  path_ = request.path();
  if (const auto refusal = loop_.application().on_request(*this, request)) {
    if (const ApiError error = driver().reject(refusal->status, refusal->body);
        error != ApiError::none) {
      log("reject " + std::to_string(id_) + " failed: " + to_string(error));
    }
    return;
  }
  if (const ApiError error = driver().accept(); error != ApiError::none) {
    log("accept " + std::to_string(id_) + " failed: " + to_string(error));
    return;
  }
  ++loop_.counters().upgraded;
  opened_ = true;
  log("open " + std::to_string(id_) + " " + path_ +
      (driver().connection().deflate_agreement() ? " permessage-deflate" : ""));
  loop_.application().on_open(*this);
}

void ServerSession::answer_http(const HandshakeRequest& request) {
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
      driver().respond({.status = response.status,
                        .content_type = response.content_type,
                        .body = response.body,
                        .headers = headers,
                        .head_only = response.omit_body || request.method() == "HEAD"});
  if (error != ApiError::none) {
    log("http " + std::to_string(id_) + " response refused: " + to_string(error));
  }
}

void ServerSession::report_close(std::uint16_t code, std::string_view reason) {
  if (!opened_) return;
  log("close " + std::to_string(id_) + " " + std::to_string(code) + " " + std::string(reason));
  loop_.application().on_close(*this, code, reason);
}

void ServerSession::note_socket_closed(std::string_view why) {
  end_handshake();
  if (!opened_) log("drop " + std::to_string(id_) + ": " + std::string(why));
}

void ServerSession::count_bytes(std::size_t read, std::size_t written) {
  bytes_received_ += read;
  bytes_sent_ += written;
  loop_.counters().bytes_in += read;
  loop_.counters().bytes_out += written;
}

std::string ServerSession::extensions() const {
  const auto agreement = driver().connection().deflate_agreement();
  return agreement ? format_deflate_agreement(*agreement) : std::string();
}

void ServerSession::note_memory() {
  const std::size_t now = driver().connection().memory_usage();
  if (now == memory_) return;
  const std::size_t before = std::exchange(memory_, now);
  loop_.memory_budget().update(*this, before, now, loop_.live_connections());
}

void ServerSession::hold_reading(bool held) {
  held_ = held;
  driver().hold_reading(held);
  if (!held) pump();  // parses what waited, reads again
}

SendStatus ServerSession::send(MessageType type, ByteView data) {
  if (transport_closed()) return SendStatus::dropped;
  return sent(driver().send(type, data));
}

SendStatus ServerSession::send_prepared(const PreparedMessage& message) {
  if (transport_closed()) return SendStatus::dropped;
  return sent(driver().send_prepared(message));
}

SendStatus ServerSession::sent(ApiError result) {
  if (result != ApiError::none) return SendStatus::dropped;
  ++loop_.counters().messages_out;
  pump();
  return buffered_amount() == 0 ? SendStatus::sent : SendStatus::buffered;
}

void ServerSession::close(std::uint16_t code, std::string_view reason) {
  if (transport_closed()) return;
  if (driver().close(code, reason) == ApiError::none) pump();
}

void ServerSession::shut_down() {
  if (transport_closed()) return;
  driver().shut_down("server shutting down");
  pump();
}

}  // namespace wscore::transport

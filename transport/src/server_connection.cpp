#include "server_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wscore/detail/http_head.hpp"

namespace wscore::transport {
namespace {

constexpr std::uint32_t base_events = EPOLLRDHUP;
constexpr std::string_view end_of_head = "\r\n\r\n";

// A request asks for a WebSocket if an Upgrade header lists "websocket" (RFC 6455 §4.2.1 item
// 3); anything else is plain HTTP. The core validates the rest of a WebSocket request.
bool asks_for_websocket(std::string_view head) {
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    const std::size_t start = line_start + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        wscore::detail::equals_ignore_case(line.substr(0, colon), "upgrade") &&
        wscore::detail::list_contains(line.substr(colon + 1), "websocket")) {
      return true;
    }
    line_start = end;
  }
  return false;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

}  // namespace

HttpResponse ServerApplication::on_http(std::string_view, std::string_view) {
  return {};
}
bool ServerApplication::on_request(Session&, const HandshakeRequest&) {
  return true;
}
void ServerApplication::on_open(Session&) {}
void ServerApplication::on_message(Session&, MessageType, ByteView) {}
void ServerApplication::on_close(Session&, std::uint16_t, std::string_view) {}

ServerConnection::ServerConnection(Server::Loop& loop, int fd, std::uint64_t id)
    : loop_(loop),
      stream_(loop.tls() ? Stream(fd, TlsSession::server(*loop.tls(), fd)) : Stream(fd)),
      id_(id),
      ws_(Connection::server(loop.options().connection)),
      phase_(loop.tls() ? Phase::tls_handshake : Phase::request_head) {
  set_deadline(Deadline::handshake, loop.options().policy.handshake_timeout);
  update_interest();
}

ServerConnection::~ServerConnection() = default;

void ServerConnection::set_deadline(Deadline kind, std::chrono::milliseconds after) {
  deadline_ = kind;
  deadline_ms_ = loop_.now_ms() + static_cast<std::uint64_t>(after.count());
}

void ServerConnection::update_interest() {
  if (closed_) return;
  const bool want_write =
      !http_output_.empty() || !ws_.pending_output().empty() || tls_wants_write_;
  std::uint32_t events = base_events;
  if (!paused_reading_) events |= EPOLLIN;
  if (want_write) events |= EPOLLOUT;
  if (events == interest_) return;
  if (interest_ == 0) {
    loop_.events().add(stream_.fd(), events, this);
  } else {
    loop_.events().modify(stream_.fd(), events, this);
  }
  interest_ = events;
}

void ServerConnection::on_io(std::uint32_t epoll_events) {
  if (closed_) return;
  if (epoll_events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable();
  if (!closed_ && (epoll_events & EPOLLOUT)) flush();
  update_interest();
}

bool ServerConnection::finish_tls_handshake() {
  const StreamResult result = stream_.handshake();
  tls_wants_write_ = result.wants_write;
  if (result.kind == StreamResult::Kind::data) {
    phase_ = Phase::request_head;
    return true;
  }
  if (result.kind != StreamResult::Kind::blocked) {
    close_transport(result.error);
  }
  return false;
}

void ServerConnection::on_readable() {
  if (phase_ == Phase::tls_handshake && !finish_tls_handshake()) return;
  // Level-triggered: a bounded number of reads per wakeup keeps the loop fair; TLS may hold
  // decrypted bytes the socket no longer signals, so it reads until the layer runs dry.
  for (int reads = 0; !closed_ && (stream_.secure() || reads < 4) && !paused_reading_; ++reads) {
    const StreamResult result = stream_.read(loop_.read_buffer());
    switch (result.kind) {
      case StreamResult::Kind::data:
        loop_.counters().bytes_in += result.bytes;
        handle_bytes(loop_.read_buffer().first(result.bytes));
        continue;
      case StreamResult::Kind::blocked:
        tls_wants_write_ = result.wants_write;
        return;
      case StreamResult::Kind::end_of_stream:
        on_end_of_stream();
        return;
      case StreamResult::Kind::failed:
        close_transport(result.error);
        return;
    }
  }
}

void ServerConnection::handle_bytes(MutableByteView bytes) {
  if (phase_ == Phase::request_head) {
    head_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const bool complete = head_.find(end_of_head) != std::string::npos;
    if (!complete && head_.size() <= loop_.options().connection.max_handshake_size) return;
    handle_request_head();
    return;
  }
  if (phase_ == Phase::websocket) {
    ws_.receive_in_place(bytes);
    handle_events();
  }
  // http_response: a client that keeps talking is ignored; we close after answering.
}

void ServerConnection::handle_request_head() {
  if (asks_for_websocket(head_) || head_.find(end_of_head) == std::string::npos) {
    // The core parses and validates it (and answers 431 for an oversized head).
    phase_ = Phase::websocket;
    ws_.receive(as_bytes(head_));
    handle_events();
    head_.clear();
    head_.shrink_to_fit();
    return;
  }
  ++loop_.counters().http_requests;
  const std::size_t method_end = head_.find(' ');
  const std::size_t target_end = head_.find(' ', method_end + 1);
  const std::string_view method = std::string_view(head_).substr(0, method_end);
  const std::string_view target =
      method_end == std::string::npos || target_end == std::string::npos
          ? std::string_view{}
          : std::string_view(head_).substr(method_end + 1, target_end - method_end - 1);
  HttpResponse response;
  if (target.empty()) {
    response = {400, "text/plain; charset=utf-8", "bad request\n"};
  } else {
    response = loop_.application().on_http(method, target);
  }
  loop_.log("http " + std::to_string(id_) + " " + std::string(method) + " " + std::string(target) +
            " " + std::to_string(response.status));
  http_output_ = "HTTP/1.1 " + std::to_string(response.status) + " " +
                 reason_phrase(response.status) + "\r\nContent-Type: " + response.content_type +
                 "\r\nContent-Length: " + std::to_string(response.body.size()) +
                 "\r\nConnection: close\r\n";
  if (response.status == 405) http_output_ += "Allow: GET\r\n";
  http_output_ += "\r\n";
  if (method != "HEAD") http_output_ += response.body;
  head_.clear();
  head_.shrink_to_fit();
  phase_ = Phase::http_response;
  flush();
}

void ServerConnection::handle_events() {
  const auto& policy = loop_.options().policy;
  while (auto event = ws_.next_event()) {
    if (closed_) return;
    if (const auto* request = std::get_if<RequestReceived>(&*event)) {
      path_ = request->request->path();
      if (loop_.application().on_request(*this, *request->request)) {
        if (ws_.accept() != ApiError::none) {
          close_transport("accept failed");
          return;
        }
        ++loop_.counters().upgraded;
        opened_ = true;
        set_deadline(Deadline::idle, policy.idle_timeout);
        loop_.log("open " + std::to_string(id_) + " " + path_ +
                  (ws_.deflate_agreement() ? " permessage-deflate" : ""));
        loop_.application().on_open(*this);
      } else {
        (void)ws_.reject(403, "forbidden");
      }
    } else if (const auto* failed = std::get_if<HandshakeFailed>(&*event)) {
      loop_.log("handshake " + std::to_string(id_) + " failed " +
                std::to_string(failed->error.status) + " " + std::string(failed->error.what));
    } else if (const auto* message = std::get_if<MessageReceived>(&*event)) {
      ++loop_.counters().messages_in;
      set_deadline(Deadline::idle, policy.idle_timeout);
      loop_.application().on_message(*this, message->type, message->data);
    } else if (std::holds_alternative<PingReceived>(*event) ||
               std::holds_alternative<PongReceived>(*event)) {
      if (deadline_ == Deadline::idle || deadline_ == Deadline::pong) {
        set_deadline(Deadline::idle, policy.idle_timeout);
      }
    } else if (const auto* close = std::get_if<CloseReceived>(&*event)) {
      report_close(close->code, close->reason);
    } else if (const auto* error = std::get_if<ProtocolError>(&*event)) {
      loop_.log("protocol error " + std::to_string(id_) + " " + std::to_string(error->code) + " " +
                std::string(error->what()));
      report_close(error->code, error->what());
    } else if (const auto* lost = std::get_if<ConnectionLost>(&*event)) {
      report_close(lost->code, {});
    }
  }
  flush();
}

void ServerConnection::report_close(std::uint16_t code, std::string_view reason) {
  if (reported_ || !opened_) return;
  reported_ = true;
  loop_.log("close " + std::to_string(id_) + " " + std::to_string(code) + " " +
            std::string(reason));
  loop_.application().on_close(*this, code, reason);
}

void ServerConnection::on_end_of_stream() {
  if (phase_ == Phase::websocket) {
    ws_.receive_eof();
    handle_events();
  }
  close_transport("peer closed");
}

void ServerConnection::flush() {
  if (phase_ == Phase::tls_handshake) {
    finish_tls_handshake();
    return;
  }
  const StreamResult earlier = stream_.flush();
  if (earlier.kind == StreamResult::Kind::failed) {
    close_transport("write failed: " + earlier.error);
    return;
  }
  bool blocked = earlier.kind == StreamResult::Kind::blocked;
  tls_wants_write_ = earlier.wants_write;
  while (!closed_ && !blocked) {
    ByteView pending =
        phase_ == Phase::http_response ? as_bytes(http_output_) : ws_.pending_output();
    if (pending.empty()) break;
    const StreamResult result = stream_.write(pending);
    if (result.kind == StreamResult::Kind::failed ||
        result.kind == StreamResult::Kind::end_of_stream) {
      close_transport("write failed: " + result.error);
      return;
    }
    blocked = result.kind == StreamResult::Kind::blocked;
    tls_wants_write_ = result.wants_write;
    loop_.counters().bytes_out += result.bytes;
    if (phase_ == Phase::http_response) {
      http_output_.erase(0, result.bytes);
    } else {
      ws_.consume_output(result.bytes);
    }
  }
  if (closed_) return;
  const std::size_t buffered = buffered_amount();
  const std::size_t limit = loop_.options().policy.max_outbound_buffer;
  // Backpressure: stop reading from a peer whose outbound buffer is full (it may be flooding
  // us with pings or messages to echo) until half of it has drained.
  if (buffered > limit) paused_reading_ = true;
  // (Decrypted bytes that wait inside TLS with no readiness event are picked up by the tick.)
  if (paused_reading_ && buffered <= limit / 2) paused_reading_ = false;
  if (buffered == 0 && !blocked) {
    if (phase_ == Phase::http_response) {
      close_transport("http response sent");
      return;
    }
    switch (ws_.transport_action()) {
      case TransportAction::close_when_flushed:
        report_close(close_code::abnormal_closure, {});
        close_transport("closed");
        return;
      case TransportAction::await_peer_close:
        break;
      case TransportAction::keep_open:
        ws_.release_idle_buffers();
        break;
    }
  }
}

std::size_t ServerConnection::buffered_amount() const {
  return phase_ == Phase::http_response ? http_output_.size() : ws_.pending_output().size();
}

SendStatus ServerConnection::send(MessageType type, ByteView data) {
  if (closed_ || ws_.state() != ConnectionState::open) return SendStatus::dropped;
  if (buffered_amount() > loop_.options().policy.max_outbound_buffer) return SendStatus::dropped;
  if (ws_.send(type, data) != ApiError::none) return SendStatus::dropped;
  ++loop_.counters().messages_out;
  flush();
  update_interest();
  return buffered_amount() == 0 ? SendStatus::sent : SendStatus::buffered;
}

void ServerConnection::close(std::uint16_t code, std::string_view reason) {
  if (closed_) return;
  if (ws_.close(code, reason) == ApiError::none) {
    set_deadline(Deadline::close, loop_.options().policy.close_timeout);
    flush();
    update_interest();
  }
}

void ServerConnection::shut_down() {
  if (closed_) return;
  if (ws_.state() == ConnectionState::open) {
    close(close_code::going_away, "server shutting down");
  } else if (ws_.state() != ConnectionState::close_sent) {
    close_transport("server shutting down");
  }
}

void ServerConnection::check_deadline(std::uint64_t now_ms) {
  if (closed_) return;
  if (!paused_reading_ && stream_.tls() && stream_.tls()->has_buffered_input()) {
    on_readable();  // input TLS decrypted while reading was paused
    update_interest();
    if (closed_) return;
  }
  if (deadline_ == Deadline::none || now_ms < deadline_ms_) return;
  const auto& policy = loop_.options().policy;
  switch (deadline_) {
    case Deadline::handshake:
      close_transport("handshake timeout");
      return;
    case Deadline::idle:
      // Keep-alive: a quiet peer gets a Ping and pong_timeout to answer.
      if (ws_.ping() == ApiError::none) {
        set_deadline(Deadline::pong, policy.pong_timeout);
        flush();
        update_interest();
      } else {
        set_deadline(Deadline::close, policy.close_timeout);
      }
      return;
    case Deadline::pong:
      report_close(close_code::abnormal_closure, "no pong");
      close_transport("pong timeout");
      return;
    case Deadline::close:
      report_close(close_code::abnormal_closure, "close timeout");
      close_transport("close timeout");
      return;
    case Deadline::none:
      return;
  }
}

void ServerConnection::close_transport(std::string_view why) {
  if (closed_) return;
  if (opened_ && !reported_) report_close(close_code::abnormal_closure, {});
  closed_ = true;
  if (interest_ != 0) loop_.events().remove(stream_.fd());
  stream_.close();
  if (!opened_ && phase_ != Phase::http_response) {
    loop_.log("drop " + std::to_string(id_) + ": " + std::string(why));
  }
  loop_.retire(this);
}

}  // namespace wscore::transport

#include "wscore/transport/client.hpp"

#include <sys/epoll.h>
#include <sys/random.h>

#include <array>
#include <charconv>

#include "stream.hpp"
#include "wscore/transport/socket.hpp"

namespace wscore::transport {

std::optional<WebSocketUrl> parse_websocket_url(std::string_view url, std::string& error) {
  WebSocketUrl parsed;
  std::string_view rest;
  if (url.starts_with("ws://")) {
    rest = url.substr(5);
  } else if (url.starts_with("wss://")) {
    parsed.secure = true;
    rest = url.substr(6);
  } else {
    error = "not a ws:// or wss:// URL: " + std::string(url);
    return std::nullopt;
  }
  const std::size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    std::string_view target = rest.substr(path_at);
    target = target.substr(0, target.find('#'));  // RFC 6455 §3: no fragment
    parsed.target = target;
    if (!target.starts_with('/')) parsed.target.insert(parsed.target.begin(), '/');
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "bad IPv6 address in " + std::string(url);
      return std::nullopt;
    }
    parsed.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "bad host in " + std::string(url);
        return std::nullopt;
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    parsed.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) {
    error = "no host in " + std::string(url);
    return std::nullopt;
  }
  parsed.port = parsed.secure ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, status] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (status != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      error = "bad port in " + std::string(url);
      return std::nullopt;
    }
    parsed.port = static_cast<std::uint16_t>(value);
  }
  const bool ipv6 = parsed.host.find(':') != std::string::npos;
  parsed.host_header = ipv6 ? "[" + parsed.host + "]" : parsed.host;
  if (parsed.port != (parsed.secure ? 443 : 80)) {
    parsed.host_header += ":" + std::to_string(parsed.port);
  }
  return parsed;
}

// Masking keys and the nonce come from getrandom(2), drawn 256 bytes at a time (RFC 6455
// §10.3: unpredictable keys).
class Client::Impl {
 public:
  explicit Impl(Stream stream) : stream(std::move(stream)) {}
  void fill(MutableByteView out) {
    for (std::byte& b : out) {
      if (used_ == pool_.size()) refill();
      b = pool_[used_++];
    }
  }
  Stream stream;

 private:
  void refill() {
    std::size_t got = 0;
    while (got < pool_.size()) {
      const ssize_t n = getrandom(pool_.data() + got, pool_.size() - got, 0);
      if (n > 0) got += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  std::array<std::byte, 256> pool_{};
  std::size_t used_ = pool_.size();
};

Client::Client(EventLoop& loop, ClientOptions options, ClientHandlers handlers)
    : loop_(loop), options_(std::move(options)), handlers_(std::move(handlers)) {}

Client::~Client() {
  close_socket();
}

std::unique_ptr<Client> Client::connect(EventLoop& loop, ClientOptions options,
                                        ClientHandlers handlers, std::string& error) {
  if (options.url.secure && options.tls == nullptr) {
    error = "wss:// needs a TLS configuration";
    return nullptr;
  }
  SocketResult socket = connect_tcp(options.url.host, options.url.port);
  if (socket.fd < 0) {
    error = socket.error;
    return nullptr;
  }
  std::unique_ptr<Client> client(new Client(loop, std::move(options), std::move(handlers)));
  const auto& url = client->options_.url;
  client->impl_ = std::make_unique<Impl>(client->stream_for(socket.fd));
  client->address_index_ = socket.address_index;

  HandshakeNonce nonce{};
  client->impl_->fill(nonce);
  std::vector<std::string_view> subprotocols(client->options_.subprotocols.begin(),
                                             client->options_.subprotocols.end());
  ClientHandshake handshake{};
  handshake.request.host = url.host_header;
  handshake.request.target = url.target;
  handshake.request.origin = client->options_.origin;
  handshake.request.subprotocols = subprotocols;
  handshake.request.extensions = client->options_.extensions;
  handshake.nonce = nonce;
  Impl* impl = client->impl_.get();
  client->ws_.emplace(Connection::client(handshake, client->options_.connection,
                                         [impl](MutableByteView out) { impl->fill(out); }));
  client->deadline_ms_ =
      loop.now_ms() + static_cast<std::uint64_t>(client->options_.connect_timeout.count());
  client->update_interest();
  return client;
}

bool Client::open() const noexcept {
  return ws_ && ws_->state() == ConnectionState::open && !finished_;
}

std::size_t Client::buffered_amount() const noexcept {
  return ws_ ? ws_->pending_output().size() : 0;
}

void Client::update_interest() {
  if (finished_) return;
  std::uint32_t events = EPOLLIN | EPOLLRDHUP;
  if (!connected_ || wants_write_ || !ws_->pending_output().empty()) events |= EPOLLOUT;
  if (events == interest_) return;
  if (interest_ == 0) {
    loop_.add(impl_->stream.fd(), events, this);
  } else {
    loop_.modify(impl_->stream.fd(), events, this);
  }
  interest_ = events;
}

void Client::on_io(std::uint32_t epoll_events) {
  if (finished_) return;
  if (!connected_) {
    if (epoll_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable_while_connecting();
  } else {
    drive();
  }
  update_interest();
}

Stream Client::stream_for(int fd) const {
  const auto& url = options_.url;
  return url.secure ? Stream(fd, TlsSession::client(*options_.tls, fd, url.host)) : Stream(fd);
}

void Client::on_writable_while_connecting() {
  const int error = connect_error(impl_->stream.fd());
  if (error != 0) {
    // Try the next address the host resolves to, if there is one.
    const SocketResult next = connect_tcp(options_.url.host, options_.url.port, address_index_ + 1);
    if (next.fd < 0) {
      fail(std::string("connection refused: ") + std::strerror(error), 0);
      return;
    }
    loop_.remove(impl_->stream.fd());
    interest_ = 0;
    impl_->stream.close();
    impl_->stream = stream_for(next.fd);
    address_index_ = next.address_index;
    return;  // on_io() registers the new socket
  }
  connected_ = true;
  drive();
}

void Client::drive() {
  if (!tls_done_) {
    const StreamResult result = impl_->stream.handshake();
    wants_write_ = result.wants_write;
    if (result.kind == StreamResult::Kind::blocked) return;
    if (result.kind != StreamResult::Kind::data) {
      fail(result.error, 0);
      return;
    }
    tls_done_ = true;
  }
  flush();
  std::array<std::byte, 64 * 1024> buffer;
  while (!finished_) {
    const StreamResult result = impl_->stream.read(buffer);
    if (result.kind == StreamResult::Kind::data) {
      ws_->receive_in_place(MutableByteView(buffer).first(result.bytes));
      handle_events();
      continue;
    }
    wants_write_ = result.wants_write;
    if (result.kind == StreamResult::Kind::end_of_stream) {
      ws_->receive_eof();
      handle_events();
      finish(close_code::abnormal_closure, {});
    } else if (result.kind == StreamResult::Kind::failed) {
      ws_->receive_eof();
      handle_events();
      finish(close_code::abnormal_closure, result.error);
    }
    break;
  }
}

void Client::handle_events() {
  while (auto event = ws_->next_event()) {
    if (finished_) return;
    if (const auto* completed = std::get_if<HandshakeCompleted>(&*event)) {
      deadline_ms_ = 0;
      if (handlers_.on_open) handlers_.on_open(*this, *completed->response);
    } else if (const auto* failed = std::get_if<HandshakeFailed>(&*event)) {
      fail("handshake refused: " + std::string(failed->error.what), failed->error.status);
      return;
    } else if (const auto* message = std::get_if<MessageReceived>(&*event)) {
      if (handlers_.on_message) handlers_.on_message(*this, message->type, message->data);
    } else if (const auto* close = std::get_if<CloseReceived>(&*event)) {
      const std::string reason(close->reason);
      flush();
      // RFC 6455 §7.1.1: the server closes TCP first; wait for it, up to close_timeout.
      deadline_ms_ = loop_.now_ms() + static_cast<std::uint64_t>(options_.close_timeout.count());
      if (!reported_ && handlers_.on_close) handlers_.on_close(*this, close->code, reason);
      reported_ = true;
    } else if (const auto* error = std::get_if<ProtocolError>(&*event)) {
      flush();
      finish(error->code, error->what());
      return;
    } else if (const auto* lost = std::get_if<ConnectionLost>(&*event)) {
      finish(lost->code, {});
      return;
    }
  }
  flush();
}

void Client::flush() {
  if (finished_ || !tls_done_) return;
  Stream& stream = impl_->stream;
  const StreamResult earlier = stream.flush();
  wants_write_ = earlier.wants_write;
  if (earlier.kind == StreamResult::Kind::blocked) return;
  while (!ws_->pending_output().empty()) {
    const StreamResult result = stream.write(ws_->pending_output());
    ws_->consume_output(result.bytes);
    wants_write_ = result.wants_write;
    if (result.kind == StreamResult::Kind::failed) {
      finish(close_code::abnormal_closure, result.error);
      return;
    }
    if (result.kind != StreamResult::Kind::data) break;
  }
  if (ws_->pending_output().empty() &&
      ws_->transport_action() == TransportAction::close_when_flushed && reported_) {
    finish(close_code::abnormal_closure, {});
  }
}

SendStatus Client::send(MessageType type, ByteView data) {
  if (!open()) return SendStatus::dropped;
  if (ws_->send(type, data) != ApiError::none) return SendStatus::dropped;
  flush();
  update_interest();
  return ws_->pending_output().empty() ? SendStatus::sent : SendStatus::buffered;
}

void Client::close(std::uint16_t code, std::string_view reason) {
  if (!open()) return;
  if (ws_->close(code, reason) == ApiError::none) {
    deadline_ms_ = loop_.now_ms() + static_cast<std::uint64_t>(options_.close_timeout.count());
    flush();
    update_interest();
  }
}

void Client::check_timers() {
  if (finished_ || deadline_ms_ == 0 || loop_.now_ms() < deadline_ms_) return;
  if (!ws_ || ws_->state() == ConnectionState::handshake) {
    fail("timed out connecting", 0);
  } else {
    finish(close_code::abnormal_closure, "close timeout");
  }
}

void Client::fail(std::string_view error, int http_status) {
  if (finished_) return;
  const std::string message(error);
  close_socket();
  if (handlers_.on_error) handlers_.on_error(*this, message, http_status);
}

void Client::finish(std::uint16_t code, std::string_view reason) {
  if (finished_) return;
  const std::string text(reason);
  close_socket();
  if (!reported_ && handlers_.on_close) handlers_.on_close(*this, code, text);
  reported_ = true;
}

void Client::close_socket() {
  if (finished_ || !impl_) return;
  finished_ = true;
  if (interest_ != 0) loop_.remove(impl_->stream.fd());
  impl_->stream.close();
}

}  // namespace wscore::transport

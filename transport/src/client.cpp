// SPDX-License-Identifier: MIT
#include "wscore/transport/client.hpp"

#include <sys/random.h>

#include <array>

#include "socket_session.hpp"
#include "wscore/transport/socket.hpp"

namespace wscore::transport {
namespace {

// The RandomSource the core asks of a client (unpredictable masking keys and nonce):
// getrandom(2), drawn 256 bytes at a time.
class RandomPool {
 public:
  void fill(MutableByteView out) {
    for (std::byte& b : out) {
      if (used_ == pool_.size()) refill();
      b = pool_[used_++];
    }
  }

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

Stream stream_for(const ClientOptions& options, int fd) {
  const WebSocketUri& url = options.url;
  return url.secure ? Stream(fd, TlsSession::client(*options.tls, fd, url.host)) : Stream(fd);
}

}  // namespace

class Client::Impl final : public SocketSession::Owner {
 public:
  Impl(Client& client, EventLoop& loop, ClientOptions options, ClientHandlers handlers,
       SocketResult socket)
      : client_(client),
        options_(std::move(options)),
        handlers_(std::move(handlers)),
        address_index_(socket.address_index),
        session_(loop, stream_for(options_, socket.fd), make_driver(loop), *this, read_buffer_,
                 options_.connected_socket >= 0 ? SocketSession::Start::connected
                                                : SocketSession::Start::connecting) {}

  void on_event(const Event& event) override {
    std::visit(
        Overloaded{
            [](const RequestReceived&) {},  // server role only
            [](const HttpRequestReceived&) {},
            [&](const HandshakeCompleted& completed) {
              opened_ = true;
              if (handlers_.on_open) handlers_.on_open(client_, *completed.response);
            },
            [&](const HandshakeFailed& failed) {
              const std::string error = failed.error.status != 0
                                            ? "handshake refused: " + std::string(failed.error.what)
                                            : std::string(failed.error.what);
              if (handlers_.on_error) handlers_.on_error(client_, error, failed.error.status);
            },
            [&](const MessageReceived& message) {
              if (handlers_.on_message) handlers_.on_message(client_, message.type, message.data);
            },
            [&](const FragmentReceived& fragment) {
              if (handlers_.on_fragment) {
                handlers_.on_fragment(client_, fragment.type, fragment.data,
                                      fragment.message_finished);
              }
            },
            [&](const PingReceived& ping) {  // answered by the core
              if (handlers_.on_ping) handlers_.on_ping(client_, ping.data);
            },
            [&](const PongReceived& pong) {
              if (handlers_.on_pong) handlers_.on_pong(client_, pong.data);
            },
            [&](const CloseReceived& close) { report_close(close.code, close.reason); },
            [&](const ProtocolError& error) { report_close(error.code, error.what()); },
            [&](const ConnectionLost& lost) {
              if (opened_) {
                report_close(lost.code, lost.reason);
              } else if (handlers_.on_error) {
                handlers_.on_error(client_, "connection closed during the opening handshake", 0);
              }
            },
        },
        event);
  }

  void on_socket_closed(std::string_view) override {}

  std::optional<Stream> next_stream(int) override {
    // Try the next address the host resolves to, if there is one (none for a given socket).
    if (options_.connected_socket >= 0) return std::nullopt;
    const SocketResult next = connect_tcp(options_.url.host, options_.url.port, address_index_ + 1);
    if (next.fd < 0) return std::nullopt;
    address_index_ = next.address_index;
    return stream_for(options_, next.fd);
  }

  SocketSession& session() { return session_; }

 private:
  Driver make_driver(EventLoop& loop) {
    HandshakeNonce nonce{};
    random_.fill(nonce);
    const std::vector<std::string_view> subprotocols(options_.subprotocols.begin(),
                                                     options_.subprotocols.end());
    std::vector<HttpHeader> extra_headers;
    for (const auto& [name, value] : options_.extra_headers)
      extra_headers.push_back({name, value});
    ClientHandshake handshake{};
    handshake.request.host = options_.url.host_header;
    handshake.request.target = options_.url.resource_name;
    handshake.request.origin = options_.origin;
    handshake.request.subprotocols = subprotocols;
    handshake.request.extensions = options_.extensions;
    handshake.request.extra_headers = extra_headers;
    handshake.nonce = nonce;
    return Driver::client(
        handshake, options_.connection, [this](MutableByteView out) { random_.fill(out); },
        options_.policy, Milliseconds(loop.now_ms()));
  }

  void report_close(std::uint16_t code, std::string_view reason) {
    if (handlers_.on_close) handlers_.on_close(client_, code, reason);
  }

  Client& client_;
  ClientOptions options_;
  ClientHandlers handlers_;
  RandomPool random_;
  std::size_t address_index_;
  bool opened_ = false;
  std::array<std::byte, 64 * 1024> read_buffer_{};
  SocketSession session_;
};

Client::~Client() = default;

std::unique_ptr<Client> Client::connect(EventLoop& loop, ClientOptions options,
                                        ClientHandlers handlers, std::string& error) {
  if (options.url.secure && options.tls == nullptr) {
    error = "wss:// needs a TLS configuration";
    return nullptr;
  }
  SocketResult socket;
  if (options.connected_socket >= 0) {
    socket.fd = options.connected_socket;
    if (!set_nonblocking(socket.fd)) {
      error = "cannot use the connected socket";
      return nullptr;
    }
    set_nodelay(socket.fd);
  } else {
    socket = connect_tcp(options.url.host, options.url.port);
  }
  if (socket.fd < 0) {
    error = socket.error;
    return nullptr;
  }
  std::unique_ptr<Client> client(new Client());
  client->impl_ =
      std::make_unique<Impl>(*client, loop, std::move(options), std::move(handlers), socket);
  return client;
}

bool Client::open() const noexcept {
  return !finished() && impl_->session().driver().connection().state() == ConnectionState::open;
}

bool Client::finished() const noexcept {
  return impl_->session().closed();
}

std::size_t Client::buffered_amount() const noexcept {
  return impl_->session().driver().buffered_amount();
}

const Connection& Client::connection() const noexcept {
  return impl_->session().driver().connection();
}

SendStatus Client::send(MessageType type, ByteView data) {
  if (!open() || impl_->session().driver().send(type, data) != ApiError::none) {
    return SendStatus::dropped;
  }
  impl_->session().pump();
  return buffered_amount() == 0 ? SendStatus::sent : SendStatus::buffered;
}

bool Client::ping(ByteView data) {
  if (!open() || impl_->session().driver().ping(data) != ApiError::none) return false;
  impl_->session().pump();
  return true;
}

void Client::close(std::uint16_t code, std::string_view reason) {
  if (!open()) return;
  if (impl_->session().driver().close(code, reason) == ApiError::none) impl_->session().pump();
}

void Client::check_timers() {
  impl_->session().on_tick();
}

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// TlsSession: one connection's TLS on the backend of the config it was made from; each call goes
// to that backend's session. Also what the backends' sessions share: naming non-TLS input.
#include <memory>
#include <utility>

#include "tls_engine.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

namespace detail {

std::optional<std::string_view> FirstBytes::not_tls() const noexcept {
  // Every TLS connection starts with a handshake record, type 22 (RFC 5246 §6.2.1, RFC 8446
  // §5.1). A request line starts with a method token (RFC 9110 §9): "GET ", "POST", "OPTIONS".
  constexpr unsigned char kHandshakeRecord = 22;
  if (seen_ == 0 || bytes_[0] == kHandshakeRecord) return std::nullopt;
  bool http = seen_ >= 4;
  for (std::uint8_t i = 0; http && i < seen_; ++i) {
    const unsigned char c = bytes_[i];
    if (c == ' ' && i >= 3) break;  // the end of the method; the target follows
    if (c < 'A' || c > 'Z') http = false;
  }
  if (http) return "plain HTTP (not TLS) sent to the TLS port";
  return "not TLS (the first byte is not a handshake record)";
}

}  // namespace detail

namespace {

constexpr IoResult kError = detail::kIoError;

}  // namespace

TlsSession::TlsSession() noexcept = default;
TlsSession::TlsSession(std::unique_ptr<detail::TlsSessionEngine> engine) noexcept
    : engine_(std::move(engine)) {}
TlsSession::~TlsSession() = default;
TlsSession::TlsSession(TlsSession&& other) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&& other) noexcept = default;

TlsSession TlsSession::server(const TlsServerConfig& config, int socket_fd) {
  if (!config.state_) return TlsSession();
  return TlsSession(config.state_->make_session(socket_fd, {}));
}

TlsSession TlsSession::client(const TlsClientConfig& config, int socket_fd,
                              std::string_view server_name) {
  if (!config.state_) return TlsSession();
  if (server_name.size() >= 2 && server_name.front() == '[' && server_name.back() == ']') {
    server_name = server_name.substr(1, server_name.size() - 2);  // "[::1]" as in a URL
  }
  return TlsSession(config.state_->make_session(socket_fd, server_name));
}

IoResult TlsSession::handshake() {
  return engine_ ? engine_->handshake() : kError;
}
IoResult TlsSession::read(MutableByteView buffer) {
  return engine_ ? engine_->read(buffer) : kError;
}
IoResult TlsSession::write(ByteView data) {
  return engine_ ? engine_->write(data) : kError;
}
IoResult TlsSession::flush() {
  return engine_ ? engine_->flush() : kError;
}
IoResult TlsSession::close_notify() {
  return engine_ ? engine_->close_notify() : kError;
}

bool TlsSession::handshake_complete() const noexcept {
  return engine_ && engine_->handshake_complete();
}
bool TlsSession::has_buffered_input() const noexcept {
  return engine_ && engine_->has_buffered_input();
}
bool TlsSession::input_drained() const noexcept {
  return engine_ && engine_->input_drained();
}
std::string_view TlsSession::error() const noexcept {
  return engine_ ? engine_->error() : "empty TLS session";
}
std::string_view TlsSession::alpn_protocol() const noexcept {
  return engine_ ? engine_->alpn_protocol() : std::string_view();
}
std::string_view TlsSession::cipher_suite() const noexcept {
  return engine_ ? engine_->cipher_suite() : std::string_view();
}
std::string_view TlsSession::protocol_version() const noexcept {
  return engine_ ? engine_->protocol_version() : std::string_view();
}
int TlsSession::socket_fd() const noexcept {
  return engine_ ? engine_->socket_fd() : -1;
}

}  // namespace wscore::transport

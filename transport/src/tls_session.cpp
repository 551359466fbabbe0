// SPDX-License-Identifier: MIT
// TlsSession: one connection's TLS on the backend of the config it was made from; each call goes
// to that backend's session. What the backends' sessions share: the walk through the session's
// phases (TlsSessionEngine) and naming non-TLS input.
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

IoResult TlsSessionEngine::handshake() {
  switch (phase_) {
    case SessionPhase::not_started:
      if (start().status == IoStatus::error) return kIoError;
      return drive_handshake();
    case SessionPhase::handshaking:
      return drive_handshake();
    case SessionPhase::failed:
      return kIoError;
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
      return kIoOk;
    case SessionPhase::closed:
      return handshake_complete() ? kIoOk : kIoClosed;  // closed before it completed
  }
  return kIoError;
}

IoResult TlsSessionEngine::read(MutableByteView buffer) {
  switch (phase_) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case SessionPhase::open:
    case SessionPhase::sent_close:
      break;
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return kIoClosed;
    case SessionPhase::failed:
      return kIoError;
  }
  if (buffer.empty()) return kIoOk;  // a library would report 0 bytes: end of stream
  return read_records(buffer);
}

IoResult TlsSessionEngine::write(ByteView data) {
  switch (phase_) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case SessionPhase::open:
      break;
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return kIoClosed;
    case SessionPhase::failed:
      return kIoError;
  }
  return write_records(data);
}

IoResult TlsSessionEngine::flush() {
  switch (phase_) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      return handshake();
    case SessionPhase::failed:
      return kIoError;
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return flush_records();
  }
  return kIoError;
}

IoResult TlsSessionEngine::close_notify() {
  switch (phase_) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      // No keys yet, so nothing to protect: the caller just closes the socket.
      phase_ = SessionPhase::closed;
      return kIoOk;
    case SessionPhase::failed:
      return kIoError;
    case SessionPhase::sent_close:
    case SessionPhase::closed:
      return flush_records();
    case SessionPhase::open:
    case SessionPhase::peer_closed:
      break;
  }
  // Data taken by write() goes out before the alert that ends it (RFC 5246 §7.2.1).
  if (IoResult flushed = flush_records(); flushed.status != IoStatus::ok) return flushed;
  if (IoResult built = build_close_notify(); built.status == IoStatus::error) return built;
  // The alert is built (and queued if the socket is full): it is sent either way.
  phase_ = phase_ == SessionPhase::peer_closed ? SessionPhase::closed : SessionPhase::sent_close;
  return flush_records();
}

bool TlsSessionEngine::handshake_complete() const noexcept {
  switch (phase_) {
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
      return true;
    case SessionPhase::closed:
      return library_handshake_over();
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
    case SessionPhase::failed:
      return false;
  }
  return false;
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

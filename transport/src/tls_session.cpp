// SPDX-License-Identifier: MIT
// TlsSession's public calls: each looks at the session's phase, drives mbedTLS, and maps the
// outcome to an IoResult.
#include <algorithm>
#include <utility>

#include "tls_session_state.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

using detail::SessionPhase;

namespace {

constexpr IoResult kOk = detail::kIoOk;
constexpr IoResult kClosed = detail::kIoClosed;
constexpr IoResult kError = detail::kIoError;

}  // namespace

TlsSession::TlsSession() noexcept = default;
TlsSession::TlsSession(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
TlsSession::~TlsSession() = default;
TlsSession::TlsSession(TlsSession&& other) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&& other) noexcept = default;

TlsSession TlsSession::server(const TlsServerConfig& config, int socket_fd) {
  if (!config.state_) return TlsSession();
  return TlsSession(std::make_unique<State>(*config.state_, socket_fd));
}

TlsSession TlsSession::client(const TlsClientConfig& config, int socket_fd,
                              std::string_view server_name) {
  if (!config.state_) return TlsSession();
  auto state = std::make_unique<State>(*config.state_, socket_fd);
  if (server_name.size() >= 2 && server_name.front() == '[' && server_name.back() == ']') {
    server_name = server_name.substr(1, server_name.size() - 2);  // "[::1]" as in a URL
  }
  state->server_name = server_name;
  return TlsSession(std::move(state));
}

IoResult TlsSession::handshake() {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case SessionPhase::not_started:
      if (state.start().status == IoStatus::error) return kError;
      return state.drive_handshake();
    case SessionPhase::handshaking:
      return state.drive_handshake();
    case SessionPhase::failed:
      return kError;
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
      return kOk;
    case SessionPhase::closed:
      return handshake_complete() ? kOk : kClosed;  // closed before it completed
  }
  return kError;
}

IoResult TlsSession::read(MutableByteView buffer) {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case SessionPhase::open:
    case SessionPhase::sent_close:
      break;
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return kClosed;
    case SessionPhase::failed:
      return kError;
  }
  if (buffer.empty()) return kOk;  // mbedTLS would report 0 bytes, which means end of stream
  for (;;) {
    state.begin_call();
    const int rc = mbedtls_ssl_read(&state.ssl, reinterpret_cast<unsigned char*>(buffer.data()),
                                    buffer.size());
    if (rc > 0) return {IoStatus::ok, static_cast<std::size_t>(rc)};
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
      // close_notify (RFC 5246 §7.2.1), or end of stream without it. WebSocket carries its own
      // closing handshake, so a bare end of stream is reported as closed too.
      state.peer_ended();
      return kClosed;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (state.should_retry()) continue;
      return {rc == MBEDTLS_ERR_SSL_WANT_READ ? IoStatus::want_read : IoStatus::want_write, 0};
    }
    return state.fail(rc);
  }
}

IoResult TlsSession::write(ByteView data) {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case SessionPhase::open:
      break;
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return kClosed;
    case SessionPhase::failed:
      return kError;
  }
  // mbedTLS's rule: after WANT_WRITE, the next mbedtls_ssl_write must carry the same data,
  // because the record built from it is already queued. Flushing that record first, with no
  // new data, lets every later call start a fresh record from whatever the caller passes.
  if (IoResult flushed = state.flush_queued_output(); flushed.status != IoStatus::ok) {
    return flushed;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t taken = 0;
  while (taken < data.size()) {
    state.begin_call();
    const std::size_t remaining = data.size() - taken;
    // mbedTLS writes at most one record per call and returns how much of the data it took.
    const int rc = mbedtls_ssl_write(&state.ssl, bytes + taken, remaining);
    if (rc > 0) {
      taken += static_cast<std::size_t>(rc);
      continue;
    }
    if (rc == 0) {  // not expected for non-empty data; never loop on it
      IoResult failure = state.fail("TLS connection failed: mbedTLS took no data");
      failure.bytes = taken;
      return failure;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (state.has_queued_output()) {
        // The record was built from the first bytes of the data and waits for the socket:
        // those bytes are taken (mbedTLS caps a record at its maximum payload).
        const int record_payload = mbedtls_ssl_get_max_out_record_payload(&state.ssl);
        taken += std::min(remaining, static_cast<std::size_t>(std::max(record_payload, 0)));
      }
      return {IoStatus::want_write, taken};
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {IoStatus::want_read, taken};
    IoResult failure = state.fail(rc);
    failure.bytes = taken;
    return failure;
  }
  return {IoStatus::ok, taken};
}

IoResult TlsSession::flush() {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      return handshake();
    case SessionPhase::failed:
      return kError;
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return state.flush_queued_output();
  }
  return kError;
}

IoResult TlsSession::close_notify() {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      // No keys yet, so nothing to protect: the caller just closes the socket.
      state.phase = SessionPhase::closed;
      return kOk;
    case SessionPhase::failed:
      return kError;
    case SessionPhase::sent_close:
    case SessionPhase::closed:
      return state.flush_queued_output();
    case SessionPhase::open:
    case SessionPhase::peer_closed:
      break;
  }
  // Data taken by write() goes out before the alert that ends it.
  if (IoResult flushed = state.flush_queued_output(); flushed.status != IoStatus::ok) {
    return flushed;
  }
  state.begin_call();
  const int rc = mbedtls_ssl_close_notify(&state.ssl);
  if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_WRITE) return state.fail(rc);
  // The alert is built (and queued if the socket is full): it is sent either way.
  state.phase =
      state.phase == SessionPhase::peer_closed ? SessionPhase::closed : SessionPhase::sent_close;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return state.flush_queued_output();
  return kOk;
}

bool TlsSession::handshake_complete() const noexcept {
  if (!state_) return false;
  switch (state_->phase) {
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
      return true;
    case SessionPhase::closed:
      return state_->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER;
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
    case SessionPhase::failed:
      return false;
  }
  return false;
}

bool TlsSession::has_buffered_input() const noexcept {
  // Decrypted data not yet read, or record bytes taken from the socket but not yet processed.
  return state_ && state_->phase != SessionPhase::not_started &&
         mbedtls_ssl_check_pending(&state_->ssl) != 0;
}

std::string_view TlsSession::error() const noexcept {
  if (!state_) return "empty TLS session";
  return state_->error;
}

std::string_view TlsSession::alpn_protocol() const noexcept {
  if (!state_ || state_->phase == SessionPhase::not_started) return {};
  const char* protocol = mbedtls_ssl_get_alpn_protocol(&state_->ssl);
  return protocol != nullptr ? protocol : std::string_view();
}

std::string_view TlsSession::cipher_suite() const noexcept {
  if (!handshake_complete()) return {};
  return mbedtls_ssl_get_ciphersuite(&state_->ssl);
}

int TlsSession::socket_fd() const noexcept {
  return state_ ? state_->socket_fd : -1;
}

}  // namespace wscore::transport

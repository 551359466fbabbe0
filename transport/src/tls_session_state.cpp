// SPDX-License-Identifier: MIT
// TlsSession::State: the socket callbacks mbedTLS calls, setting up a session, driving the
// handshake, flushing queued records, and turning failures into one-line reasons.
#include "tls_session_state.hpp"

#include <mbedtls/net_sockets.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wscore::transport {

using detail::SessionPhase;

namespace {

constexpr unsigned char kTlsHandshakeRecord = 22;  // ContentType handshake (RFC 5246 §6.2.1)

}  // namespace

int TlsSession::State::send_callback(void* self, const unsigned char* data, std::size_t length) {
  State& state = *static_cast<State*>(self);
  for (;;) {
    const ssize_t sent = ::send(state.socket_fd, data, length, MSG_NOSIGNAL);
    if (sent >= 0) {
      state.socket_progress = true;
      return static_cast<int>(sent);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      state.socket_would_block = true;
      return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    state.socket_errno = errno;
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int TlsSession::State::receive_callback(void* self, unsigned char* buffer, std::size_t length) {
  State& state = *static_cast<State*>(self);
  for (;;) {
    const ssize_t received = ::recv(state.socket_fd, buffer, length, 0);
    if (received > 0) {
      state.socket_progress = true;
      state.remember_first_bytes(buffer, static_cast<std::size_t>(received));
      return static_cast<int>(received);
    }
    if (received == 0) return 0;  // end of stream; mbedTLS reports it as CONN_EOF
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      state.socket_would_block = true;
      return MBEDTLS_ERR_SSL_WANT_READ;
    }
    state.socket_errno = errno;
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

int TlsSession::State::verify_ip_callback(void* self, mbedtls_x509_crt* certificate, int depth,
                                          std::uint32_t* flags) {
  // mbedTLS calls this for each certificate of the chain; depth 0 is the server's own.
  const State& state = *static_cast<const State*>(self);
  if (depth == 0 && state.peer_ip && !detail::certificate_covers_ip(*certificate, *state.peer_ip)) {
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

bool TlsSession::State::first_bytes_look_like_http() const noexcept {
  // A request line starts with a method token (RFC 9110 §9): "GET ", "POST", "OPTIONS" ...
  // Every TLS connection starts with a handshake record, type 22 (RFC 5246 §6.2.1).
  if (first_bytes_seen < 4) return false;
  for (std::uint8_t i = 0; i < first_bytes_seen; ++i) {
    const unsigned char c = first_bytes[i];
    if (c == ' ' && i >= 3) return true;  // the end of the method; the target follows
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

IoResult TlsSession::State::fail(std::string reason) {
  phase = SessionPhase::failed;
  error = std::move(reason);
  return detail::kIoError;
}

IoResult TlsSession::State::fail(int code) {
  const bool during_handshake = phase == SessionPhase::handshaking;
  std::string reason = during_handshake ? "TLS handshake failed: " : "TLS connection failed: ";
  const bool server = config->role == detail::TlsRole::server;
  if (code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    reason += detail::describe_verify_failure(mbedtls_ssl_get_verify_result(&ssl), server_name);
  } else if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl.in_msg != nullptr &&
             ssl.in_msglen >= 2) {
    // An alert record is {level, description} (RFC 5246 §7.2); mbedTLS leaves it in in_msg.
    reason += "the peer sent the fatal alert ";
    reason += detail::alert_name(ssl.in_msg[1]);
  } else if (server && during_handshake && first_bytes_seen > 0 &&
             first_bytes[0] != kTlsHandshakeRecord) {
    reason += first_bytes_look_like_http() ? "plain HTTP (not TLS) sent to the TLS port"
                                           : "not TLS (the first byte is not a handshake record)";
  } else if (socket_errno != 0 &&
             (code == MBEDTLS_ERR_NET_SEND_FAILED || code == MBEDTLS_ERR_NET_RECV_FAILED ||
              code == MBEDTLS_ERR_NET_CONN_RESET)) {
    reason += std::strerror(socket_errno);
  } else {
    reason += detail::describe_mbedtls_error(code);
  }
  return fail(std::move(reason));
}

IoResult TlsSession::State::start() {
  if (config->setup_error != 0) {
    return fail("TLS setup failed: " + detail::describe_mbedtls_error(config->setup_error));
  }
  const bool server = config->role == detail::TlsRole::server;
  if (server && !config->has_credentials) return fail("TLS server has no certificate loaded");
  if (!server && config->verify_peer) {
    if (!config->has_credentials) {
      return fail(
          "TLS client has no trusted CA certificates loaded (load a CA file or the "
          "system store, or disable verification)");
    }
    if (server_name.empty()) return fail("TLS client needs a server name to verify");
  }
  const int rc = mbedtls_ssl_setup(&ssl, &config->ssl_config);
  if (rc != 0) return fail("TLS setup failed: " + detail::describe_mbedtls_error(rc));
  if (!server) {
    peer_ip = detail::parse_ip_literal(server_name);
    if (peer_ip) {
      // RFC 6066 §3: SNI carries no IP literals. mbedTLS 2.28 matches only dNSName entries,
      // so the certificate's iPAddress entries are checked by verify_ip_callback.
      if (config->verify_peer) mbedtls_ssl_set_verify(&ssl, verify_ip_callback, this);
    } else if (!server_name.empty()) {
      const int name_rc = mbedtls_ssl_set_hostname(&ssl, server_name.c_str());
      if (name_rc != 0) {
        return fail("TLS client cannot use the server name '" + server_name +
                    "': " + detail::describe_mbedtls_error(name_rc));
      }
    }
  }
  mbedtls_ssl_set_bio(&ssl, this, send_callback, receive_callback, nullptr);
  phase = SessionPhase::handshaking;
  return detail::kIoOk;
}

IoResult TlsSession::State::drive_handshake() {
  for (;;) {
    begin_call();
    const int rc = mbedtls_ssl_handshake(&ssl);
    if (rc == 0) {
      // mbedTLS has freed the handshake's temporary state; what remains is the record layer.
      phase = SessionPhase::open;
      return detail::kIoOk;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (should_retry()) continue;
      return {rc == MBEDTLS_ERR_SSL_WANT_READ ? IoStatus::want_read : IoStatus::want_write, 0};
    }
    return fail(rc);
  }
}

IoResult TlsSession::State::flush_queued_output() {
  while (has_queued_output()) {
    begin_call();
    // With output queued, mbedtls_ssl_write only flushes it and takes none of the new data.
    static constexpr unsigned char kNothing[1] = {0};
    const int rc = mbedtls_ssl_write(&ssl, kNothing, 0);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (should_retry()) continue;
      return {IoStatus::want_write, 0};
    }
    if (rc < 0) return fail(rc);
  }
  return detail::kIoOk;
}

}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// MbedtlsSession's machinery: the socket callbacks mbedTLS calls, setting up a session, driving
// the handshake, flushing queued records, and turning failures into one-line reasons.
#include "mbedtls_session.hpp"

#include <mbedtls/net_sockets.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wscore::transport::detail {

int MbedtlsSession::send_callback(void* self, const unsigned char* data, std::size_t length) {
  MbedtlsSession& state = *static_cast<MbedtlsSession*>(self);
  for (;;) {
    const ssize_t sent = ::send(state.socket_fd_, data, length, MSG_NOSIGNAL);
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

int MbedtlsSession::receive_callback(void* self, unsigned char* buffer, std::size_t length) {
  MbedtlsSession& state = *static_cast<MbedtlsSession*>(self);
  for (;;) {
    const ssize_t received = ::recv(state.socket_fd_, buffer, length, 0);
    if (received > 0) {
      state.socket_progress = true;
      state.first_bytes.remember(buffer, static_cast<std::size_t>(received));
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

int MbedtlsSession::verify_ip_callback(void* self, mbedtls_x509_crt* certificate, int depth,
                                       std::uint32_t* flags) {
  // mbedTLS calls this for each certificate of the chain; depth 0 is the server's own.
  const MbedtlsSession& state = *static_cast<const MbedtlsSession*>(self);
  if (depth == 0 && state.peer_ip && !certificate_covers_ip(*certificate, *state.peer_ip)) {
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

IoResult MbedtlsSession::fail(std::string reason) {
  phase_ = SessionPhase::failed;
  error_ = std::move(reason);
  return kIoError;
}

IoResult MbedtlsSession::fail(int code) {
  const bool during_handshake = phase_ == SessionPhase::handshaking;
  std::string reason = during_handshake ? "TLS handshake failed: " : "TLS connection failed: ";
  const bool server = config->role() == TlsRole::server;
  const std::optional<std::string_view> not_tls =
      server && during_handshake ? first_bytes.not_tls() : std::nullopt;
  if (code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    reason += describe_verify_failure(mbedtls_ssl_get_verify_result(&ssl), server_name);
  } else if (code == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl.in_msg != nullptr &&
             ssl.in_msglen >= 2) {
    // An alert record is {level, description} (RFC 5246 §7.2); mbedTLS leaves it in in_msg.
    reason += "the peer sent the fatal alert ";
    reason += alert_name(ssl.in_msg[1]);
  } else if (not_tls) {
    reason += *not_tls;
  } else if (socket_errno != 0 &&
             (code == MBEDTLS_ERR_NET_SEND_FAILED || code == MBEDTLS_ERR_NET_RECV_FAILED ||
              code == MBEDTLS_ERR_NET_CONN_RESET)) {
    reason += std::strerror(socket_errno);
  } else {
    reason += describe_mbedtls_error(code);
  }
  return fail(std::move(reason));
}

IoResult MbedtlsSession::start() {
  if (config->setup_error() != 0) {
    return fail("TLS setup failed: " + describe_mbedtls_error(config->setup_error()));
  }
  const bool server = config->role() == TlsRole::server;
  if (server && !config->has_credentials()) return fail(std::string(kNoServerCertificate));
  if (!server && config->verifies_peer()) {
    if (!config->has_credentials()) return fail(std::string(kNoTrustedCa));
    if (server_name.empty()) return fail(std::string(kNoServerName));
  }
  const int rc = mbedtls_ssl_setup(&ssl, &config->ssl_config());
  if (rc != 0) return fail("TLS setup failed: " + describe_mbedtls_error(rc));
  if (!server) {
    peer_ip = parse_ip_literal(server_name);
    if (peer_ip) {
      // RFC 6066 §3: SNI carries no IP literals. mbedTLS 2.28 matches only dNSName entries,
      // so the certificate's iPAddress entries are checked by verify_ip_callback.
      if (config->verifies_peer()) mbedtls_ssl_set_verify(&ssl, verify_ip_callback, this);
    } else if (!server_name.empty()) {
      const int name_rc = mbedtls_ssl_set_hostname(&ssl, server_name.c_str());
      if (name_rc != 0) {
        return fail("TLS client cannot use the server name '" + server_name +
                    "': " + describe_mbedtls_error(name_rc));
      }
    }
  }
  mbedtls_ssl_set_bio(&ssl, this, send_callback, receive_callback, nullptr);
  phase_ = SessionPhase::handshaking;
  return kIoOk;
}

IoResult MbedtlsSession::drive_handshake() {
  for (;;) {
    begin_call();
    const int rc = mbedtls_ssl_handshake(&ssl);
    if (rc == 0) {
      // mbedTLS has freed the handshake's temporary state; what remains is the record layer.
      phase_ = SessionPhase::open;
      return kIoOk;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (should_retry()) continue;
      return {rc == MBEDTLS_ERR_SSL_WANT_READ ? IoStatus::want_read : IoStatus::want_write, 0};
    }
    return fail(rc);
  }
}

IoResult MbedtlsSession::flush_queued_output() {
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
  return kIoOk;
}

}  // namespace wscore::transport::detail

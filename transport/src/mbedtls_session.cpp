// SPDX-License-Identifier: MIT
// MbedtlsSession's calls (TlsSession's on mbedTLS): each looks at the session's phase, drives
// mbedTLS, and maps the outcome to an IoResult.
#include <algorithm>
#include <utility>

#include "mbedtls_session.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport::detail {

namespace {

constexpr IoResult kOk = kIoOk;
constexpr IoResult kClosed = kIoClosed;
constexpr IoResult kError = kIoError;

}  // namespace

IoResult MbedtlsSession::handshake() {
  switch (phase) {
    case SessionPhase::not_started:
      if (start().status == IoStatus::error) return kError;
      return drive_handshake();
    case SessionPhase::handshaking:
      return drive_handshake();
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

IoResult MbedtlsSession::read(MutableByteView buffer) {
  switch (phase) {
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
    begin_call();
    const int rc =
        mbedtls_ssl_read(&ssl, reinterpret_cast<unsigned char*>(buffer.data()), buffer.size());
    if (rc > 0) return {IoStatus::ok, static_cast<std::size_t>(rc)};
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
      // close_notify (RFC 5246 §7.2.1), or end of stream without it. WebSocket carries its own
      // closing handshake, so a bare end of stream is reported as closed too.
      peer_ended();
      return kClosed;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (should_retry()) continue;
      return {rc == MBEDTLS_ERR_SSL_WANT_READ ? IoStatus::want_read : IoStatus::want_write, 0};
    }
    return fail(rc);
  }
}

IoResult MbedtlsSession::write(ByteView data) {
  switch (phase) {
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
  if (IoResult flushed = flush_queued_output(); flushed.status != IoStatus::ok) {
    return flushed;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t taken = 0;
  while (taken < data.size()) {
    begin_call();
    const std::size_t remaining = data.size() - taken;
    // mbedTLS writes at most one record per call and returns how much of the data it took.
    const int rc = mbedtls_ssl_write(&ssl, bytes + taken, remaining);
    if (rc > 0) {
      taken += static_cast<std::size_t>(rc);
      continue;
    }
    if (rc == 0) {  // not expected for non-empty data; never loop on it
      IoResult failure = fail("TLS connection failed: mbedTLS took no data");
      failure.bytes = taken;
      return failure;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (has_queued_output()) {
        // The record was built from the first bytes of the data and waits for the socket:
        // those bytes are taken (mbedTLS caps a record at its maximum payload).
        const int record_payload = mbedtls_ssl_get_max_out_record_payload(&ssl);
        taken += std::min(remaining, static_cast<std::size_t>(std::max(record_payload, 0)));
      }
      return {IoStatus::want_write, taken};
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {IoStatus::want_read, taken};
    IoResult failure = fail(rc);
    failure.bytes = taken;
    return failure;
  }
  return {IoStatus::ok, taken};
}

IoResult MbedtlsSession::flush() {
  switch (phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      return handshake();
    case SessionPhase::failed:
      return kError;
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
    case SessionPhase::closed:
      return flush_queued_output();
  }
  return kError;
}

IoResult MbedtlsSession::close_notify() {
  switch (phase) {
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
      // No keys yet, so nothing to protect: the caller just closes the socket.
      phase = SessionPhase::closed;
      return kOk;
    case SessionPhase::failed:
      return kError;
    case SessionPhase::sent_close:
    case SessionPhase::closed:
      return flush_queued_output();
    case SessionPhase::open:
    case SessionPhase::peer_closed:
      break;
  }
  // Data taken by write() goes out before the alert that ends it.
  if (IoResult flushed = flush_queued_output(); flushed.status != IoStatus::ok) {
    return flushed;
  }
  begin_call();
  const int rc = mbedtls_ssl_close_notify(&ssl);
  if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_WRITE) return fail(rc);
  // The alert is built (and queued if the socket is full): it is sent either way.
  phase = phase == SessionPhase::peer_closed ? SessionPhase::closed : SessionPhase::sent_close;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return flush_queued_output();
  return kOk;
}

bool MbedtlsSession::handshake_complete() const noexcept {
  switch (phase) {
    case SessionPhase::open:
    case SessionPhase::sent_close:
    case SessionPhase::peer_closed:
      return true;
    case SessionPhase::closed:
      return ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER;
    case SessionPhase::not_started:
    case SessionPhase::handshaking:
    case SessionPhase::failed:
      return false;
  }
  return false;
}

bool MbedtlsSession::has_buffered_input() const noexcept {
  // Decrypted data not yet read, or record bytes taken from the socket but not yet processed.
  return phase != SessionPhase::not_started && mbedtls_ssl_check_pending(&ssl) != 0;
}

std::string_view MbedtlsSession::alpn_protocol() const noexcept {
  if (phase == SessionPhase::not_started) return {};
  const char* protocol = mbedtls_ssl_get_alpn_protocol(&ssl);
  return protocol != nullptr ? protocol : std::string_view();
}

std::string_view MbedtlsSession::cipher_suite() const noexcept {
  if (!handshake_complete()) return {};
  return mbedtls_ssl_get_ciphersuite(&ssl);
}

std::string_view MbedtlsSession::protocol_version() const noexcept {
  return handshake_complete() ? "TLSv1.2" : "";  // the only version configured
}

}  // namespace wscore::transport::detail

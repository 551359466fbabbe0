// SPDX-License-Identifier: MIT
// MbedtlsSession's calls (TlsSession's on mbedTLS, in the phases TlsSessionEngine allows them):
// each drives mbedTLS and maps the outcome to an IoResult.
#include <algorithm>
#include <utility>

#include "mbedtls_session.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport::detail {

namespace {

constexpr IoResult kOk = kIoOk;
constexpr IoResult kClosed = kIoClosed;

}  // namespace

IoResult MbedtlsSession::read_records(MutableByteView buffer) {
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

IoResult MbedtlsSession::write_records(ByteView data) {
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

IoResult MbedtlsSession::build_close_notify() {
  begin_call();
  const int rc = mbedtls_ssl_close_notify(&ssl);
  // WANT_WRITE: the alert is built and queued behind a full socket; flush_records() sends it.
  if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_WRITE) return fail(rc);
  return kOk;
}

bool MbedtlsSession::library_handshake_over() const noexcept {
  return ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER;
}

bool MbedtlsSession::has_buffered_input() const noexcept {
  // Decrypted data not yet read, or record bytes taken from the socket but not yet processed.
  return phase_ != SessionPhase::not_started && mbedtls_ssl_check_pending(&ssl) != 0;
}

std::string_view MbedtlsSession::alpn_protocol() const noexcept {
  if (phase_ == SessionPhase::not_started) return {};
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

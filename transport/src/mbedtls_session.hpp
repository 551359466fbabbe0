// SPDX-License-Identifier: MIT
// A TlsSession on mbedTLS: the mbedTLS context with its socket callbacks, and the hooks the
// phase walk of TlsSessionEngine calls.
#pragma once

#include <mbedtls/ssl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "mbedtls_internal.hpp"
#include "tls_engine.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

namespace detail {

class MbedtlsSession final : public TlsSessionEngine {
 public:
  MbedtlsSession(const MbedtlsConfig& session_config, int fd, std::string_view name)
      : config(&session_config), socket_fd_(fd), server_name(name) {
    mbedtls_ssl_init(&ssl);
  }
  ~MbedtlsSession() override { mbedtls_ssl_free(&ssl); }
  MbedtlsSession(const MbedtlsSession&) = delete;
  MbedtlsSession& operator=(const MbedtlsSession&) = delete;

  bool has_buffered_input() const noexcept override;
  // mbedTLS reads exactly the record's length, so a read never tells that the socket is empty.
  bool input_drained() const noexcept override { return false; }
  std::string_view error() const noexcept override { return error_; }
  std::string_view alpn_protocol() const noexcept override;
  std::string_view cipher_suite() const noexcept override;
  std::string_view protocol_version() const noexcept override;
  int socket_fd() const noexcept override { return socket_fd_; }

 private:
  mbedtls_ssl_context ssl;
  const MbedtlsConfig* config;
  int socket_fd_;
  // Set by the socket callbacks during one mbedTLS call: did the socket say EAGAIN, did any
  // bytes move. mbedTLS can report WANT_READ after consuming a record that carried no data;
  // only the socket's own EAGAIN means an event loop may wait.
  bool socket_would_block = false;
  bool socket_progress = false;
  int socket_errno = 0;
  FirstBytes first_bytes;
  std::optional<IpAddress> peer_ip;  // client to an IP literal: checked by us
  std::string server_name;           // client: for messages and verification
  std::string error_;

  static int send_callback(void* self, const unsigned char* data, std::size_t length);
  static int receive_callback(void* self, unsigned char* buffer, std::size_t length);
  static int verify_ip_callback(void* self, mbedtls_x509_crt* certificate, int depth,
                                std::uint32_t* flags);

  IoResult start() override;
  IoResult drive_handshake() override;
  IoResult read_records(MutableByteView buffer) override;
  IoResult write_records(ByteView data) override;
  IoResult flush_records() override { return flush_queued_output(); }
  IoResult build_close_notify() override;
  bool library_handshake_over() const noexcept override;
  IoResult flush_queued_output();
  IoResult fail(int code);
  IoResult fail(std::string reason);
  bool has_queued_output() const noexcept {
    // mbedTLS 2.28 has no public query for this; `out_left` counts bytes of records it has
    // built but not yet handed to the socket.
    return ssl.out_left != 0;
  }
  void begin_call() noexcept {
    socket_would_block = false;
    socket_progress = false;
  }
  // After WANT_READ/WANT_WRITE: true when mbedTLS should simply be called again.
  bool should_retry() const noexcept { return !socket_would_block && socket_progress; }
};

}  // namespace detail
}  // namespace wscore::transport

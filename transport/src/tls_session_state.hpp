// SPDX-License-Identifier: MIT
// TlsSession's private state, shared by the files that implement it: the phase enum (the whole
// state of a session) and the mbedTLS context with its socket callbacks.
#pragma once

#include <mbedtls/ssl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tls_internal.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

namespace detail {

enum class SessionPhase : std::uint8_t {
  not_started,  // nothing allocated yet: mbedtls_ssl_setup runs on the first call
  handshaking,
  open,
  sent_close,   // we sent close_notify; the peer's may still arrive
  peer_closed,  // the peer sent close_notify or ended the stream; ours is still due
  closed,       // nothing more will be read or written
  failed,
};

inline constexpr IoResult kIoOk{IoStatus::ok, 0};
inline constexpr IoResult kIoClosed{IoStatus::closed, 0};
inline constexpr IoResult kIoError{IoStatus::error, 0};

}  // namespace detail

struct TlsSession::State {
  State(const detail::TlsConfigState& session_config, int fd) noexcept
      : config(&session_config), socket_fd(fd) {
    mbedtls_ssl_init(&ssl);
  }
  ~State() { mbedtls_ssl_free(&ssl); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  mbedtls_ssl_context ssl;
  const detail::TlsConfigState* config;
  int socket_fd;
  detail::SessionPhase phase = detail::SessionPhase::not_started;
  // Set by the socket callbacks during one mbedTLS call: did the socket say EAGAIN, did any
  // bytes move. mbedTLS can report WANT_READ after consuming a record that carried no data;
  // only the socket's own EAGAIN means an event loop may wait.
  bool socket_would_block = false;
  bool socket_progress = false;
  int socket_errno = 0;
  // The peer's first bytes (a record header's worth), to name non-TLS input in messages.
  unsigned char first_bytes[5] = {};
  std::uint8_t first_bytes_seen = 0;
  std::optional<detail::IpAddress> peer_ip;  // client to an IP literal: checked by us
  std::string server_name;                   // client: for messages
  std::string error;

  static int send_callback(void* self, const unsigned char* data, std::size_t length);
  static int receive_callback(void* self, unsigned char* buffer, std::size_t length);
  static int verify_ip_callback(void* self, mbedtls_x509_crt* certificate, int depth,
                                std::uint32_t* flags);

  void remember_first_bytes(const unsigned char* data, std::size_t length) noexcept {
    while (first_bytes_seen < sizeof first_bytes && length-- > 0) {
      first_bytes[first_bytes_seen++] = *data++;
    }
  }
  bool first_bytes_look_like_http() const noexcept;
  IoResult start();
  IoResult drive_handshake();
  IoResult flush_queued_output();
  IoResult fail(int code);
  IoResult fail(std::string reason);
  void peer_ended() noexcept {
    using detail::SessionPhase;
    phase = phase == SessionPhase::sent_close ? SessionPhase::closed : SessionPhase::peer_closed;
  }
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

}  // namespace wscore::transport

// TlsSession: one mbedTLS context over a non-blocking socket. The phase enum below is the whole
// state; each public call looks at it, drives mbedTLS, and maps the outcome to an IoResult.
#include <mbedtls/net_sockets.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "tls_internal.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

namespace {

enum class Phase : std::uint8_t {
  not_started,  // nothing allocated yet: mbedtls_ssl_setup runs on the first call
  handshaking,
  open,
  sent_close,   // we sent close_notify; the peer's may still arrive
  peer_closed,  // the peer sent close_notify or ended the stream; ours is still due
  closed,       // nothing more will be read or written
  failed,
};

constexpr IoResult kOk{IoStatus::ok, 0};
constexpr IoResult kClosed{IoStatus::closed, 0};
constexpr IoResult kError{IoStatus::error, 0};

constexpr unsigned char kTlsHandshakeRecord = 22;  // ContentType handshake (RFC 5246 §6.2.1)

}  // namespace

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
  Phase phase = Phase::not_started;
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
  void peer_ended() { phase = phase == Phase::sent_close ? Phase::closed : Phase::peer_closed; }
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
  phase = Phase::failed;
  error = std::move(reason);
  return kError;
}

IoResult TlsSession::State::fail(int code) {
  const bool during_handshake = phase == Phase::handshaking;
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
  phase = Phase::handshaking;
  return kOk;
}

IoResult TlsSession::State::drive_handshake() {
  for (;;) {
    begin_call();
    const int rc = mbedtls_ssl_handshake(&ssl);
    if (rc == 0) {
      // mbedTLS has freed the handshake's temporary state; what remains is the record layer.
      phase = Phase::open;
      return kOk;
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
  return kOk;
}

// ---- TlsSession ----

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
    case Phase::not_started:
      if (state.start().status == IoStatus::error) return kError;
      return state.drive_handshake();
    case Phase::handshaking:
      return state.drive_handshake();
    case Phase::failed:
      return kError;
    case Phase::open:
    case Phase::sent_close:
    case Phase::peer_closed:
    case Phase::closed:
      return kOk;
  }
  return kError;
}

IoResult TlsSession::read(MutableByteView buffer) {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case Phase::not_started:
    case Phase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case Phase::open:
    case Phase::sent_close:
      break;
    case Phase::peer_closed:
    case Phase::closed:
      return kClosed;
    case Phase::failed:
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
    case Phase::not_started:
    case Phase::handshaking:
      if (IoResult progress = handshake(); progress.status != IoStatus::ok) return progress;
      break;
    case Phase::open:
      break;
    case Phase::sent_close:
    case Phase::peer_closed:
    case Phase::closed:
      return kClosed;
    case Phase::failed:
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
    if (rc >= 0) {
      taken += static_cast<std::size_t>(rc);
      continue;
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
    case Phase::not_started:
    case Phase::handshaking:
      return handshake();
    case Phase::failed:
      return kError;
    case Phase::open:
    case Phase::sent_close:
    case Phase::peer_closed:
    case Phase::closed:
      return state.flush_queued_output();
  }
  return kError;
}

IoResult TlsSession::close_notify() {
  if (!state_) return kError;
  State& state = *state_;
  switch (state.phase) {
    case Phase::not_started:
    case Phase::handshaking:
      // No keys yet, so nothing to protect: the caller just closes the socket.
      state.phase = Phase::closed;
      return kOk;
    case Phase::failed:
      return kError;
    case Phase::sent_close:
    case Phase::closed:
      return state.flush_queued_output();
    case Phase::open:
    case Phase::peer_closed:
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
  state.phase = state.phase == Phase::peer_closed ? Phase::closed : Phase::sent_close;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return state.flush_queued_output();
  return kOk;
}

bool TlsSession::handshake_complete() const noexcept {
  if (!state_) return false;
  switch (state_->phase) {
    case Phase::open:
    case Phase::sent_close:
    case Phase::peer_closed:
      return true;
    case Phase::closed:
      return state_->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER;
    case Phase::not_started:
    case Phase::handshaking:
    case Phase::failed:
      return false;
  }
  return false;
}

bool TlsSession::has_buffered_input() const noexcept {
  return state_ && state_->phase != Phase::not_started &&
         mbedtls_ssl_get_bytes_avail(&state_->ssl) > 0;
}

std::string_view TlsSession::error() const noexcept {
  if (!state_) return "empty TLS session";
  return state_->error;
}

std::string_view TlsSession::alpn_protocol() const noexcept {
  if (!state_ || state_->phase == Phase::not_started) return {};
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

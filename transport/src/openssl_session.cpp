// SPDX-License-Identifier: MIT
// OpensslSession (TlsSession on OpenSSL 3, in the phases TlsSessionEngine allows each call): the
// socket BIO, setting up an SSL, the handshake, reads, writes that OpenSSL never sees blocked,
// close_notify, and failures in one line.
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "openssl_internal.hpp"

namespace wscore::transport::detail {
namespace {

constexpr IoResult kOk = kIoOk;
constexpr IoResult kClosed = kIoClosed;
constexpr IoResult kError = kIoError;

// The records one write() makes, gathered here and sent with one send(): a 64 KiB message is four
// records, which would otherwise be four system calls. One per thread (a session is used by one
// thread at a time), kept between calls so that gathering allocates nothing once warm; what the
// socket does not take moves to the session's own unsent_.
thread_local std::vector<unsigned char> gathered_records;
// Sent when it holds this much: a 64 KiB message goes in one send(), and a session whose socket
// is full keeps at most this (and a record) in unsent_.
constexpr std::size_t kGatherLimit = 96 * 1024;

OpensslSession& session_of(BIO* bio) {
  return *static_cast<OpensslSession*>(BIO_get_data(bio));
}

int bio_read(BIO* bio, char* buffer, std::size_t length, std::size_t* received) {
  BIO_clear_retry_flags(bio);
  const int rc = session_of(bio).receive(buffer, length, received);
  if (rc < 0) BIO_set_retry_read(bio);
  return rc > 0 ? 1 : 0;
}

int bio_write(BIO* bio, const char* data, std::size_t length, std::size_t* sent) {
  BIO_clear_retry_flags(bio);
  return session_of(bio).send(data, length, sent);
}

long bio_control(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // writes are sent (or kept) at once
}

// One method table for every session, made on first use (thread-safe static initialisation)
// and kept for the life of the program.
const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wscore socket");
    if (made != nullptr) {
      BIO_meth_set_read_ex(made, bio_read);
      BIO_meth_set_write_ex(made, bio_write);
      BIO_meth_set_ctrl(made, bio_control);
    }
    return made;
  }();
  return method;
}

void info_callback(const SSL* ssl, int where, int value) {
  auto* session = static_cast<OpensslSession*>(SSL_get_app_data(ssl));
  if (session != nullptr) session->note_alert(where, value);
}

// X.509 verification results (RFC 5280 §6) in the words the mbedTLS backend uses.
std::string describe_verify_failure(long result, std::string_view server_name) {
  std::string text = "certificate verification failed: the certificate is ";
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return text + "not valid for '" + std::string(server_name) + "'";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return text + "not issued by a trusted CA";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return text + "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return text + "not valid yet";
    case X509_V_ERR_CERT_REVOKED:
      return text + "revoked";
    case X509_V_ERR_INVALID_PURPOSE:
      return text + "not meant for TLS servers (extended key usage)";
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
      return text + "using a weak or unsupported key";
    case X509_V_ERR_CA_MD_TOO_WEAK:
      return text + "signed with a weak or unsupported hash";
    default:
      return "certificate verification failed: " +
             std::string(X509_verify_cert_error_string(result));
  }
}

}  // namespace

OpensslSession::OpensslSession(const OpensslConfig& config, int socket_fd,
                               std::string_view server_name)
    : config_(&config), socket_fd_(socket_fd), server_name_(server_name) {}

OpensslSession::~OpensslSession() {
  SSL_free(ssl_);
}

// ---- the BIO ----

int OpensslSession::receive(char* buffer, std::size_t length, std::size_t* received) {
  *received = 0;
  for (;;) {
    const ssize_t got = ::recv(socket_fd_, buffer, length, 0);
    if (got > 0) {
      socket_progress_ = true;
      socket_drained_ = static_cast<std::size_t>(got) < length;
      first_bytes_.remember(reinterpret_cast<const unsigned char*>(buffer),
                            static_cast<std::size_t>(got));
      *received = static_cast<std::size_t>(got);
      return 1;
    }
    if (got == 0) {
      socket_ended_ = true;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      socket_would_block_ = true;
      socket_drained_ = true;
      return -1;
    }
    socket_errno_ = errno;
    return 0;
  }
}

int OpensslSession::send(const char* data, std::size_t length, std::size_t* sent) {
  // Every record is taken: gathered, sent now, or kept behind what is kept already (order
  // matters).
  *sent = length;
  if (gathering_ && unsent_.empty()) {
    try {
      gathered_records.insert(gathered_records.end(), data, data + length);
      return 1;
    } catch (const std::bad_alloc&) {
      socket_errno_ = ENOMEM;
      *sent = 0;
      return 0;
    }
  }
  std::size_t done = 0;
  while (unsent_.empty() && done < length) {
    const ssize_t wrote = ::send(socket_fd_, data + done, length - done, MSG_NOSIGNAL);
    if (wrote >= 0) {
      socket_progress_ = true;
      done += static_cast<std::size_t>(wrote);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // kept: unsent_ says so
    socket_errno_ = errno;
    *sent = 0;
    return 0;
  }
  if (done < length) {
    try {
      unsent_.insert(unsent_.end(), data + done, data + length);
    } catch (const std::bad_alloc&) {
      socket_errno_ = ENOMEM;
      *sent = 0;
      return 0;
    }
  }
  return 1;
}

void OpensslSession::note_alert(int where, int value) noexcept {
  // An alert the peer sent (RFC 8446 §6): the low byte is its description.
  if ((where & SSL_CB_READ_ALERT) != 0 && (value >> 8) == SSL3_AL_FATAL) {
    received_alert_ = value & 0xff;
  }
}

// ---- setup and failures ----

void OpensslSession::begin_call() noexcept {
  socket_would_block_ = false;
  socket_progress_ = false;
  // SSL_get_error() needs the thread's error queue empty before each call. Failures clear it
  // after themselves, so it is empty here unless someone else on this thread left an error:
  // peeking is cheaper than clearing on every call.
  if (ERR_peek_error() != 0) ERR_clear_error();
}

IoResult OpensslSession::fail(std::string reason) {
  phase_ = SessionPhase::failed;
  error_ = std::move(reason);
  ERR_clear_error();
  return kError;
}

IoResult OpensslSession::outcome(int rc, IoResult want) {
  const bool during_handshake = phase_ == SessionPhase::handshaking;
  const int code = SSL_get_error(ssl_, rc);
  if (code == SSL_ERROR_WANT_READ) return {IoStatus::want_read, want.bytes};
  if (code == SSL_ERROR_WANT_WRITE) return {IoStatus::want_write, want.bytes};
  if (code == SSL_ERROR_ZERO_RETURN && !during_handshake) {
    peer_ended();
    return {IoStatus::closed, want.bytes};
  }
  std::string reason = during_handshake ? "TLS handshake failed: " : "TLS connection failed: ";
  const bool server = config_->role() == TlsRole::server;
  const std::optional<std::string_view> not_tls =
      server && during_handshake ? first_bytes_.not_tls() : std::nullopt;
  const long verify_result = server ? X509_V_OK : SSL_get_verify_result(ssl_);
  const unsigned long library_error = ERR_peek_error();
  if (!server && during_handshake && verify_result != X509_V_OK) {
    reason += describe_verify_failure(verify_result, server_name_);
  } else if (received_alert_ >= 0) {
    reason += "the peer sent the fatal alert ";
    reason += alert_name(static_cast<unsigned char>(received_alert_));
  } else if (not_tls) {
    reason += *not_tls;
  } else if (socket_errno_ != 0) {
    reason += std::strerror(socket_errno_);
  } else if (socket_ended_ || code == SSL_ERROR_ZERO_RETURN ||
             (code == SSL_ERROR_SYSCALL && library_error == 0)) {
    reason += "the peer closed the connection";
  } else if (library_error != 0 && ERR_reason_error_string(library_error) != nullptr) {
    reason += ERR_reason_error_string(library_error);
  } else {
    reason += "OpenSSL error " + std::to_string(code);
  }
  IoResult failure = fail(std::move(reason));
  failure.bytes = want.bytes;
  return failure;
}

IoResult OpensslSession::start() {
  const bool server = config_->role() == TlsRole::server;
  if (!config_->setup_error().empty()) return fail("TLS setup failed: " + config_->setup_error());
  if (server && !config_->has_credentials()) return fail(std::string(kNoServerCertificate));
  if (!server && config_->verifies_peer()) {
    if (!config_->has_credentials()) return fail(std::string(kNoTrustedCa));
    if (server_name_.empty()) return fail(std::string(kNoServerName));
  }
  ssl_ = SSL_new(config_->context());
  BIO* bio = socket_method() != nullptr ? BIO_new(socket_method()) : nullptr;
  if (ssl_ == nullptr || bio == nullptr) {
    BIO_free(bio);
    return fail("TLS setup failed: out of memory");
  }
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_app_data(ssl_, this);
  SSL_set_info_callback(ssl_, info_callback);
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    const bool ip = parse_ip_literal(server_name_).has_value();
    // RFC 6066 §3: SNI carries host names only, no IP literals.
    bool named =
        ip || server_name_.empty() || SSL_set_tlsext_host_name(ssl_, server_name_.c_str()) == 1;
    if (named && config_->verifies_peer()) {
      named = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name_.c_str()) == 1
                 : SSL_set1_host(ssl_, server_name_.c_str()) == 1;
    }
    if (!named) return fail("TLS client cannot use the server name '" + server_name_ + "'");
  }
  phase_ = SessionPhase::handshaking;
  return kOk;
}

IoResult OpensslSession::drive_handshake() {
  for (;;) {
    begin_call();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      phase_ = SessionPhase::open;
      return send_unsent();  // the last flight may wait in unsent_
    }
    IoResult result = outcome(rc, kOk);
    if (result.status == IoStatus::want_read || result.status == IoStatus::want_write) {
      if (should_retry()) continue;
      // The flight OpenSSL wrote may be waiting for the socket.
      if (!unsent_.empty()) {
        if (IoResult sent = send_unsent(); sent.status != IoStatus::ok) return sent;
      }
    }
    return result;
  }
}

IoResult OpensslSession::send_unsent() {
  if (unsent_.empty()) return kOk;  // the usual case: the socket took everything
  while (unsent_offset_ < unsent_.size()) {
    const ssize_t wrote = ::send(socket_fd_, unsent_.data() + unsent_offset_,
                                 unsent_.size() - unsent_offset_, MSG_NOSIGNAL);
    if (wrote >= 0) {
      unsent_offset_ += static_cast<std::size_t>(wrote);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::want_write, 0};
    socket_errno_ = errno;
    return fail(std::string(phase_ == SessionPhase::handshaking ? "TLS handshake failed: "
                                                                : "TLS connection failed: ") +
                std::strerror(socket_errno_));
  }
  std::vector<unsigned char>().swap(unsent_);  // an idle session keeps no buffer
  unsent_offset_ = 0;
  return kOk;
}

// ---- the calls ----

IoResult OpensslSession::read_records(MutableByteView buffer) {
  for (;;) {
    begin_call();
    std::size_t got = 0;
    const int rc = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &got);
    if (rc == 1) return {IoStatus::ok, got};
    if (socket_ended_ && ERR_peek_error() == 0 && SSL_get_error(ssl_, rc) == SSL_ERROR_SYSCALL) {
      peer_ended();  // end of stream without close_notify: closed, as for mbedTLS
      return kClosed;
    }
    IoResult result = outcome(rc, kOk);
    if (result.status == IoStatus::want_read && should_retry()) continue;
    if (result.status == IoStatus::want_write && !unsent_.empty()) {
      // A record OpenSSL had to send while reading (a key update's answer) waits for us.
      if (IoResult sent = send_unsent(); sent.status != IoStatus::ok) return sent;
      continue;
    }
    return result;
  }
}

IoResult OpensslSession::write_records(ByteView data) {
  if (IoResult sent = send_unsent(); sent.status != IoStatus::ok) return sent;
  std::size_t taken = 0;
  gathering_ = true;
  while (taken < data.size()) {
    begin_call();
    std::size_t wrote = 0;
    // With partial writes on, one record per call; the BIO takes it whether or not the socket
    // does, so OpenSSL never asks for the same bytes again.
    const int rc = SSL_write_ex(ssl_, data.data() + taken, data.size() - taken, &wrote);
    if (rc != 1) {
      const IoResult failed = outcome(rc, {IoStatus::ok, taken});
      if (IoResult sent = send_gathered(); sent.status == IoStatus::error) return sent;
      return failed;
    }
    taken += wrote;
    if (gathered_records.size() >= kGatherLimit) {
      if (IoResult sent = send_gathered(); sent.status == IoStatus::error) {
        return {IoStatus::error, taken};
      }
      gathering_ = true;
    }
    if (!unsent_.empty()) break;  // the socket is full: the rest waits
  }
  const IoResult sent = send_gathered();
  if (sent.status == IoStatus::error) return {IoStatus::error, taken};
  if (!unsent_.empty()) return {IoStatus::want_write, taken};
  return {IoStatus::ok, taken};
}

IoResult OpensslSession::send_gathered() {
  gathering_ = false;
  if (gathered_records.empty()) return kOk;
  std::size_t taken = 0;
  const int rc =
      send(reinterpret_cast<const char*>(gathered_records.data()), gathered_records.size(), &taken);
  gathered_records.clear();
  if (rc != 1) {
    return fail("TLS connection failed: " + std::string(std::strerror(socket_errno_)));
  }
  return kOk;
}

IoResult OpensslSession::build_close_notify() {
  begin_call();
  const int rc = SSL_shutdown(ssl_);  // 0: ours built, the peer's not yet read; 1: both
  if (rc < 0) return outcome(rc, kOk);
  return kOk;
}

bool OpensslSession::library_handshake_over() const noexcept {
  return ssl_ != nullptr && SSL_is_init_finished(ssl_) == 1;
}

bool OpensslSession::input_drained() const noexcept {
  return socket_drained_ && !has_buffered_input();
}

bool OpensslSession::has_buffered_input() const noexcept {
  // Decrypted data not yet read, or record bytes read ahead from the socket.
  return ssl_ != nullptr && (SSL_pending(ssl_) > 0 || SSL_has_pending(ssl_) == 1);
}

std::string_view OpensslSession::alpn_protocol() const noexcept {
  if (ssl_ == nullptr) return {};
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &protocol, &length);
  return protocol != nullptr ? std::string_view(reinterpret_cast<const char*>(protocol), length)
                             : std::string_view();
}

std::string_view OpensslSession::cipher_suite() const noexcept {
  if (!handshake_complete()) return {};
  const char* name = SSL_get_cipher_name(ssl_);
  return name != nullptr ? name : "";
}

std::string_view OpensslSession::protocol_version() const noexcept {
  if (!handshake_complete()) return {};
  return SSL_get_version(ssl_);
}

}  // namespace wscore::transport::detail

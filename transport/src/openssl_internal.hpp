// SPDX-License-Identifier: MIT
// The OpenSSL 3 backend: its configuration (an SSL_CTX with the server's credentials or the
// client's trusted CAs) and its session (an SSL over the socket, through a BIO of our own that
// calls recv/send, so that want_read/want_write mean the socket said EAGAIN).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls_engine.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport::detail {

class OpensslConfig final : public TlsConfigEngine {
 public:
  explicit OpensslConfig(TlsRole role) noexcept;
  ~OpensslConfig() override;
  OpensslConfig(const OpensslConfig&) = delete;
  OpensslConfig& operator=(const OpensslConfig&) = delete;

  std::optional<TlsError> load_credentials(const std::filesystem::path& cert_file,
                                           const std::filesystem::path& key_file) override;
  bool has_credentials() const noexcept override { return has_credentials_; }
  std::optional<TlsError> load_ca(const std::filesystem::path& path) override;
  void disable_verification() noexcept override;
  bool verifies_peer() const noexcept override { return verify_peer_; }
  std::unique_ptr<TlsSessionEngine> make_session(int socket_fd,
                                                 std::string_view server_name) const override;

  TlsRole role() const noexcept { return role_; }
  SSL_CTX* context() const noexcept { return context_; }
  // Why the SSL_CTX could not be set up; empty when it was.
  const std::string& setup_error() const noexcept { return setup_error_; }

 private:
  // Adds the certificates of one file (a PEM bundle or one DER certificate) to the trust store;
  // how many were added.
  std::size_t add_trusted(const std::vector<unsigned char>& contents);

  TlsRole role_;
  SSL_CTX* context_ = nullptr;
  std::string setup_error_;
  bool has_credentials_ = false;  // server: chain and key loaded; client: at least one CA loaded
  bool verify_peer_ = true;       // client only
};

class OpensslSession final : public TlsSessionEngine {
 public:
  OpensslSession(const OpensslConfig& config, int socket_fd, std::string_view server_name);
  ~OpensslSession() override;
  OpensslSession(const OpensslSession&) = delete;
  OpensslSession& operator=(const OpensslSession&) = delete;

  bool has_buffered_input() const noexcept override;
  bool input_drained() const noexcept override;
  std::string_view error() const noexcept override { return error_; }
  std::string_view alpn_protocol() const noexcept override;
  std::string_view cipher_suite() const noexcept override;
  std::string_view protocol_version() const noexcept override;
  int socket_fd() const noexcept override { return socket_fd_; }

  // The BIO's calls (openssl_session.cpp).
  int receive(char* buffer, std::size_t length, std::size_t* received);
  int send(const char* data, std::size_t length, std::size_t* sent);
  void note_alert(int where, int value) noexcept;

 private:
  IoResult start() override;
  IoResult drive_handshake() override;
  IoResult read_records(MutableByteView buffer) override;
  IoResult write_records(ByteView data) override;
  IoResult flush_records() override { return send_unsent(); }
  IoResult build_close_notify() override;
  bool library_handshake_over() const noexcept override;
  IoResult send_unsent();
  IoResult send_gathered();
  IoResult fail(std::string reason);
  // From SSL_get_error's answer for a call that returned `rc`: the result to report, with the
  // failure worded once.
  IoResult outcome(int rc, IoResult want);
  void begin_call() noexcept;
  bool should_retry() const noexcept { return !socket_would_block_ && socket_progress_; }

  const OpensslConfig* config_;
  SSL* ssl_ = nullptr;  // made on the first call
  int socket_fd_;
  // Set by the BIO during one OpenSSL call, as for the mbedTLS session: did a read of the
  // socket say EAGAIN, did any bytes move, did it end, did it fail.
  bool socket_would_block_ = false;
  bool socket_progress_ = false;
  bool socket_ended_ = false;
  bool socket_drained_ = false;  // the last read of the socket got less than it asked for
  bool gathering_ = false;       // within write(): records go to gathered_records
  int socket_errno_ = 0;
  int received_alert_ = -1;  // the description of a fatal alert the peer sent, or -1
  FirstBytes first_bytes_;
  std::string server_name_;  // client: for SNI, verification and messages
  std::string error_;
  // Encrypted bytes the socket did not take (OpenSSL itself never sees a full socket: the BIO
  // takes every record, so the caller's bytes are taken once); freed once sent.
  std::vector<unsigned char> unsent_;
  std::size_t unsent_offset_ = 0;
};

}  // namespace wscore::transport::detail

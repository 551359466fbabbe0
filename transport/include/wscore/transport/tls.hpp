// SPDX-License-Identifier: MIT
/// @file
/// TLS over a non-blocking stream socket: a configuration shared by many connections
/// (TlsServerConfig, TlsClientConfig) and one TlsSession per connection, on one of two backends
/// chosen at run time (TlsBackend): mbedTLS 2.28 (the default) or OpenSSL 3.
///
/// Protocol, both backends: ECDHE key exchange with AEAD suites only (RFC 8422, RFC 7905,
/// RFC 5288), ALPN "http/1.1" (RFC 7301), SNI on the client (RFC 6066 §3), no renegotiation, no
/// session resumption. mbedTLS: TLS 1.2 only (RFC 5246; mbedTLS 2.28's TLS 1.3 is experimental).
/// OpenSSL: TLS 1.3 (RFC 8446) and 1.2, its record buffers released while a connection is idle.
///
/// @code
///   TlsServerConfig config;
///   if (auto failure = config.load(cert_file, key_file)) { print failure->message; exit 2; }
///   TlsSession tls = TlsSession::server(config, accepted_nonblocking_fd);
///   // on readiness: tls.handshake() until ok, then tls.read(...) / tls.write(...)
///   // at the end: tls.close_notify() (until not want_write), then close the fd.
/// @endcode
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wscore/bytes.hpp"

namespace wscore::transport {

namespace detail {
class TlsConfigEngine;
class TlsSessionEngine;
}  // namespace detail

/// Which TLS library a configuration, and every session made from it, runs on.
enum class TlsBackend : std::uint8_t {
  mbedtls,  ///< mbedTLS 2.28 (Debian's libmbedtls): TLS 1.2; always built
  openssl,  ///< OpenSSL 3 (Debian's libssl): TLS 1.3 and 1.2; built when CMake finds OpenSSL
};

/// "mbedtls" or "openssl".
std::string_view tls_backend_name(TlsBackend backend) noexcept;
/// The backend named `name` ("mbedtls", "openssl"), or nullopt for any other text.
std::optional<TlsBackend> parse_tls_backend(std::string_view name) noexcept;
/// False for OpenSSL when this build has no OpenSSL (a config for it then fails to load).
bool tls_backend_available(TlsBackend backend) noexcept;

/// What a non-blocking operation did. `want_read` and `want_write` are only reported once the
/// socket itself said EAGAIN, so an edge-triggered loop may wait for the next readiness event.
enum class IoStatus {
  ok,          ///< done: `bytes` were read into the caller's buffer or taken from the caller's data
  want_read,   ///< call the same operation again once the socket is readable
  want_write,  ///< call the same operation again once the socket is writable
  closed,      ///< the peer ended the stream: close_notify, or end of stream after the handshake
  error,       ///< fatal; TlsSession::error() says why, and every later call reports it again
};

/// What one TlsSession operation did.
struct IoResult {
  /// How it ended.
  IoStatus status;
  std::size_t bytes;  ///< bytes read or taken; write() may take some and still say want_write
};

/// Why loading a certificate, key or CA store failed, or why a certificate could not be created:
/// one line that names the file.
struct TlsError {
  /// The line, naming the file or directory.
  std::string message;
};

/// The server side's settings and credentials, shared by the sessions of one event loop: the
/// suites below, ALPN "http/1.1" (a client that offers ALPN without it is refused with the
/// no_application_protocol alert, RFC 7301 §3.2), and the backend's random generator.
///
/// mbedTLS suites, in the server's order of preference, fastest first as measured on this machine
/// with mbedTLS 2.28, one core: encrypting 16 KiB records, ChaCha20-Poly1305 ~420 MB/s, AES-128-GCM
/// ~255 MB/s, AES-256-GCM ~235 MB/s; through a server and client session pair over a socketpair,
/// 128, 65 and 57 MB/s. ECDSA and RSA variants of each; the certificate's key type decides which
/// apply. OpenSSL: TLS 1.3's suites (AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM), and for TLS 1.2
/// ECDHE with AES-GCM or ChaCha20-Poly1305, in the client's order (with AES-NI, AES-GCM is fastest
/// there).
///
/// Lifetime: every session made from a config points into it, so the config must outlive its
/// sessions. Moving a config keeps those pointers valid (its state lives on the heap).
/// Threads: make one config per event-loop thread, and use its sessions on that thread only.
/// (mbedTLS locks the random generator, but on first use caches precomputed curve values inside
/// the private key's context without a lock; separate configs also avoid contention.)
class TlsServerConfig {
 public:
  /// A configuration with no certificate yet, on `backend`: load() comes next.
  explicit TlsServerConfig(TlsBackend backend = TlsBackend::mbedtls);
  /// Frees the credentials; no session made from it may be used afterwards.
  ~TlsServerConfig();
  /// Takes over `other`'s state; sessions made from `other` keep working.
  TlsServerConfig(TlsServerConfig&& other) noexcept;
  /// Takes over `other`'s state, freeing this one's.
  TlsServerConfig& operator=(TlsServerConfig&& other) noexcept;
  /// Not copyable: sessions point into it.
  TlsServerConfig(const TlsServerConfig&) = delete;
  /// Not copyable: sessions point into it.
  TlsServerConfig& operator=(const TlsServerConfig&) = delete;

  /// Loads the certificate chain (PEM or DER, the server's own certificate first) and its
  /// unencrypted private key (EC or RSA, PEM or DER), and checks that the key belongs to the
  /// certificate. Call once, before making sessions. On failure nothing is loaded and the
  /// message names the file: missing, unreadable, not a certificate/key, or a mismatched key.
  [[nodiscard]] std::optional<TlsError> load(const std::filesystem::path& cert_file,
                                             const std::filesystem::path& key_file);
  /// True once load() has succeeded.
  bool loaded() const noexcept;
  /// The backend its sessions run on.
  TlsBackend backend() const noexcept { return backend_; }

 private:
  friend class TlsSession;
  std::unique_ptr<detail::TlsConfigEngine> state_;
  TlsBackend backend_;
};

/// The client side's settings: which certificates to trust, ALPN "http/1.1", the same suites as
/// the server, and a random generator. Peers are verified by default, against the CAs loaded
/// with load_ca() or load_system_ca(); with none loaded, every handshake fails. Lifetime and
/// threads: as for TlsServerConfig.
class TlsClientConfig {
 public:
  /// A configuration on `backend` that verifies peers and trusts no CA yet: load_ca() or
  /// load_system_ca().
  explicit TlsClientConfig(TlsBackend backend = TlsBackend::mbedtls);
  /// Frees it; no session made from it may be used afterwards.
  ~TlsClientConfig();
  /// Takes over `other`'s state; sessions made from `other` keep working.
  TlsClientConfig(TlsClientConfig&& other) noexcept;
  /// Takes over `other`'s state, freeing this one's.
  TlsClientConfig& operator=(TlsClientConfig&& other) noexcept;
  /// Not copyable: sessions point into it.
  TlsClientConfig(const TlsClientConfig&) = delete;
  /// Not copyable: sessions point into it.
  TlsClientConfig& operator=(const TlsClientConfig&) = delete;

  /// Trusts the CA certificates in `path`: a PEM file (a bundle), a DER file, or a directory of
  /// such files. May be called more than once; certificates add up. Call before making sessions.
  [[nodiscard]] std::optional<TlsError> load_ca(const std::filesystem::path& path);
  /// Trusts the system store: /etc/ssl/certs/ca-certificates.crt, else the /etc/ssl/certs
  /// directory.
  [[nodiscard]] std::optional<TlsError> load_system_ca();
  /// Accepts any certificate for any name: encryption without authentication, no protection
  /// from an active attacker. Only for an explicit request (`--insecure`).
  void disable_verification() noexcept;
  /// False once disable_verification() was called.
  bool verifies_peer() const noexcept;
  /// The backend its sessions run on.
  TlsBackend backend() const noexcept { return backend_; }

 private:
  friend class TlsSession;
  std::unique_ptr<detail::TlsConfigEngine> state_;
  TlsBackend backend_;
};

/// One TLS connection over a connected, non-blocking stream socket (TCP or a Unix socketpair).
///
/// The session reads and writes the socket (recv/send with MSG_NOSIGNAL) but never closes it:
/// the caller closes the fd after it is done with the session. The session points into its
/// config, which must outlive it. Moving a session is cheap and keeps it working.
///
/// Memory, mbedTLS: a session holds ~0.9 KB until its first call; then mbedTLS allocates two
/// record buffers of 16,717 bytes each, kept for the session's whole life (Debian's mbedTLS 2.28
/// is built without MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH, so neither can shrink, and a negotiated
/// max_fragment_length does not shrink them either). Measured per idle session after the
/// handshake: 35.4 KB for a server, 37.3 KB for a client (which keeps the server's certificate).
/// The handshake's temporary state is freed when it completes. OpenSSL: the record buffers are
/// released whenever they are empty (SSL_MODE_RELEASE_BUFFERS), so an idle session keeps only
/// its keys and state; encrypted bytes the socket did not take wait in a buffer of the session
/// that is freed once sent.
///
/// Errors: `error` results are final; error() gives a short, one-line reason (for a client, the
/// certificate verification failure in words). A plain-HTTP request or other non-TLS bytes sent
/// to a server session fail its handshake at once.
class TlsSession {
 public:
  /// The server side of the connection on `socket_fd`.
  static TlsSession server(const TlsServerConfig& config, int socket_fd);
  /// The client side of the connection on `socket_fd` to `server_name`: a DNS name (sent as SNI
  /// and matched against the certificate's DNS names) or an IPv4/IPv6 literal, brackets allowed
  /// (matched against its IP address entries; no SNI, RFC 6066 §3). `server_name` is copied.
  static TlsSession client(const TlsClientConfig& config, int socket_fd,
                           std::string_view server_name);

  TlsSession() noexcept;  ///< an empty session: every call reports error
  /// Frees the session's memory; the socket stays open.
  ~TlsSession();
  /// Takes over `other`'s connection.
  TlsSession(TlsSession&& other) noexcept;
  /// Takes over `other`'s connection, freeing this one.
  TlsSession& operator=(TlsSession&& other) noexcept;
  /// Not copyable: one session per connection.
  TlsSession(const TlsSession&) = delete;
  /// Not copyable: one session per connection.
  TlsSession& operator=(const TlsSession&) = delete;

  /// Drives the handshake: want_read / want_write until it completes (ok, bytes 0) or fails.
  /// Calling it again after completion returns ok.
  IoResult handshake();

  /// Reads decrypted application data into `buffer`. ok with bytes > 0; want_read when the socket
  /// is drained; closed on the peer's close_notify or end of stream (then answer with
  /// close_notify()). Keep reading until want_read: a record larger than `buffer` stays buffered
  /// inside the session, where no readiness event will announce it (see has_buffered_input()).
  /// Before the handshake has completed, drives the handshake and reports its progress.
  IoResult read(MutableByteView buffer);

  /// Encrypts and sends `data`. ok: all of it was taken and sent. want_write: `bytes` of it were
  /// taken (perhaps all, perhaps none); the rest waits for the socket. Call write() again with
  /// the rest, or flush(), once the socket is writable. Taken bytes are never taken again, so
  /// the caller need not repeat them (the session handles mbedTLS's rule that a record it has
  /// begun to send must be finished first). closed after close_notify from either side.
  /// Before the handshake has completed, drives the handshake and takes nothing.
  /// Taken bytes are encrypted at once: `data` may be reused when write() returns.
  IoResult write(ByteView data);

  /// Sends what an earlier write() took but could not send. ok when nothing is left.
  IoResult flush();

  /// Sends close_notify (RFC 5246 §7.2.1): the end of our data. ok once sent; want_write: call
  /// again when writable. Afterwards read() may still collect the peer's close_notify; write()
  /// reports closed.
  IoResult close_notify();

  /// True once the handshake has completed.
  bool handshake_complete() const noexcept;
  /// True when input waits inside the session (decrypted data, or bytes of a record taken from
  /// the socket): read() has more to give although the socket may not become readable again.
  bool has_buffered_input() const noexcept;
  /// True when the session's last read of the socket got fewer bytes than it asked for (or
  /// EAGAIN) and nothing waits inside the session: the socket was empty then, so a level-triggered
  /// loop may wait for readiness instead of reading again only to be told EAGAIN. (read()'s
  /// want_read still means EAGAIN itself, for edge-triggered loops.) mbedTLS reads exactly a
  /// record's length, so on mbedTLS this is always false.
  bool input_drained() const noexcept;
  /// Why the session failed; empty unless a call returned error. The view lives as long as the
  /// session (or until it is moved from).
  std::string_view error() const noexcept;
  /// After the handshake: the protocol the peer agreed to by ALPN ("http/1.1"), or empty.
  /// @lifetime Valid as long as the session (mbedTLS: our own protocol list, a literal).
  std::string_view alpn_protocol() const noexcept;
  /// After the handshake: the suite in use, e.g. "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256".
  /// Names differ by backend (OpenSSL: "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_AES_256_GCM_SHA384").
  /// @lifetime A name from the library's static table: valid for the life of the program.
  std::string_view cipher_suite() const noexcept;
  /// After the handshake: the protocol version in use, "TLSv1.2" or "TLSv1.3"; else empty.
  /// @lifetime A string literal.
  std::string_view protocol_version() const noexcept;
  /// The socket the session reads and writes (the caller closes it).
  int socket_fd() const noexcept;

 private:
  explicit TlsSession(std::unique_ptr<detail::TlsSessionEngine> engine) noexcept;
  std::unique_ptr<detail::TlsSessionEngine> engine_;
};

}  // namespace wscore::transport

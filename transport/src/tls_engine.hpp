// SPDX-License-Identifier: MIT
// The two interfaces a TLS backend implements behind TlsServerConfig/TlsClientConfig (a
// configuration) and TlsSession (a connection), the factories of each backend, and what the
// backends share: TLS roles, file loading with one-line errors, the peer's first bytes (to name
// plain HTTP sent to the TLS port), IP literals and alert names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/transport/tls.hpp"

namespace wscore::transport::detail {

enum class TlsRole : std::uint8_t { server, client };

// Where a session is in its life; each backend walks it in its own calls.
enum class SessionPhase : std::uint8_t {
  not_started,  // nothing allocated yet: the library's session is set up on the first call
  handshaking,
  open,
  sent_close,   // we sent close_notify; the peer's may still arrive
  peer_closed,  // the peer sent close_notify or ended the stream; ours is still due
  closed,       // nothing more will be read or written
  failed,
};

// One connection's TLS, as TlsSession describes each call. The phase is walked here, in one
// place, for both backends; each backend drives its library in the hooks below, which are only
// called in the phases named.
class TlsSessionEngine {
 public:
  virtual ~TlsSessionEngine() = default;
  IoResult handshake();
  IoResult read(MutableByteView buffer);
  IoResult write(ByteView data);
  IoResult flush();
  IoResult close_notify();
  bool handshake_complete() const noexcept;
  virtual bool has_buffered_input() const noexcept = 0;
  virtual bool input_drained() const noexcept = 0;
  virtual std::string_view error() const noexcept = 0;
  virtual std::string_view alpn_protocol() const noexcept = 0;
  virtual std::string_view cipher_suite() const noexcept = 0;
  virtual std::string_view protocol_version() const noexcept = 0;
  virtual int socket_fd() const noexcept = 0;

 protected:
  // not_started: sets the library's session up (handshaking), or fails.
  virtual IoResult start() = 0;
  // handshaking: until open, want_read/want_write, or failed.
  virtual IoResult drive_handshake() = 0;
  // open or sent_close, `buffer` not empty: data, want_read/want_write, closed (peer_ended()
  // called) or failed.
  virtual IoResult read_records(MutableByteView buffer) = 0;
  // open: the earlier output first, then as much of `data` as the socket takes.
  virtual IoResult write_records(ByteView data) = 0;
  // After the handshake: sends what earlier calls took and could not send.
  virtual IoResult flush_records() = 0;
  // open or peer_closed, earlier output sent: builds the close_notify alert (ok; it may still
  // wait in the output) or fails.
  virtual IoResult build_close_notify() = 0;
  // closed: whether the handshake had completed before.
  virtual bool library_handshake_over() const noexcept = 0;

  void peer_ended() noexcept {
    phase_ = phase_ == SessionPhase::sent_close ? SessionPhase::closed : SessionPhase::peer_closed;
  }

  SessionPhase phase_ = SessionPhase::not_started;
};

// One configuration, of either role: the server's credentials or the client's trusted CAs.
class TlsConfigEngine {
 public:
  virtual ~TlsConfigEngine() = default;
  // Server: the chain and its key (TlsServerConfig::load).
  virtual std::optional<TlsError> load_credentials(const std::filesystem::path& cert_file,
                                                   const std::filesystem::path& key_file) = 0;
  // Server: credentials loaded. Client: at least one CA loaded.
  virtual bool has_credentials() const noexcept = 0;
  // Client: adds the CAs in a file or a directory of files (TlsClientConfig::load_ca).
  virtual std::optional<TlsError> load_ca(const std::filesystem::path& path) = 0;
  virtual void disable_verification() noexcept = 0;
  virtual bool verifies_peer() const noexcept = 0;
  // A session on `socket_fd`; `server_name` (client only) without URL brackets.
  virtual std::unique_ptr<TlsSessionEngine> make_session(int socket_fd,
                                                         std::string_view server_name) const = 0;
};

std::unique_ptr<TlsConfigEngine> make_mbedtls_config(TlsRole role);
// nullptr when this build has no OpenSSL.
std::unique_ptr<TlsConfigEngine> make_openssl_config(TlsRole role);

inline constexpr IoResult kIoOk{IoStatus::ok, 0};
inline constexpr IoResult kIoClosed{IoStatus::closed, 0};
inline constexpr IoResult kIoError{IoStatus::error, 0};

// Reads a whole file for a parser, NUL-terminated (PEM parsing needs it). On failure the
// message says `what` ("certificate file", "key file", ...) could not be read and why.
std::optional<TlsError> read_file_for_parsing(const std::filesystem::path& path,
                                              std::string_view what,
                                              std::vector<unsigned char>& contents);
// Overwrites and releases file contents that held a private key.
void wipe(std::vector<unsigned char>& contents) noexcept;
// '<path>' quoted for a message.
std::string quoted(const std::filesystem::path& path);

// The peer's first bytes (a record header's worth), to name non-TLS input in messages.
class FirstBytes {
 public:
  void remember(const unsigned char* data, std::size_t length) noexcept {
    while (seen_ < sizeof bytes_ && length-- > 0)
      bytes_[seen_++] = *data++;
  }
  // Why a server's handshake failed when the peer's first bytes were not a TLS handshake
  // record (plain HTTP, or anything else); nullopt when they were, or none came.
  std::optional<std::string_view> not_tls() const noexcept;

 private:
  unsigned char bytes_[5] = {};
  std::uint8_t seen_ = 0;
};

// An IPv4 or IPv6 literal in binary (network order): 4 or 16 bytes, or nullopt for a name.
struct IpAddress {
  std::uint8_t bytes[16];
  std::uint8_t length;
};
std::optional<IpAddress> parse_ip_literal(std::string_view text) noexcept;

// The name of a TLS alert (RFC 5246 §7.2, RFC 8446 §6), e.g. "handshake_failure".
std::string_view alert_name(unsigned char description) noexcept;

// The messages both backends give for a session that cannot start.
inline constexpr std::string_view kNoServerCertificate = "TLS server has no certificate loaded";
inline constexpr std::string_view kNoTrustedCa =
    "TLS client has no trusted CA certificates loaded (load a CA file or the system store, or "
    "disable verification)";
inline constexpr std::string_view kNoServerName = "TLS client needs a server name to verify";

}  // namespace wscore::transport::detail

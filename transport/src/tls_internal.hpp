// SPDX-License-Identifier: MIT
// What the TLS sources share and the public headers keep hidden: the mbedTLS objects behind a
// config, file loading with one-line errors, and error descriptions.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/transport/tls.hpp"

namespace wscore::transport::detail {

// A CTR_DRBG seeded from the system's entropy sources. Not movable: mbedTLS keeps pointers to it.
class CtrDrbg {
 public:
  CtrDrbg() noexcept;
  ~CtrDrbg();
  CtrDrbg(const CtrDrbg&) = delete;
  CtrDrbg& operator=(const CtrDrbg&) = delete;

  // mbedTLS's error code if seeding failed, else 0. A failed generator must not be used.
  int seed_error() const noexcept { return seed_error_; }
  // For mbedTLS's f_rng/p_rng parameters.
  static int generate(void* self, unsigned char* output, std::size_t length) noexcept;
  void* context() noexcept { return &drbg_; }

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  int seed_error_ = 0;
};

enum class TlsRole : std::uint8_t { server, client };

// Everything behind a TlsServerConfig or TlsClientConfig. Lives on the heap so that the
// mbedtls_ssl_config, which sessions point to, never moves.
struct TlsConfigState {
  explicit TlsConfigState(TlsRole role) noexcept;
  ~TlsConfigState();
  TlsConfigState(const TlsConfigState&) = delete;
  TlsConfigState& operator=(const TlsConfigState&) = delete;

  TlsRole role;
  mbedtls_ssl_config ssl_config;
  CtrDrbg random;
  int setup_error = 0;  // from mbedtls_ssl_config_defaults, or the generator's seed error
  // Server: its own chain and key. Client: the trusted CAs (the key is unused).
  mbedtls_x509_crt certificates;
  mbedtls_pk_context key;
  bool has_credentials = false;  // server: chain and key loaded; client: at least one CA loaded
  bool verify_peer = true;       // client only
};

// Reads a whole file for mbedTLS's parsers, NUL-terminated (PEM parsing needs it). On failure
// the message says `what` ("certificate file", "key file", ...) could not be read and why.
std::optional<TlsError> read_file_for_parsing(const std::filesystem::path& path,
                                              std::string_view what,
                                              std::vector<unsigned char>& contents);
// Overwrites and releases file contents that held a private key.
void wipe(std::vector<unsigned char>& contents) noexcept;

// '<path>' quoted for a message.
std::string quoted(const std::filesystem::path& path);

// A short, one-line description of an mbedTLS error code.
std::string describe_mbedtls_error(int code);
// A one-line description of X.509 verification flags (mbedtls_ssl_get_verify_result), naming
// `server_name` when the certificate does not cover it.
std::string describe_verify_failure(std::uint32_t flags, std::string_view server_name);
// The name of a TLS alert (RFC 5246 §7.2), e.g. "handshake_failure".
std::string_view alert_name(unsigned char description) noexcept;

// An IPv4 or IPv6 literal in binary (network order): 4 or 16 bytes, or nullopt for a name.
struct IpAddress {
  std::uint8_t bytes[16];
  std::uint8_t length;
};
std::optional<IpAddress> parse_ip_literal(std::string_view text) noexcept;
// True when the certificate's subjectAltName holds an iPAddress entry equal to `address`
// (RFC 5280 §4.2.1.6). mbedTLS 2.28 matches only dNSName entries itself.
bool certificate_covers_ip(const mbedtls_x509_crt& certificate, const IpAddress& address) noexcept;

}  // namespace wscore::transport::detail

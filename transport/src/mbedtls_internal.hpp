// SPDX-License-Identifier: MIT
// The mbedTLS backend's configuration (the objects behind a TlsServerConfig or TlsClientConfig),
// its random generator, and mbedTLS's errors and verification flags in words.
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

#include "tls_engine.hpp"
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

// Everything behind a TlsServerConfig or TlsClientConfig on mbedTLS. Lives on the heap so that
// the mbedtls_ssl_config, which sessions point to, never moves.
class MbedtlsConfig final : public TlsConfigEngine {
 public:
  explicit MbedtlsConfig(TlsRole role) noexcept;
  ~MbedtlsConfig() override;
  MbedtlsConfig(const MbedtlsConfig&) = delete;
  MbedtlsConfig& operator=(const MbedtlsConfig&) = delete;

  std::optional<TlsError> load_credentials(const std::filesystem::path& cert_file,
                                           const std::filesystem::path& key_file) override;
  bool has_credentials() const noexcept override { return has_credentials_; }
  std::optional<TlsError> load_ca(const std::filesystem::path& path) override;
  void disable_verification() noexcept override;
  bool verifies_peer() const noexcept override { return verify_peer_; }
  std::unique_ptr<TlsSessionEngine> make_session(int socket_fd,
                                                 std::string_view server_name) const override;

  TlsRole role() const noexcept { return role_; }
  int setup_error() const noexcept { return setup_error_; }
  const mbedtls_ssl_config& ssl_config() const noexcept { return ssl_config_; }

 private:
  void apply_common_settings(int endpoint);

  TlsRole role_;
  mbedtls_ssl_config ssl_config_;
  CtrDrbg random_;
  int setup_error_ = 0;  // from mbedtls_ssl_config_defaults, or the generator's seed error
  // Server: its own chain and key. Client: the trusted CAs (the key is unused).
  mbedtls_x509_crt certificates_;
  mbedtls_pk_context key_;
  bool has_credentials_ = false;  // server: chain and key loaded; client: at least one CA loaded
  bool verify_peer_ = true;       // client only
};

// A short, one-line description of an mbedTLS error code.
std::string describe_mbedtls_error(int code);
// A one-line description of X.509 verification flags (mbedtls_ssl_get_verify_result), naming
// `server_name` when the certificate does not cover it.
std::string describe_verify_failure(std::uint32_t flags, std::string_view server_name);

// True when the certificate's subjectAltName holds an iPAddress entry equal to `address`
// (RFC 5280 §4.2.1.6). mbedTLS 2.28 matches only dNSName entries itself.
bool certificate_covers_ip(const mbedtls_x509_crt& certificate, const IpAddress& address) noexcept;

}  // namespace wscore::transport::detail

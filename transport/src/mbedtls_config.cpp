// SPDX-License-Identifier: MIT
// The mbedTLS backend's configuration: settings, the random generator, and loading certificates
// and keys with one-line errors that name the file.
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "mbedtls_internal.hpp"
#include "mbedtls_session.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {
namespace detail {
namespace {

// Server preference order, fastest first on this machine with mbedTLS 2.28 (see tls.hpp for the
// figures); the server's order wins because Debian's build leaves
// MBEDTLS_SSL_SRV_RESPECT_CLIENT_PREFERENCE off. Only ECDHE (forward secrecy) with AEAD ciphers.
const int kCipherSuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

// X25519 first: the fastest key exchange in mbedTLS, and what browsers offer first.
const mbedtls_ecp_group_id kCurves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1,  MBEDTLS_ECP_DP_NONE,
};

// RFC 7301 §3.1; mbedTLS keeps the pointer, so the list is static.
const char* kAlpnProtocols[] = {"http/1.1", nullptr};

std::size_t count_certificates(const mbedtls_x509_crt& chain) noexcept {
  std::size_t count = 0;
  for (const mbedtls_x509_crt* entry = &chain; entry != nullptr; entry = entry->next) {
    if (entry->raw.p != nullptr) ++count;
  }
  return count;
}

}  // namespace

CtrDrbg::CtrDrbg() noexcept {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  static constexpr unsigned char kPersonalization[] = "wscore transport";
  seed_error_ = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, kPersonalization,
                                      sizeof kPersonalization - 1);
}

CtrDrbg::~CtrDrbg() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

int CtrDrbg::generate(void* self, unsigned char* output, std::size_t length) noexcept {
  return mbedtls_ctr_drbg_random(&static_cast<CtrDrbg*>(self)->drbg_, output, length);
}

MbedtlsConfig::MbedtlsConfig(TlsRole config_role) noexcept : role_(config_role) {
  mbedtls_ssl_config_init(&ssl_config_);
  mbedtls_x509_crt_init(&certificates_);
  mbedtls_pk_init(&key_);
  if (role_ == TlsRole::server) {
    apply_common_settings(MBEDTLS_SSL_IS_SERVER);
    // No client certificates: a WebSocket server authenticates its users above TLS.
    mbedtls_ssl_conf_authmode(&ssl_config_, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    apply_common_settings(MBEDTLS_SSL_IS_CLIENT);
    mbedtls_ssl_conf_authmode(&ssl_config_, MBEDTLS_SSL_VERIFY_REQUIRED);
    // Tickets would be kept per session and never used: sessions are not resumed.
    mbedtls_ssl_conf_session_tickets(&ssl_config_, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  }
}

MbedtlsConfig::~MbedtlsConfig() {
  mbedtls_ssl_config_free(&ssl_config_);
  mbedtls_pk_free(&key_);
  mbedtls_x509_crt_free(&certificates_);
}

// Settings both roles share: TLS 1.2 only, the suites, curves, ALPN and the random generator.
void MbedtlsConfig::apply_common_settings(int endpoint) {
  setup_error_ = mbedtls_ssl_config_defaults(&ssl_config_, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                             MBEDTLS_SSL_PRESET_DEFAULT);
  if (setup_error_ == 0) setup_error_ = random_.seed_error();
  if (setup_error_ == 0) {
    setup_error_ = mbedtls_ssl_conf_alpn_protocols(&ssl_config_, kAlpnProtocols);
  }
  mbedtls_ssl_conf_rng(&ssl_config_, CtrDrbg::generate, &random_);
  // mbedTLS 2.28's TLS 1.3 is experimental (and off in Debian's build): 1.2 at both ends.
  mbedtls_ssl_conf_min_version(&ssl_config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&ssl_config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&ssl_config_, kCipherSuites);
  mbedtls_ssl_conf_curves(&ssl_config_, kCurves);
  mbedtls_ssl_conf_renegotiation(&ssl_config_, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
}

std::optional<TlsError> MbedtlsConfig::load_credentials(const std::filesystem::path& cert_file,
                                                        const std::filesystem::path& key_file) {
  if (setup_error_ != 0) {
    return TlsError{"TLS setup failed: " + describe_mbedtls_error(setup_error_)};
  }
  const auto discard = [this] {
    mbedtls_x509_crt_free(&certificates_);
    mbedtls_x509_crt_init(&certificates_);
    mbedtls_pk_free(&key_);
    mbedtls_pk_init(&key_);
  };

  std::vector<unsigned char> contents;
  if (auto failure = read_file_for_parsing(cert_file, "certificate file", contents)) {
    return failure;
  }
  int rc = mbedtls_x509_crt_parse(&certificates_, contents.data(), contents.size());
  if (rc != 0) {
    discard();
    if (rc > 0) {
      return TlsError{"certificate file " + quoted(cert_file) + ": " + std::to_string(rc) +
                      " of its certificates could not be parsed"};
    }
    return TlsError{"certificate file " + quoted(cert_file) +
                    ": not a certificate (expected X.509 in PEM or DER)"};
  }

  if (auto failure = read_file_for_parsing(key_file, "key file", contents)) {
    discard();
    return failure;
  }
  rc = mbedtls_pk_parse_key(&key_, contents.data(), contents.size(), nullptr, 0);
  wipe(contents);
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
    discard();
    return TlsError{"key file " + quoted(key_file) +
                    ": the key is encrypted; an unencrypted key is needed"};
  }
  if (rc != 0) {
    discard();
    return TlsError{"key file " + quoted(key_file) +
                    ": not a private key (expected EC or RSA in PEM or DER)"};
  }
  if (mbedtls_pk_check_pair(&certificates_.pk, &key_) != 0) {
    discard();
    return TlsError{"key file " + quoted(key_file) +
                    ": the key does not match the certificate in " + quoted(cert_file)};
  }
  rc = mbedtls_ssl_conf_own_cert(&ssl_config_, &certificates_, &key_);
  if (rc != 0) {
    discard();
    return TlsError{"certificate file " + quoted(cert_file) + ": " + describe_mbedtls_error(rc)};
  }
  has_credentials_ = true;
  return std::nullopt;
}

std::optional<TlsError> MbedtlsConfig::load_ca(const std::filesystem::path& path) {
  const std::size_t before = count_certificates(certificates_);

  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    const int rc = mbedtls_x509_crt_parse_path(&certificates_, path.c_str());
    if (rc < 0 && rc != MBEDTLS_ERR_X509_FILE_IO_ERROR) {
      return TlsError{"CA directory " + quoted(path) + ": " + describe_mbedtls_error(rc)};
    }
    if (rc == MBEDTLS_ERR_X509_FILE_IO_ERROR) {
      return TlsError{"CA directory " + quoted(path) + ": cannot be read"};
    }
    if (count_certificates(certificates_) == before) {
      return TlsError{"CA directory " + quoted(path) + ": holds no certificate"};
    }
  } else {
    std::vector<unsigned char> contents;
    if (auto failure = read_file_for_parsing(path, "CA file", contents)) return failure;
    // A bundle may hold certificates mbedTLS cannot parse (a positive count): the others count.
    const int rc = mbedtls_x509_crt_parse(&certificates_, contents.data(), contents.size());
    if (rc < 0 || count_certificates(certificates_) == before) {
      return TlsError{"CA file " + quoted(path) +
                      ": not a certificate (expected X.509 in PEM or DER)"};
    }
  }
  if (!has_credentials_) {
    mbedtls_ssl_conf_ca_chain(&ssl_config_, &certificates_, nullptr);
    has_credentials_ = true;
  }
  return std::nullopt;
}

void MbedtlsConfig::disable_verification() noexcept {
  verify_peer_ = false;
  mbedtls_ssl_conf_authmode(&ssl_config_, MBEDTLS_SSL_VERIFY_NONE);
}

std::unique_ptr<TlsSessionEngine> MbedtlsConfig::make_session(int socket_fd,
                                                              std::string_view server_name) const {
  return std::make_unique<MbedtlsSession>(*this, socket_fd, server_name);
}

std::unique_ptr<TlsConfigEngine> make_mbedtls_config(TlsRole role) {
  return std::make_unique<MbedtlsConfig>(role);
}

}  // namespace detail
}  // namespace wscore::transport

// SPDX-License-Identifier: MIT
// TlsServerConfig and TlsClientConfig: the mbedTLS configuration, the random generator, and
// loading certificates and keys with one-line errors that name the file.
#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "tls_internal.hpp"
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

// Certificate and key files are small; a CA bundle is a few hundred KiB.
constexpr off_t kMaxFileSize = 64 * 1024 * 1024;

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr const char* kSystemCaDirectory = "/etc/ssl/certs";

TlsError file_error(std::string_view what, const std::filesystem::path& path,
                    std::string_view problem) {
  return TlsError{std::string(what) + " " + quoted(path) + ": " + std::string(problem)};
}

std::size_t count_certificates(const mbedtls_x509_crt& chain) noexcept {
  std::size_t count = 0;
  for (const mbedtls_x509_crt* entry = &chain; entry != nullptr; entry = entry->next) {
    if (entry->raw.p != nullptr) ++count;
  }
  return count;
}

// Settings both roles share: TLS 1.2 only, the suites, curves, ALPN and the random generator.
void apply_common_settings(TlsConfigState& state, int endpoint) {
  state.setup_error = mbedtls_ssl_config_defaults(
      &state.ssl_config, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (state.setup_error == 0) state.setup_error = state.random.seed_error();
  if (state.setup_error == 0) {
    state.setup_error = mbedtls_ssl_conf_alpn_protocols(&state.ssl_config, kAlpnProtocols);
  }
  mbedtls_ssl_conf_rng(&state.ssl_config, CtrDrbg::generate, &state.random);
  // mbedTLS 2.28's TLS 1.3 is experimental (and off in Debian's build): 1.2 at both ends.
  mbedtls_ssl_conf_min_version(&state.ssl_config, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&state.ssl_config, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&state.ssl_config, kCipherSuites);
  mbedtls_ssl_conf_curves(&state.ssl_config, kCurves);
  mbedtls_ssl_conf_renegotiation(&state.ssl_config, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
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

TlsConfigState::TlsConfigState(TlsRole config_role) noexcept : role(config_role) {
  mbedtls_ssl_config_init(&ssl_config);
  mbedtls_x509_crt_init(&certificates);
  mbedtls_pk_init(&key);
}

TlsConfigState::~TlsConfigState() {
  mbedtls_ssl_config_free(&ssl_config);
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&certificates);
}

std::string quoted(const std::filesystem::path& path) {
  // Appended piece by piece: `"'" + path.string() + "'"` trips g++ 12's -Wrestrict at -O2.
  std::string text;
  text.reserve(path.native().size() + 2);
  text += '\'';
  text += path.native();
  text += '\'';
  return text;
}

std::optional<TlsError> read_file_for_parsing(const std::filesystem::path& path,
                                              std::string_view what,
                                              std::vector<unsigned char>& contents) {
  contents.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(what, path, std::strerror(errno));
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int saved = errno;
    ::close(fd);
    return file_error(what, path, std::strerror(saved));
  }
  if (S_ISDIR(status.st_mode)) {
    ::close(fd);
    return file_error(what, path, std::strerror(EISDIR));
  }
  if (status.st_size > kMaxFileSize) {
    ::close(fd);
    return file_error(what, path, "too large to be a certificate or key");
  }
  contents.resize(static_cast<std::size_t>(status.st_size) + 1);
  std::size_t filled = 0;
  for (;;) {
    if (filled + 1 >= contents.size()) contents.resize(contents.size() * 2);
    const ssize_t got = ::read(fd, contents.data() + filled, contents.size() - 1 - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int saved = errno;
      ::close(fd);
      wipe(contents);
      return file_error(what, path, std::strerror(saved));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
    if (filled > static_cast<std::size_t>(kMaxFileSize)) {
      ::close(fd);
      wipe(contents);
      return file_error(what, path, "too large to be a certificate or key");
    }
  }
  ::close(fd);
  if (filled == 0) return file_error(what, path, "the file is empty");
  contents.resize(filled + 1);
  contents[filled] = 0;  // mbedTLS parses PEM only from a NUL-terminated buffer
  return std::nullopt;
}

void wipe(std::vector<unsigned char>& contents) noexcept {
  if (!contents.empty()) mbedtls_platform_zeroize(contents.data(), contents.size());
  contents.clear();
  contents.shrink_to_fit();
}

}  // namespace detail

// ---- TlsServerConfig ----

TlsServerConfig::TlsServerConfig()
    : state_(std::make_unique<detail::TlsConfigState>(detail::TlsRole::server)) {
  detail::apply_common_settings(*state_, MBEDTLS_SSL_IS_SERVER);
  // No client certificates: a WebSocket server authenticates its users above TLS.
  mbedtls_ssl_conf_authmode(&state_->ssl_config, MBEDTLS_SSL_VERIFY_NONE);
}

TlsServerConfig::~TlsServerConfig() = default;
TlsServerConfig::TlsServerConfig(TlsServerConfig&& other) noexcept = default;
TlsServerConfig& TlsServerConfig::operator=(TlsServerConfig&& other) noexcept = default;

bool TlsServerConfig::loaded() const noexcept {
  return state_ && state_->has_credentials;
}

std::optional<TlsError> TlsServerConfig::load(const std::filesystem::path& cert_file,
                                              const std::filesystem::path& key_file) {
  using detail::quoted;
  if (!state_) return TlsError{"TLS server config was moved from"};
  if (state_->has_credentials) {
    return TlsError{"TLS server config already has a certificate; cannot load " +
                    quoted(cert_file)};
  }
  if (state_->setup_error != 0) {
    return TlsError{"TLS setup failed: " + detail::describe_mbedtls_error(state_->setup_error)};
  }
  detail::TlsConfigState& state = *state_;
  const auto discard = [&state] {
    mbedtls_x509_crt_free(&state.certificates);
    mbedtls_x509_crt_init(&state.certificates);
    mbedtls_pk_free(&state.key);
    mbedtls_pk_init(&state.key);
  };

  std::vector<unsigned char> contents;
  if (auto failure = detail::read_file_for_parsing(cert_file, "certificate file", contents)) {
    return failure;
  }
  int rc = mbedtls_x509_crt_parse(&state.certificates, contents.data(), contents.size());
  if (rc != 0) {
    discard();
    if (rc > 0) {
      return TlsError{"certificate file " + quoted(cert_file) + ": " + std::to_string(rc) +
                      " of its certificates could not be parsed"};
    }
    return TlsError{"certificate file " + quoted(cert_file) +
                    ": not a certificate (expected X.509 in PEM or DER)"};
  }

  if (auto failure = detail::read_file_for_parsing(key_file, "key file", contents)) {
    discard();
    return failure;
  }
  rc = mbedtls_pk_parse_key(&state.key, contents.data(), contents.size(), nullptr, 0);
  detail::wipe(contents);
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
  if (mbedtls_pk_check_pair(&state.certificates.pk, &state.key) != 0) {
    discard();
    return TlsError{"key file " + quoted(key_file) +
                    ": the key does not match the certificate in " + quoted(cert_file)};
  }
  rc = mbedtls_ssl_conf_own_cert(&state.ssl_config, &state.certificates, &state.key);
  if (rc != 0) {
    discard();
    return TlsError{"certificate file " + quoted(cert_file) + ": " +
                    detail::describe_mbedtls_error(rc)};
  }
  state.has_credentials = true;
  return std::nullopt;
}

// ---- TlsClientConfig ----

TlsClientConfig::TlsClientConfig()
    : state_(std::make_unique<detail::TlsConfigState>(detail::TlsRole::client)) {
  detail::apply_common_settings(*state_, MBEDTLS_SSL_IS_CLIENT);
  mbedtls_ssl_conf_authmode(&state_->ssl_config, MBEDTLS_SSL_VERIFY_REQUIRED);
  // Tickets would be kept per session and never used: sessions are not resumed.
  mbedtls_ssl_conf_session_tickets(&state_->ssl_config, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
}

TlsClientConfig::~TlsClientConfig() = default;
TlsClientConfig::TlsClientConfig(TlsClientConfig&& other) noexcept = default;
TlsClientConfig& TlsClientConfig::operator=(TlsClientConfig&& other) noexcept = default;

std::optional<TlsError> TlsClientConfig::load_ca(const std::filesystem::path& path) {
  using detail::quoted;
  if (!state_) return TlsError{"TLS client config was moved from"};
  detail::TlsConfigState& state = *state_;
  const std::size_t before = detail::count_certificates(state.certificates);

  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    const int rc = mbedtls_x509_crt_parse_path(&state.certificates, path.c_str());
    if (rc < 0 && rc != MBEDTLS_ERR_X509_FILE_IO_ERROR) {
      return TlsError{"CA directory " + quoted(path) + ": " + detail::describe_mbedtls_error(rc)};
    }
    if (rc == MBEDTLS_ERR_X509_FILE_IO_ERROR) {
      return TlsError{"CA directory " + quoted(path) + ": cannot be read"};
    }
    if (detail::count_certificates(state.certificates) == before) {
      return TlsError{"CA directory " + quoted(path) + ": holds no certificate"};
    }
  } else {
    std::vector<unsigned char> contents;
    if (auto failure = detail::read_file_for_parsing(path, "CA file", contents)) return failure;
    // A bundle may hold certificates mbedTLS cannot parse (a positive count): the others count.
    const int rc = mbedtls_x509_crt_parse(&state.certificates, contents.data(), contents.size());
    if (rc < 0 || detail::count_certificates(state.certificates) == before) {
      return TlsError{"CA file " + quoted(path) +
                      ": not a certificate (expected X.509 in PEM or DER)"};
    }
  }
  if (!state.has_credentials) {
    mbedtls_ssl_conf_ca_chain(&state.ssl_config, &state.certificates, nullptr);
    state.has_credentials = true;
  }
  return std::nullopt;
}

std::optional<TlsError> TlsClientConfig::load_system_ca() {
  std::error_code ignored;
  if (std::filesystem::exists(detail::kSystemCaBundle, ignored)) {
    return load_ca(detail::kSystemCaBundle);
  }
  if (std::filesystem::is_directory(detail::kSystemCaDirectory, ignored)) {
    return load_ca(detail::kSystemCaDirectory);
  }
  return TlsError{std::string("no system CA store: neither '") + detail::kSystemCaBundle +
                  "' nor '" + detail::kSystemCaDirectory + "' exists"};
}

void TlsClientConfig::disable_verification() noexcept {
  if (!state_) return;
  state_->verify_peer = false;
  mbedtls_ssl_conf_authmode(&state_->ssl_config, MBEDTLS_SSL_VERIFY_NONE);
}

bool TlsClientConfig::verifies_peer() const noexcept {
  return state_ && state_->verify_peer;
}

}  // namespace wscore::transport

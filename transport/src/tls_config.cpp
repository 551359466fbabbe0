// SPDX-License-Identifier: MIT
// TlsServerConfig and TlsClientConfig: a backend's configuration behind each (chosen at
// construction), the system CA store, backend names, and the file loading both backends share.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "tls_engine.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {
namespace detail {
namespace {

// Certificate and key files are small; a CA bundle is a few hundred KiB.
constexpr off_t kMaxFileSize = 64 * 1024 * 1024;

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr const char* kSystemCaDirectory = "/etc/ssl/certs";

TlsError file_error(std::string_view what, const std::filesystem::path& path,
                    std::string_view problem) {
  return TlsError{std::string(what) + " " + quoted(path) + ": " + std::string(problem)};
}

std::unique_ptr<TlsConfigEngine> make_config(TlsBackend backend, TlsRole role) {
  switch (backend) {
    case TlsBackend::mbedtls:
      return make_mbedtls_config(role);
    case TlsBackend::openssl:
      return make_openssl_config(role);
  }
  return nullptr;
}

TlsError unavailable(TlsBackend backend) {
  return TlsError{"TLS backend " + std::string(tls_backend_name(backend)) +
                  " is not built into this wscore (its library was not found at build time)"};
}

}  // namespace

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
  if (!contents.empty()) ::explicit_bzero(contents.data(), contents.size());
  contents.clear();
  contents.shrink_to_fit();
}

}  // namespace detail

std::string_view tls_backend_name(TlsBackend backend) noexcept {
  switch (backend) {
    case TlsBackend::mbedtls:
      return "mbedtls";
    case TlsBackend::openssl:
      return "openssl";
  }
  return "unknown";
}

std::optional<TlsBackend> parse_tls_backend(std::string_view name) noexcept {
  for (TlsBackend backend : {TlsBackend::mbedtls, TlsBackend::openssl}) {
    if (name == tls_backend_name(backend)) return backend;
  }
  return std::nullopt;
}

// ---- TlsServerConfig ----

TlsServerConfig::TlsServerConfig(TlsBackend backend)
    : state_(detail::make_config(backend, detail::TlsRole::server)), backend_(backend) {}

TlsServerConfig::~TlsServerConfig() = default;
TlsServerConfig::TlsServerConfig(TlsServerConfig&& other) noexcept = default;
TlsServerConfig& TlsServerConfig::operator=(TlsServerConfig&& other) noexcept = default;

bool TlsServerConfig::loaded() const noexcept {
  return state_ && state_->has_credentials();
}

std::optional<TlsError> TlsServerConfig::load(const std::filesystem::path& cert_file,
                                              const std::filesystem::path& key_file) {
  if (!state_ && !tls_backend_available(backend_)) return detail::unavailable(backend_);
  if (!state_) return TlsError{"TLS server config was moved from"};
  if (state_->has_credentials()) {
    return TlsError{"TLS server config already has a certificate; cannot load " +
                    detail::quoted(cert_file)};
  }
  return state_->load_credentials(cert_file, key_file);
}

// ---- TlsClientConfig ----

TlsClientConfig::TlsClientConfig(TlsBackend backend)
    : state_(detail::make_config(backend, detail::TlsRole::client)), backend_(backend) {}

TlsClientConfig::~TlsClientConfig() = default;
TlsClientConfig::TlsClientConfig(TlsClientConfig&& other) noexcept = default;
TlsClientConfig& TlsClientConfig::operator=(TlsClientConfig&& other) noexcept = default;

std::optional<TlsError> TlsClientConfig::load_ca(const std::filesystem::path& path) {
  if (!state_ && !tls_backend_available(backend_)) return detail::unavailable(backend_);
  if (!state_) return TlsError{"TLS client config was moved from"};
  return state_->load_ca(path);
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
  if (state_) state_->disable_verification();
}

bool TlsClientConfig::verifies_peer() const noexcept {
  return state_ && state_->verifies_peer();
}

}  // namespace wscore::transport

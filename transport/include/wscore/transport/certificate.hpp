// SPDX-License-Identifier: MIT
/// @file
/// A self-signed certificate for local use (the demo server's wss://localhost), made with mbedTLS.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wscore/transport/tls.hpp"

namespace wscore::transport {

/// What create_self_signed_certificate() puts in the certificate.
struct SelfSignedCertificateOptions {
  /// The subject's and issuer's CN.
  std::string common_name = "localhost";
  /// subjectAltName entries (RFC 5280 §4.2.1.6); clients match these, not the common name.
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};  ///< IPv4 or IPv6 literals
  /// How long the certificate is valid, from now.
  std::chrono::days validity{365};
};

/// Creates an EC P-256 key and a self-signed X.509 v3 certificate for it: basicConstraints
/// CA:FALSE, extendedKeyUsage serverAuth, the subjectAltName entries above, and no keyUsage
/// extension (so verifiers that take a self-signed certificate as its own trust anchor accept it;
/// browsers accept it once the user allows it). Writes both as PEM, the key with mode 0600. Each
/// file is written to a temporary name and renamed, so a reader never sees half a file.
[[nodiscard]] std::optional<TlsError> create_self_signed_certificate(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
    const SelfSignedCertificateOptions& options = {});

/// The files of the default certificate (ensure_default_certificate()).
struct DefaultCertificate {
  /// The certificate, PEM.
  std::filesystem::path cert_file;
  /// Its private key, PEM, mode 0600.
  std::filesystem::path key_file;
  bool created = false;  ///< made by this call rather than reused
};

/// The directory for wscore's own files: $XDG_DATA_HOME/wscore if XDG_DATA_HOME is an absolute
/// path, else ~/.local/share/wscore (XDG Base Directory Specification). Does not create it.
[[nodiscard]] std::filesystem::path default_data_directory();

/// What ensure_default_certificate() found or made.
struct DefaultCertificateResult {
  /// The files, when they are usable.
  std::optional<DefaultCertificate> certificate;
  std::optional<TlsError> error;  ///< set exactly when certificate is not
};
/// Returns the certificate and key in `directory` (cert.pem, key.pem), creating the directory
/// (mode 0700) if needed. Reuses existing files; creates both (with the default options) when
/// either is missing or the certificate has expired. On failure, the message names the file or
/// directory.
[[nodiscard]] DefaultCertificateResult ensure_default_certificate(
    const std::filesystem::path& directory = default_data_directory());

}  // namespace wscore::transport

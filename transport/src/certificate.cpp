// SPDX-License-Identifier: MIT
// A self-signed certificate for localhost, made with mbedTLS (no openssl step), and where it
// lives by default.
#include "wscore/transport/certificate.hpp"

#include <fcntl.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <system_error>

#include "mbedtls_internal.hpp"

namespace wscore::transport {
namespace {

using detail::quoted;

TlsError certificate_error(std::string_view step, int code) {
  return TlsError{"cannot create a certificate: " + std::string(step) + ": " +
                  detail::describe_mbedtls_error(code)};
}

// mbedTLS's pointer-owning types, freed on every path out.
struct PkKey {
  PkKey() { mbedtls_pk_init(&key); }
  ~PkKey() { mbedtls_pk_free(&key); }
  PkKey(const PkKey&) = delete;
  PkKey& operator=(const PkKey&) = delete;
  mbedtls_pk_context key;
};

struct CertificateWriter {
  CertificateWriter() { mbedtls_x509write_crt_init(&writer); }
  ~CertificateWriter() { mbedtls_x509write_crt_free(&writer); }
  CertificateWriter(const CertificateWriter&) = delete;
  CertificateWriter& operator=(const CertificateWriter&) = delete;
  mbedtls_x509write_cert writer;
};

struct BigNumber {
  BigNumber() { mbedtls_mpi_init(&value); }
  ~BigNumber() { mbedtls_mpi_free(&value); }
  BigNumber(const BigNumber&) = delete;
  BigNumber& operator=(const BigNumber&) = delete;
  mbedtls_mpi value;
};

// "YYYYMMDDHHMMSS" in UTC, the form mbedtls_x509write_crt_set_validity takes.
std::string validity_time(std::time_t when) {
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
  return text;
}

// A distinguished name in mbedTLS's string form. mbedTLS 2.28 lets only ',' be escaped there;
// '=' and '\\' in a value stay unescaped ('=' is taken as is, a lone '\\' is refused).
std::string common_name_dn(std::string_view common_name) {
  std::string dn = "CN=";
  for (const char c : common_name) {
    if (c == ',') dn += '\\';
    dn += c;
  }
  return dn + ",O=wscore self-signed";
}

// DER is written back to front by mbedTLS's asn1write: `p` moves towards `start`.
struct DerWriter {
  explicit DerWriter(std::size_t capacity) : buffer(capacity), p(buffer.data() + capacity) {}
  std::vector<unsigned char> buffer;
  unsigned char* p;
  int failure = 0;
  std::size_t length() const { return static_cast<std::size_t>(buffer.data() + buffer.size() - p); }
  void check(int rc) {
    if (rc < 0 && failure == 0) failure = rc;
  }
  // Wraps everything written so far in a SEQUENCE.
  void wrap_in_sequence() {
    const std::size_t content = length();
    check(mbedtls_asn1_write_len(&p, buffer.data(), content));
    check(mbedtls_asn1_write_tag(&p, buffer.data(),
                                 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  }
};

// SubjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName, with dNSName [2] IA5String and
// iPAddress [7] OCTET STRING, both IMPLICIT (RFC 5280 §4.2.1.6). mbedTLS 2.28's x509write has
// no setter for it, so the extension's value is built here.
std::optional<TlsError> subject_alt_name_der(const SelfSignedCertificateOptions& options,
                                             std::vector<unsigned char>& der) {
  std::size_t capacity = 16;
  for (const std::string& name : options.dns_names)
    capacity += name.size() + 8;
  capacity += options.ip_addresses.size() * 24;
  DerWriter out(capacity);
  // Written last to first, so the certificate lists them in the order given.
  for (auto ip = options.ip_addresses.rbegin(); ip != options.ip_addresses.rend(); ++ip) {
    const auto address = detail::parse_ip_literal(*ip);
    if (!address) return TlsError{"cannot create a certificate: '" + *ip + "' is no IP address"};
    out.check(
        mbedtls_asn1_write_raw_buffer(&out.p, out.buffer.data(), address->bytes, address->length));
    out.check(mbedtls_asn1_write_len(&out.p, out.buffer.data(), address->length));
    out.check(mbedtls_asn1_write_tag(&out.p, out.buffer.data(), MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
  }
  for (auto name = options.dns_names.rbegin(); name != options.dns_names.rend(); ++name) {
    out.check(mbedtls_asn1_write_tagged_string(
        &out.p, out.buffer.data(), MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, name->data(), name->size()));
  }
  out.wrap_in_sequence();
  if (out.failure != 0) return certificate_error("subjectAltName", out.failure);
  der.assign(out.p, out.buffer.data() + out.buffer.size());
  return std::nullopt;
}

// ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId, here id-kp-serverAuth (RFC 5280 §4.2.1.12).
std::vector<unsigned char> server_auth_usage_der() {
  DerWriter out(32);
  out.check(mbedtls_asn1_write_oid(&out.p, out.buffer.data(), MBEDTLS_OID_SERVER_AUTH,
                                   MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
  out.wrap_in_sequence();
  return {out.p, out.buffer.data() + out.buffer.size()};
}

// Writes `contents` to `path` through a temporary file in the same directory, then renames it.
std::optional<TlsError> write_file_atomically(const std::filesystem::path& path,
                                              std::string_view contents, mode_t mode) {
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid());
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return TlsError{"cannot write " + quoted(path) + ": " + std::strerror(errno)};
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t rc = ::write(fd, contents.data() + written, contents.size() - written);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return TlsError{"cannot write " + quoted(path) + ": " + std::strerror(saved)};
    }
    written += static_cast<std::size_t>(rc);
  }
  // The mode passed to open() is reduced by the umask; a key must end up exactly 0600.
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    return TlsError{"cannot write " + quoted(path) + ": " + std::strerror(saved)};
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    return TlsError{"cannot write " + quoted(path) + ": " + std::strerror(saved)};
  }
  return std::nullopt;
}

bool certificate_expired(const std::filesystem::path& cert_file) {
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  const bool expired = mbedtls_x509_crt_parse_file(&certificate, cert_file.c_str()) == 0 &&
                       mbedtls_x509_time_is_past(&certificate.valid_to) != 0;
  mbedtls_x509_crt_free(&certificate);
  return expired;
}

}  // namespace

std::optional<TlsError> create_self_signed_certificate(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
    const SelfSignedCertificateOptions& options) {
  detail::CtrDrbg random;
  if (random.seed_error() != 0) return certificate_error("random generator", random.seed_error());

  PkKey key;
  int rc = mbedtls_pk_setup(&key.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) {
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.key),
                             detail::CtrDrbg::generate, &random);
  }
  if (rc != 0) return certificate_error("EC P-256 key", rc);

  std::vector<unsigned char> alt_names;
  if (auto failure = subject_alt_name_der(options, alt_names)) return failure;
  const std::vector<unsigned char> server_auth_usage = server_auth_usage_der();

  // A positive 127-bit random serial (RFC 5280 §4.1.2.2: unique per issuer, at most 20 bytes).
  unsigned char serial_bytes[16];
  rc = detail::CtrDrbg::generate(&random, serial_bytes, sizeof serial_bytes);
  if (rc != 0) return certificate_error("serial number", rc);
  serial_bytes[0] = static_cast<unsigned char>((serial_bytes[0] & 0x7F) | 0x01);
  BigNumber serial;
  rc = mbedtls_mpi_read_binary(&serial.value, serial_bytes, sizeof serial_bytes);
  if (rc != 0) return certificate_error("serial number", rc);

  // Valid from an hour ago, so that a peer whose clock lags a little accepts it at once.
  const std::time_t now = std::time(nullptr);
  const std::string not_before = validity_time(now - 3600);
  const std::string not_after =
      validity_time(now + static_cast<std::time_t>(options.validity.count()) * 86400);
  const std::string name = common_name_dn(options.common_name);

  CertificateWriter certificate;
  mbedtls_x509write_cert& writer = certificate.writer;
  mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&writer, &key.key);
  mbedtls_x509write_crt_set_issuer_key(&writer, &key.key);
  const struct {
    const char* step;
    int rc;
  } steps[] = {
      {"serial number", mbedtls_x509write_crt_set_serial(&writer, &serial.value)},
      {"validity",
       mbedtls_x509write_crt_set_validity(&writer, not_before.c_str(), not_after.c_str())},
      {"subject name", mbedtls_x509write_crt_set_subject_name(&writer, name.c_str())},
      {"issuer name", mbedtls_x509write_crt_set_issuer_name(&writer, name.c_str())},
      // CA:FALSE: a server certificate, which browsers accept once the user allows it.
      {"basicConstraints", mbedtls_x509write_crt_set_basic_constraints(&writer, 0, -1)},
      {"subjectKeyIdentifier", mbedtls_x509write_crt_set_subject_key_identifier(&writer)},
      {"authorityKeyIdentifier", mbedtls_x509write_crt_set_authority_key_identifier(&writer)},
      {"extendedKeyUsage",
       mbedtls_x509write_crt_set_extension(&writer, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                           MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                                           server_auth_usage.data(), server_auth_usage.size())},
      // Not critical: the subject name is not empty (RFC 5280 §4.2.1.6).
      {"subjectAltName",
       mbedtls_x509write_crt_set_extension(&writer, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                           MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                           alt_names.data(), alt_names.size())},
  };
  for (const auto& step : steps) {
    if (step.rc != 0) return certificate_error(step.step, step.rc);
  }

  std::vector<unsigned char> cert_pem(4096);
  rc = mbedtls_x509write_crt_pem(&writer, cert_pem.data(), cert_pem.size(),
                                 detail::CtrDrbg::generate, &random);
  if (rc != 0) return certificate_error("signing", rc);
  std::vector<unsigned char> key_pem(1024);
  rc = mbedtls_pk_write_key_pem(&key.key, key_pem.data(), key_pem.size());
  if (rc != 0) return certificate_error("key encoding", rc);

  // The PEM writers NUL-terminate their output. The key goes first, so that a certificate on
  // disk always has its key beside it.
  auto failure = write_file_atomically(key_file, reinterpret_cast<const char*>(key_pem.data()),
                                       S_IRUSR | S_IWUSR);
  mbedtls_platform_zeroize(key_pem.data(), key_pem.size());
  if (failure) return failure;
  return write_file_atomically(cert_file, reinterpret_cast<const char*>(cert_pem.data()),
                               S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH);
}

std::filesystem::path default_data_directory() {
  // XDG Base Directory Specification: relative values of XDG_DATA_HOME are ignored.
  if (const char* data_home = std::getenv("XDG_DATA_HOME");
      data_home != nullptr && data_home[0] == '/') {
    return std::filesystem::path(data_home) / "wscore";
  }
  std::filesystem::path home;
  if (const char* home_variable = std::getenv("HOME");
      home_variable != nullptr && home_variable[0] != '\0') {
    home = home_variable;
  } else {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> text(16384);
    if (::getpwuid_r(::getuid(), &entry, text.data(), text.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      home = found->pw_dir;
    }
  }
  if (home.empty()) return {};
  return home / ".local" / "share" / "wscore";
}

DefaultCertificateResult ensure_default_certificate(const std::filesystem::path& directory) {
  if (directory.empty()) {
    return {std::nullopt, TlsError{"no data directory for the certificate: set HOME or "
                                   "XDG_DATA_HOME"}};
  }
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    std::filesystem::create_directories(directory, error);
    if (error) {
      return {std::nullopt,
              TlsError{"cannot create directory " + quoted(directory) + ": " + error.message()}};
    }
    // Only this user needs the private key's directory.
    std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, error);
  }
  DefaultCertificate result{directory / "cert.pem", directory / "key.pem", false};
  const bool present = std::filesystem::is_regular_file(result.cert_file, error) &&
                       std::filesystem::is_regular_file(result.key_file, error);
  if (present && !certificate_expired(result.cert_file)) return {result, std::nullopt};
  if (auto failure = create_self_signed_certificate(result.cert_file, result.key_file)) {
    return {std::nullopt, std::move(failure)};
  }
  result.created = true;
  return {result, std::nullopt};
}

}  // namespace wscore::transport

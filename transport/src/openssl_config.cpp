// SPDX-License-Identifier: MIT
// The OpenSSL 3 backend's configuration: TLS 1.3 and 1.2 settings, the server's ALPN choice,
// and loading certificates, keys and trusted CAs with the same one-line errors as mbedTLS's.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "openssl_internal.hpp"

namespace wscore::transport {
namespace detail {
namespace {

// TLS 1.2 suites: ECDHE (forward secrecy) with AEAD ciphers only, as for mbedTLS. TLS 1.3's
// suites are all AEAD with (EC)DHE: OpenSSL's default list stands.
constexpr const char* kTls12Suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384:P-521";
// RFC 7301 §3.1: a list of length-prefixed protocol names.
constexpr unsigned char kAlpnList[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// RFC 7301 §3.2: a server that supports none of the client's protocols answers with the fatal
// alert no_application_protocol; a client that offers no ALPN at all is served.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_length, kAlpnList, sizeof kAlpnList, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// Asked for a password: the key is encrypted. Refuses, and says it was asked.
int refuse_password(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

bool looks_like_pem(const std::vector<unsigned char>& contents) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  const auto* begin = reinterpret_cast<const char*>(contents.data());
  return std::string_view(begin, contents.size()).find(kBegin) != std::string_view::npos;
}

struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct X509Deleter {
  void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
using Certificate = std::unique_ptr<X509, X509Deleter>;
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;

// `contents` without the NUL read_file_for_parsing() appends.
Bio memory_bio(const std::vector<unsigned char>& contents) {
  return Bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size() - 1)));
}

// Every certificate of a PEM file, or the one of a DER file; empty if there is none.
std::vector<Certificate> parse_certificates(const std::vector<unsigned char>& contents) {
  std::vector<Certificate> certificates;
  if (looks_like_pem(contents)) {
    Bio bio = memory_bio(contents);
    while (bio) {
      X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
      if (certificate == nullptr) {
        // The end of the file, or a block that is no certificate: skip it and go on, as a
        // bundle may hold other PEM blocks.
        const unsigned long error = ERR_peek_last_error();
        ERR_clear_error();
        if (ERR_GET_REASON(error) == PEM_R_NO_START_LINE) break;
        if (BIO_eof(bio.get())) break;
        continue;
      }
      certificates.emplace_back(certificate);
    }
  } else {
    const unsigned char* cursor = contents.data();
    X509* certificate = d2i_X509(nullptr, &cursor, static_cast<long>(contents.size() - 1));
    if (certificate != nullptr) certificates.emplace_back(certificate);
  }
  ERR_clear_error();
  return certificates;
}

TlsError not_a_certificate(std::string_view what, const std::filesystem::path& path) {
  return TlsError{std::string(what) + " " + quoted(path) +
                  ": not a certificate (expected X.509 in PEM or DER)"};
}

}  // namespace

OpensslConfig::OpensslConfig(TlsRole role) noexcept : role_(role) {
  context_ = SSL_CTX_new(role == TlsRole::server ? TLS_server_method() : TLS_client_method());
  if (context_ == nullptr) {
    setup_error_ = "OpenSSL could not make a TLS context";
    ERR_clear_error();
    return;
  }
  const bool settings_taken = SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION) == 1 &&
                              SSL_CTX_set_cipher_list(context_, kTls12Suites) == 1 &&
                              SSL_CTX_set1_groups_list(context_, kGroups) == 1;
  if (!settings_taken) setup_error_ = "OpenSSL refused the TLS settings";
  // No renegotiation, no compression, no resumption (sessions are not kept); an end of stream
  // without close_notify reads as closed, as WebSocket carries its own closing handshake.
  SSL_CTX_set_options(context_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                                    SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_OFF);
  // Record buffers are freed whenever they are empty (an idle session holds none); a write
  // returns after each record; records are read ahead into the buffer, many per read.
  SSL_CTX_set_mode(context_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(context_, 1);
  // Read ahead into a buffer of four records, so that a large message takes a read per 64 KiB,
  // not per record (the buffer is freed between reads, as above).
  SSL_CTX_set_default_read_buffer_len(context_, 4 * (SSL3_RT_MAX_PLAIN_LENGTH + 256));
  if (role == TlsRole::server) {
    SSL_CTX_set_num_tickets(context_, 0);
    SSL_CTX_set_alpn_select_cb(context_, select_alpn, nullptr);
    // No client certificates: a WebSocket server authenticates its users above TLS.
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_set_alpn_protos(context_, kAlpnList, sizeof kAlpnList) != 0) {
      setup_error_ = "OpenSSL refused the ALPN list";
    }
  }
  ERR_clear_error();
}

OpensslConfig::~OpensslConfig() {
  SSL_CTX_free(context_);
}

std::optional<TlsError> OpensslConfig::load_credentials(const std::filesystem::path& cert_file,
                                                        const std::filesystem::path& key_file) {
  if (!setup_error_.empty()) return TlsError{"TLS setup failed: " + setup_error_};
  std::vector<unsigned char> contents;
  if (auto failure = read_file_for_parsing(cert_file, "certificate file", contents)) {
    return failure;
  }
  std::vector<Certificate> chain = parse_certificates(contents);
  if (chain.empty()) return not_a_certificate("certificate file", cert_file);

  if (auto failure = read_file_for_parsing(key_file, "key file", contents)) return failure;
  bool password_asked = false;
  Key key;
  if (looks_like_pem(contents)) {
    Bio bio = memory_bio(contents);
    if (bio)
      key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_password, &password_asked));
  } else {
    const unsigned char* cursor = contents.data();
    key.reset(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(contents.size() - 1)));
  }
  wipe(contents);
  ERR_clear_error();
  if (!key && password_asked) {
    return TlsError{"key file " + quoted(key_file) +
                    ": the key is encrypted; an unencrypted key is needed"};
  }
  if (!key ||
      (EVP_PKEY_base_id(key.get()) != EVP_PKEY_EC && EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)) {
    return TlsError{"key file " + quoted(key_file) +
                    ": not a private key (expected EC or RSA in PEM or DER)"};
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return TlsError{"key file " + quoted(key_file) +
                    ": the key does not match the certificate in " + quoted(cert_file)};
  }
  bool taken = SSL_CTX_use_certificate(context_, chain.front().get()) == 1 &&
               SSL_CTX_use_PrivateKey(context_, key.get()) == 1;
  for (std::size_t i = 1; taken && i < chain.size(); ++i) {
    taken = SSL_CTX_add1_chain_cert(context_, chain[i].get()) == 1;
  }
  if (!taken) {
    const unsigned long error = ERR_get_error();
    ERR_clear_error();
    const char* reason = ERR_reason_error_string(error);
    return TlsError{"certificate file " + quoted(cert_file) + ": " +
                    (reason != nullptr ? reason : "OpenSSL refused it")};
  }
  has_credentials_ = true;
  return std::nullopt;
}

std::size_t OpensslConfig::add_trusted(const std::vector<unsigned char>& contents) {
  X509_STORE* store = SSL_CTX_get_cert_store(context_);
  std::size_t added = 0;
  for (const Certificate& certificate : parse_certificates(contents)) {
    if (X509_STORE_add_cert(store, certificate.get()) == 1) ++added;
  }
  ERR_clear_error();  // a certificate already in the store is refused, and harmless
  return added;
}

std::optional<TlsError> OpensslConfig::load_ca(const std::filesystem::path& path) {
  if (!setup_error_.empty()) return TlsError{"TLS setup failed: " + setup_error_};
  std::error_code error;
  std::size_t added = 0;
  if (std::filesystem::is_directory(path, error)) {
    std::filesystem::directory_iterator entries(path, error);
    if (error) return TlsError{"CA directory " + quoted(path) + ": cannot be read"};
    std::vector<std::filesystem::path> files;
    for (const auto& entry : entries) {
      std::error_code ignored;
      if (entry.is_regular_file(ignored)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<unsigned char> contents;
    for (const auto& file : files) {
      // Files that cannot be read or parsed are skipped, as mbedTLS does for a directory.
      if (!read_file_for_parsing(file, "CA file", contents)) added += add_trusted(contents);
    }
    if (added == 0) return TlsError{"CA directory " + quoted(path) + ": holds no certificate"};
  } else {
    std::vector<unsigned char> contents;
    if (auto failure = read_file_for_parsing(path, "CA file", contents)) return failure;
    // A bundle may hold certificates that cannot be parsed: the others count.
    added = add_trusted(contents);
    if (added == 0 && parse_certificates(contents).empty()) {
      return not_a_certificate("CA file", path);
    }
  }
  has_credentials_ = true;
  return std::nullopt;
}

void OpensslConfig::disable_verification() noexcept {
  verify_peer_ = false;
  if (context_ != nullptr) SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
}

std::unique_ptr<TlsSessionEngine> OpensslConfig::make_session(int socket_fd,
                                                              std::string_view server_name) const {
  return std::make_unique<OpensslSession>(*this, socket_fd, server_name);
}

std::unique_ptr<TlsConfigEngine> make_openssl_config(TlsRole role) {
  return std::make_unique<OpensslConfig>(role);
}

}  // namespace detail

bool tls_backend_available(TlsBackend) noexcept {
  return true;
}

}  // namespace wscore::transport

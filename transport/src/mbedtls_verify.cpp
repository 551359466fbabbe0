// SPDX-License-Identifier: MIT
// Words for what went wrong (mbedTLS error codes, verification flags, alerts), and the
// subjectAltName iPAddress match that mbedTLS 2.28 lacks.
#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include <cstdio>
#include <cstring>

#include "mbedtls_internal.hpp"

namespace wscore::transport::detail {

std::string describe_mbedtls_error(int code) {
  switch (code) {
    case MBEDTLS_ERR_SSL_CONN_EOF:
      return "the peer closed the connection";
    case MBEDTLS_ERR_NET_CONN_RESET:
      return "the connection was reset";
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
      return "out of memory";
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
      return "the peer does not speak TLS 1.2";
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
      return "no cipher suite in common with the peer (ECDHE with AES-GCM or ChaCha20-Poly1305)";
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
      // Also what mbedTLS reports when no ALPN protocol is in common (RFC 7301 §3.2).
      return "ClientHello rejected (malformed, or no ALPN protocol in common with http/1.1)";
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
      return "malformed ServerHello";
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
      return "malformed TLS record";
    case MBEDTLS_ERR_SSL_INVALID_MAC:
      return "a record failed authentication (bad MAC)";
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
      return "unexpected TLS message";
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
      return "no trusted CA certificates loaded";
    default:
      break;
  }
  char text[160];
  mbedtls_strerror(code, text, sizeof text);
  char hex[16];
  std::snprintf(hex, sizeof hex, " (-0x%04X)", static_cast<unsigned>(-code));
  return std::string(text) + hex;
}

std::string describe_verify_failure(std::uint32_t flags, std::string_view server_name) {
  struct Known {
    std::uint32_t flag;
    const char* words;
  };
  static constexpr Known kKnown[] = {
      {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not issued by a trusted CA"},
      {MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
      {MBEDTLS_X509_BADCERT_FUTURE, "not valid yet"},
      {MBEDTLS_X509_BADCERT_REVOKED, "revoked"},
      {MBEDTLS_X509_BADCERT_KEY_USAGE, "not meant for TLS servers (key usage)"},
      {MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "not meant for TLS servers (extended key usage)"},
      {MBEDTLS_X509_BADCERT_BAD_MD, "signed with a weak or unsupported hash"},
      {MBEDTLS_X509_BADCERT_BAD_PK, "using an unsupported key type"},
      {MBEDTLS_X509_BADCERT_BAD_KEY, "using a weak or unsupported key"},
      {MBEDTLS_X509_BADCERT_MISSING, "missing: the server sent none"},
      {MBEDTLS_X509_BADCERT_SKIP_VERIFY, "not verified"},
  };
  std::string text = "certificate verification failed: the certificate is ";
  bool first = true;
  const auto add = [&](std::string_view words) {
    if (!first) text += "; ";
    text += words;
    first = false;
  };
  if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
    add("not valid for '" + std::string(server_name) + "'");
    flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
  }
  for (const Known& known : kKnown) {
    if ((flags & known.flag) != 0) {
      add(known.words);
      flags &= ~known.flag;
    }
  }
  if (flags != 0) {
    // Anything else, in mbedTLS's words (one line per flag, joined).
    char info[512];
    const int length = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    std::string rest(info, length > 0 ? static_cast<std::size_t>(length) : 0);
    for (char& c : rest) {
      if (c == '\n') c = ';';
    }
    while (!rest.empty() && (rest.back() == ';' || rest.back() == ' '))
      rest.pop_back();
    add(rest.empty() ? "rejected" : rest);
  }
  return text;
}

std::string_view alert_name(unsigned char description) noexcept {
  // RFC 5246 §7.2, plus the extension alerts of RFC 6066 §9 and RFC 7301 §3.2.
  switch (description) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 22:
      return "record_overflow";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 44:
      return "certificate_revoked";
    case 45:
      return "certificate_expired";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 49:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 100:
      return "no_renegotiation";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case 120:
      return "no_application_protocol";
    default:
      return "unknown alert";
  }
}

std::optional<IpAddress> parse_ip_literal(std::string_view text) noexcept {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  char zero_terminated[64];
  if (text.empty() || text.size() >= sizeof zero_terminated) return std::nullopt;
  std::memcpy(zero_terminated, text.data(), text.size());
  zero_terminated[text.size()] = '\0';
  IpAddress address{};
  if (::inet_pton(AF_INET, zero_terminated, address.bytes) == 1) {
    address.length = 4;
    return address;
  }
  if (::inet_pton(AF_INET6, zero_terminated, address.bytes) == 1) {
    address.length = 16;
    return address;
  }
  return std::nullopt;
}

bool certificate_covers_ip(const mbedtls_x509_crt& certificate, const IpAddress& address) noexcept {
  // GeneralName ::= CHOICE { ... iPAddress [7] IMPLICIT OCTET STRING ... } (RFC 5280 §4.2.1.6):
  // 4 bytes for IPv4, 16 for IPv6, compared as bytes. mbedTLS lists every entry's raw value.
  constexpr unsigned char kIpAddressTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
  for (const mbedtls_x509_sequence* entry = &certificate.subject_alt_names; entry != nullptr;
       entry = entry->next) {
    const mbedtls_x509_buf& name = entry->buf;
    if (name.p == nullptr || name.tag != kIpAddressTag) continue;
    if (name.len == address.length && std::memcmp(name.p, address.bytes, name.len) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace wscore::transport::detail

// SPDX-License-Identifier: MIT
// TLS sessions over real non-blocking sockets (socketpairs and loopback TCP), both roles in one
// thread, on each backend and across them: handshake, data both ways, verification, ALPN, load
// errors, non-TLS input, close_notify, and a large transfer through a small socket buffer.
// Certificates are made by the library.
#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#ifndef WSCORE_TEST_OPENSSL
#define WSCORE_TEST_OPENSSL 0  // set by CMake when the transport has its OpenSSL backend
#endif
#if WSCORE_TEST_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/transport/certificate.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

// Lets GoogleTest print statuses by name (found by argument-dependent lookup).
void PrintTo(IoStatus status, std::ostream* out) {
  static constexpr const char* kNames[] = {"ok", "want_read", "want_write", "closed", "error"};
  *out << kNames[static_cast<int>(status)];
}

namespace {

namespace fs = std::filesystem;

// ---- fixtures: files, sockets, pumps ----

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "wscore-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(std::string_view name) const { return path_ / name; }

 private:
  fs::path path_;
};

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Two connected non-blocking sockets; closed on destruction.
struct SocketPair {
  int server = -1;
  int client = -1;
  SocketPair() = default;
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  ~SocketPair() {
    if (server >= 0) ::close(server);
    if (client >= 0) ::close(client);
  }
};

void unix_pair(SocketPair& pair) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  pair.server = fds[0];
  pair.client = fds[1];
}

void tcp_pair(SocketPair& pair) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  pair.client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(pair.client, 0);
  const int rc = ::connect(pair.client, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ASSERT_TRUE(rc == 0 || errno == EINPROGRESS);
  pair.server = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  ::close(listener);
  ASSERT_GE(pair.server, 0);
}

void shrink_socket_buffers(int fd) {
  const int size = 4096;  // the kernel doubles it and rounds up; still far below one record
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

bool pending(IoStatus status) {
  return status == IoStatus::want_read || status == IoStatus::want_write;
}

// Waits (at most a second) until one of the sessions' sockets is ready for what it asked for.
bool wait_for_either(int fd_a, IoStatus status_a, int fd_b, IoStatus status_b) {
  const auto events = [](IoStatus status) -> short {
    return status == IoStatus::want_read ? POLLIN : status == IoStatus::want_write ? POLLOUT : 0;
  };
  pollfd fds[2] = {{fd_a, events(status_a), 0}, {fd_b, events(status_b), 0}};
  return ::poll(fds, 2, 1000) > 0;
}

// Calls handshake() on both sides in turn, waiting for their sockets in between, until both
// are done. Bounded: a session that neither completes nor fails within the bound has hung.
void run_handshakes(TlsSession& server, TlsSession& client, IoResult& server_result,
                    IoResult& client_result) {
  server_result = client_result = {IoStatus::want_read, 0};
  for (int round = 0; round < 100; ++round) {
    if (pending(client_result.status)) client_result = client.handshake();
    if (pending(server_result.status)) server_result = server.handshake();
    if (!pending(client_result.status) && !pending(server_result.status)) return;
    if (!wait_for_either(client.socket_fd(), client_result.status, server.socket_fd(),
                         server_result.status)) {
      return;  // neither socket became ready: report what the sessions said last
    }
  }
}

// Writes all of `data` through `writer` while `reader` reads; returns what `reader` got.
// Counts the writes that stopped on a full socket.
std::string transfer(TlsSession& writer, TlsSession& reader, std::string_view data,
                     int& partial_writes) {
  std::string received;
  std::vector<std::byte> buffer(7000);  // smaller than a record: reads split records too
  std::size_t sent = 0;
  partial_writes = 0;
  for (int round = 0; round < 1'000'000 && received.size() < data.size(); ++round) {
    if (sent < data.size()) {
      const IoResult wrote = writer.write(as_bytes(data.substr(sent)));
      EXPECT_NE(wrote.status, IoStatus::error) << writer.error();
      if (wrote.status == IoStatus::error) break;
      sent += wrote.bytes;
      if (wrote.status == IoStatus::want_write) ++partial_writes;
    } else {
      EXPECT_NE(writer.flush().status, IoStatus::error);
    }
    for (;;) {
      const IoResult got = reader.read(buffer);
      if (got.status != IoStatus::ok) {
        EXPECT_EQ(got.status, IoStatus::want_read) << reader.error();
        break;
      }
      received.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    }
  }
  return received;
}

std::string read_available(TlsSession& reader, IoStatus& last) {
  std::string received;
  std::vector<std::byte> buffer(4096);
  for (;;) {
    const IoResult got = reader.read(buffer);
    last = got.status;
    if (got.status != IoStatus::ok) return received;
    received.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
  }
}

// Reads until `size` bytes arrived, waiting for the socket (loopback TCP is not instant).
std::string read_at_least(TlsSession& reader, std::size_t size) {
  std::string received;
  IoStatus last{};
  for (int round = 0; round < 100 && received.size() < size; ++round) {
    received += read_available(reader, last);
    if (last != IoStatus::want_read) break;
    pollfd fd{reader.socket_fd(), POLLIN, 0};
    if (received.size() < size && ::poll(&fd, 1, 1000) <= 0) break;
  }
  return received;
}

void expect_one_line_naming(const std::optional<TlsError>& error, const fs::path& file,
                            std::string_view words) {
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message.find('\n'), std::string::npos) << error->message;
  EXPECT_NE(error->message.find(file.string()), std::string::npos) << error->message;
  EXPECT_NE(error->message.find(words), std::string::npos) << error->message;
}

// One generated certificate for the whole suite: key generation is the slow part.
// Every test of a session runs on both backends (TlsBackend), each end on the same one; the
// tests that mix them are below.
class TlsTest : public ::testing::TestWithParam<TlsBackend> {
 protected:
  static void SetUpTestSuite() {
    directory_ = new TempDir();
    const auto failure = create_self_signed_certificate(cert_file(), key_file());
    ASSERT_FALSE(failure.has_value()) << failure->message;
  }
  static void TearDownTestSuite() {
    delete directory_;
    directory_ = nullptr;
  }
  static fs::path cert_file() { return *directory_ / "cert.pem"; }
  static fs::path key_file() { return *directory_ / "key.pem"; }

  void SetUp() override {
    const auto failure = server_config_.load(cert_file(), key_file());
    ASSERT_FALSE(failure.has_value()) << failure->message;
  }

  // The backend that is not under test.
  static TlsBackend other_backend() {
    return GetParam() == TlsBackend::mbedtls ? TlsBackend::openssl : TlsBackend::mbedtls;
  }

  // A client on the backend under test that trusts the generated certificate.
  static TlsClientConfig trusting_client(TlsBackend backend = GetParam()) {
    TlsClientConfig config(backend);
    const auto failure = config.load_ca(cert_file());
    EXPECT_FALSE(failure.has_value()) << failure->message;
    return config;
  }

  static TempDir* directory_;
  TlsServerConfig server_config_{GetParam()};
};

TempDir* TlsTest::directory_ = nullptr;

// ---- handshake and data ----

TEST_P(TlsTest, HandshakeThenEchoOverSocketpair) {
  SocketPair sockets;
  unix_pair(sockets);
  const TlsClientConfig client_config = trusting_client();
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::ok) << client.error();
  ASSERT_EQ(server_result.status, IoStatus::ok) << server.error();
  EXPECT_TRUE(server.handshake_complete());
  EXPECT_TRUE(client.handshake_complete());

  // RFC 7301 §3.2: the server picks "http/1.1" from the client's offer.
  EXPECT_EQ(server.alpn_protocol(), "http/1.1");
  EXPECT_EQ(client.alpn_protocol(), "http/1.1");
  if (GetParam() == TlsBackend::mbedtls) {
    // The fastest suite here, with the generated EC key, on TLS 1.2 (the only version).
    EXPECT_EQ(server.cipher_suite(), "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
    EXPECT_EQ(server.protocol_version(), "TLSv1.2");
  } else {
    // RFC 8446: TLS 1.3 where both ends speak it, with one of its AEAD suites.
    EXPECT_EQ(server.protocol_version(), "TLSv1.3");
    EXPECT_EQ(client.protocol_version(), "TLSv1.3");
    EXPECT_EQ(server.cipher_suite(), client.cipher_suite());
    EXPECT_EQ(server.cipher_suite().substr(0, 4), "TLS_") << server.cipher_suite();
  }

  ASSERT_EQ(client.write(as_bytes("hello over TLS")).status, IoStatus::ok);
  // A buffer smaller than the record: the rest stays in the session, which says so.
  std::vector<std::byte> small(5);
  ASSERT_EQ(server.read(small).bytes, 5u);
  EXPECT_TRUE(server.has_buffered_input());
  IoStatus last{};
  EXPECT_EQ(read_available(server, last), " over TLS");
  EXPECT_FALSE(server.has_buffered_input());
  EXPECT_EQ(last, IoStatus::want_read);
  ASSERT_EQ(server.write(as_bytes("and back")).status, IoStatus::ok);
  EXPECT_EQ(read_available(client, last), "and back");
  EXPECT_EQ(last, IoStatus::want_read);
}

TEST_P(TlsTest, HandshakeThenEchoOverLoopbackTcp) {
  SocketPair sockets;
  tcp_pair(sockets);
  const TlsClientConfig client_config = trusting_client();
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "127.0.0.1");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::ok) << client.error();
  ASSERT_EQ(server_result.status, IoStatus::ok) << server.error();

  ASSERT_EQ(server.write(as_bytes("from the server")).status, IoStatus::ok);
  EXPECT_EQ(read_at_least(client, 15), "from the server");
  ASSERT_EQ(client.write(as_bytes("from the client")).status, IoStatus::ok);
  EXPECT_EQ(read_at_least(server, 15), "from the client");
}

TEST_P(TlsTest, ReadBeforeTheHandshakeDrivesIt) {
  SocketPair sockets;
  unix_pair(sockets);
  const TlsClientConfig client_config = trusting_client();
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  std::vector<std::byte> buffer(64);
  EXPECT_EQ(client.write(as_bytes("early")).bytes, 0u);  // nothing taken before keys exist
  for (int i = 0; i < 20 && !(server.handshake_complete() && client.handshake_complete()); ++i) {
    ASSERT_NE(server.read(buffer).status, IoStatus::error) << server.error();
    ASSERT_NE(client.write(as_bytes("early")).status, IoStatus::error) << client.error();
  }
  ASSERT_TRUE(server.handshake_complete());
  ASSERT_TRUE(client.handshake_complete());
}

// ---- large transfer: mbedTLS's partial writes and WANT_WRITE retries ----

TEST_P(TlsTest, OneMebibyteThroughSmallSocketBuffersBothWays) {
  SocketPair sockets;
  unix_pair(sockets);
  shrink_socket_buffers(sockets.server);
  shrink_socket_buffers(sockets.client);
  const TlsClientConfig client_config = trusting_client();
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::ok) << client.error();
  ASSERT_EQ(server_result.status, IoStatus::ok) << server.error();

  std::string data(1024 * 1024, '\0');
  std::mt19937 random(7);
  for (char& c : data)
    c = static_cast<char>(random());

  int partial_writes = 0;
  EXPECT_EQ(transfer(server, client, data, partial_writes), data);
  EXPECT_GT(partial_writes, 0);  // the socket filled up, so writes were cut short
  EXPECT_EQ(transfer(client, server, data, partial_writes), data);
  EXPECT_GT(partial_writes, 0);
}

TEST_P(TlsTest, BytesTakenWithWantWriteAreSentByFlush) {
  SocketPair sockets;
  unix_pair(sockets);
  shrink_socket_buffers(sockets.server);
  shrink_socket_buffers(sockets.client);
  const TlsClientConfig client_config = trusting_client();
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(server_result.status, IoStatus::ok) << server.error();

  std::string data(256 * 1024, '\0');
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7);
  const IoResult wrote = server.write(as_bytes(data));
  ASSERT_EQ(wrote.status, IoStatus::want_write);
  ASSERT_GT(wrote.bytes, 0u);
  ASSERT_LT(wrote.bytes, data.size());

  // No more data: flush() alone delivers exactly the bytes that write() took.
  std::string received;
  IoStatus last{};
  IoResult flushed{IoStatus::want_write, 0};
  for (int round = 0; round < 10'000 && received.size() < wrote.bytes; ++round) {
    if (flushed.status != IoStatus::ok) flushed = server.flush();
    received += read_available(client, last);
  }
  EXPECT_EQ(flushed.status, IoStatus::ok);
  EXPECT_EQ(received, data.substr(0, wrote.bytes));
  EXPECT_EQ(last, IoStatus::want_read);
}

// ---- verification (client) ----

TEST_P(TlsTest, ClientVerifiesTheCertificateForEachNameItCovers) {
  for (const char* name : {"localhost", "127.0.0.1", "::1", "[::1]"}) {
    SCOPED_TRACE(name);
    SocketPair sockets;
    unix_pair(sockets);
    const TlsClientConfig client_config = trusting_client();
    TlsSession server = TlsSession::server(server_config_, sockets.server);
    TlsSession client = TlsSession::client(client_config, sockets.client, name);
    IoResult server_result{}, client_result{};
    run_handshakes(server, client, server_result, client_result);
    EXPECT_EQ(client_result.status, IoStatus::ok) << client.error();
    EXPECT_EQ(server_result.status, IoStatus::ok) << server.error();
  }
}

TEST_P(TlsTest, ClientRejectsANameTheCertificateDoesNotCover) {
  for (const char* name : {"example.com", "10.0.0.1", "::2"}) {
    SCOPED_TRACE(name);
    SocketPair sockets;
    unix_pair(sockets);
    const TlsClientConfig client_config = trusting_client();
    TlsSession server = TlsSession::server(server_config_, sockets.server);
    TlsSession client = TlsSession::client(client_config, sockets.client, name);
    IoResult server_result{}, client_result{};
    run_handshakes(server, client, server_result, client_result);
    ASSERT_EQ(client_result.status, IoStatus::error);
    EXPECT_EQ(client.error(),
              "TLS handshake failed: certificate verification failed: the certificate is not "
              "valid for '" +
                  std::string(name) + "'");
    // The client's alert (RFC 5246 §7.2.2) ends the server's handshake too.
    EXPECT_EQ(server_result.status, IoStatus::error);
    EXPECT_NE(server.error().find("fatal alert"), std::string_view::npos) << server.error();
  }
}

TEST_P(TlsTest, ClientRejectsACertificateFromAnUntrustedIssuer) {
  TempDir other;
  ASSERT_FALSE(create_self_signed_certificate(other / "cert.pem", other / "key.pem"));
  TlsClientConfig client_config(GetParam());
  ASSERT_FALSE(client_config.load_ca(other / "cert.pem"));  // trusts a different certificate

  SocketPair sockets;
  unix_pair(sockets);
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::error);
  EXPECT_EQ(client.error(),
            "TLS handshake failed: certificate verification failed: the certificate is not "
            "issued by a trusted CA");
  EXPECT_EQ(server_result.status, IoStatus::error);
}

TEST_P(TlsTest, InsecureClientAcceptsAnyCertificateForAnyName) {
  TlsClientConfig client_config(GetParam());
  client_config.disable_verification();
  EXPECT_FALSE(client_config.verifies_peer());
  SocketPair sockets;
  unix_pair(sockets);
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "not-the-name.example");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  EXPECT_EQ(client_result.status, IoStatus::ok) << client.error();
  EXPECT_EQ(server_result.status, IoStatus::ok) << server.error();
}

TEST_P(TlsTest, VerifyingClientWithoutTrustedCasFailsAtOnce) {
  TlsClientConfig client_config(GetParam());
  EXPECT_TRUE(client_config.verifies_peer());
  SocketPair sockets;
  unix_pair(sockets);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  EXPECT_EQ(client.handshake().status, IoStatus::error);
  EXPECT_NE(client.error().find("no trusted CA"), std::string_view::npos) << client.error();
}

TEST_P(TlsTest, SystemStoreLoadsAndDoesNotTrustTheSelfSignedCertificate) {
  TlsClientConfig client_config(GetParam());
  if (auto failure = client_config.load_system_ca()) GTEST_SKIP() << failure->message;
  SocketPair sockets;
  unix_pair(sockets);
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  EXPECT_EQ(client_result.status, IoStatus::error);
  EXPECT_NE(client.error().find("not issued by a trusted CA"), std::string_view::npos)
      << client.error();
}

// ---- loading credentials: one-line errors that name the file ----

TEST_P(TlsTest, LoadAcceptsDerFiles) {
  TempDir temp;
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  ASSERT_EQ(mbedtls_x509_crt_parse_file(&certificate, cert_file().c_str()), 0);
  write_text(temp / "cert.der",
             std::string(reinterpret_cast<const char*>(certificate.raw.p), certificate.raw.len));
  mbedtls_x509_crt_free(&certificate);

  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  ASSERT_EQ(mbedtls_pk_parse_keyfile(&key, key_file().c_str(), nullptr), 0);
  unsigned char der[512];
  const int length = mbedtls_pk_write_key_der(&key, der, sizeof der);  // at the buffer's end
  mbedtls_pk_free(&key);
  ASSERT_GT(length, 0);
  write_text(temp / "key.der",
             std::string(reinterpret_cast<const char*>(der + sizeof der - length), length));

  TlsServerConfig config(GetParam());
  const auto failure = config.load(temp / "cert.der", temp / "key.der");
  EXPECT_FALSE(failure.has_value()) << failure->message;
  TlsClientConfig client_config(GetParam());
  EXPECT_FALSE(client_config.load_ca(temp / "cert.der"));
}

TEST_P(TlsTest, LoadReportsAMissingFile) {
  TempDir temp;
  TlsServerConfig config(GetParam());
  expect_one_line_naming(config.load(temp / "absent.pem", key_file()), temp / "absent.pem",
                         "No such file or directory");
  expect_one_line_naming(config.load(cert_file(), temp / "absent.key"), temp / "absent.key",
                         "No such file or directory");
  EXPECT_FALSE(config.loaded());
}

TEST_P(TlsTest, LoadReportsAnUnreadableFile) {
  TempDir temp;
  TlsServerConfig config(GetParam());
  // A directory cannot be read as a file.
  expect_one_line_naming(config.load(temp.path(), key_file()), temp.path(), "Is a directory");

  const fs::path locked = temp / "locked.pem";
  write_text(locked, read_text(cert_file()));
  ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
  if (::geteuid() != 0) {
    expect_one_line_naming(config.load(locked, key_file()), locked, "Permission denied");
    return;
  }
  // Root reads any file: try as an unprivileged user, in a child process.
  EXPECT_EXIT(
      {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
        TlsServerConfig child_config(GetParam());
        const auto error = child_config.load(locked, key_file());
        if (error) std::fputs(error->message.c_str(), stderr);
        ::_exit(error && error->message.find('\n') == std::string::npos ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "locked.pem.*Permission denied");
}

TEST_P(TlsTest, LoadReportsFilesThatAreNotACertificateOrKey) {
  TempDir temp;
  write_text(temp / "garbage", "this is not PEM\n\x01\x02\x03");
  write_text(temp / "empty", "");
  TlsServerConfig config(GetParam());
  expect_one_line_naming(config.load(temp / "garbage", key_file()), temp / "garbage",
                         "not a certificate");
  expect_one_line_naming(config.load(key_file(), key_file()), key_file(), "not a certificate");
  expect_one_line_naming(config.load(temp / "empty", key_file()), temp / "empty", "empty");
  expect_one_line_naming(config.load(cert_file(), temp / "garbage"), temp / "garbage",
                         "not a private key");
  expect_one_line_naming(config.load(cert_file(), cert_file()), cert_file(), "not a private key");
  EXPECT_FALSE(config.loaded());
}

TEST_P(TlsTest, LoadReportsAKeyThatDoesNotMatchTheCertificate) {
  TempDir other;
  ASSERT_FALSE(create_self_signed_certificate(other / "cert.pem", other / "key.pem"));
  TlsServerConfig config(GetParam());
  const auto error = config.load(cert_file(), other / "key.pem");
  expect_one_line_naming(error, other / "key.pem", "does not match the certificate");
  EXPECT_NE(error->message.find(cert_file().string()), std::string::npos);
  EXPECT_FALSE(config.loaded());
  // A failed load leaves nothing behind: the right pair still loads.
  EXPECT_FALSE(config.load(cert_file(), key_file()));
  EXPECT_TRUE(config.loaded());
}

TEST_P(TlsTest, LoadCaReportsMissingAndGarbageFiles) {
  TempDir temp;
  write_text(temp / "garbage", "-----BEGIN CERTIFICATE-----\nnot base64\n");
  TlsClientConfig config(GetParam());
  expect_one_line_naming(config.load_ca(temp / "absent"), temp / "absent",
                         "No such file or directory");
  expect_one_line_naming(config.load_ca(temp / "garbage"), temp / "garbage", "not a certificate");
  expect_one_line_naming(config.load_ca(temp.path()), temp.path(), "holds no certificate");
}

TEST_P(TlsTest, LoadCaAcceptsADirectoryOfCertificates) {
  TempDir temp;
  write_text(temp / "one.pem", read_text(cert_file()));
  TlsClientConfig config(GetParam());
  EXPECT_FALSE(config.load_ca(temp.path()));
}

// ---- non-TLS input to a server session ----

// Sends `bytes` to a fresh server session (then ends the stream if asked) and returns the
// server's error. Fails the test if the server neither fails nor completes promptly.
std::string server_error_for(const TlsServerConfig& config, std::string_view bytes,
                             bool end_stream) {
  SocketPair sockets;
  unix_pair(sockets);
  if (::send(sockets.client, bytes.data(), bytes.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(bytes.size())) {
    ADD_FAILURE() << "send failed";
  }
  if (end_stream) ::shutdown(sockets.client, SHUT_WR);
  TlsSession server = TlsSession::server(config, sockets.server);
  const IoResult result = server.handshake();
  EXPECT_EQ(result.status, IoStatus::error);
  EXPECT_EQ(server.handshake().status, IoStatus::error);  // and it stays failed
  return std::string(server.error());
}

TEST_P(TlsTest, PlainHttpToTheTlsPortFailsTheHandshakeAtOnce) {
  EXPECT_EQ(server_error_for(server_config_, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", false),
            "TLS handshake failed: plain HTTP (not TLS) sent to the TLS port");
  // Even the first five bytes are enough.
  EXPECT_EQ(server_error_for(server_config_, "GET /", false),
            "TLS handshake failed: plain HTTP (not TLS) sent to the TLS port");
}

TEST_P(TlsTest, GarbageToTheTlsPortFailsTheHandshake) {
  EXPECT_EQ(server_error_for(server_config_, std::string("\x00\x01\x02\x03\x04\x05", 6), false),
            "TLS handshake failed: not TLS (the first byte is not a handshake record)");
  // A handshake record header claiming more than a record may hold (RFC 5246 §6.2.1).
  EXPECT_FALSE(server_error_for(server_config_, "\x16\x03\x01\xff\xff", false).empty());
  // A handshake record that is not a ClientHello.
  EXPECT_FALSE(server_error_for(server_config_,
                                std::string("\x16\x03\x01\x00\x04\x02\x00\x00\x00", 9), false)
                   .empty());
  // Half a record, then the end of the stream.
  EXPECT_NE(server_error_for(server_config_, "\x16\x03\x01", true).find("closed"),
            std::string::npos);
}

TEST_P(TlsTest, RandomBytesNeverHangOrCrashAServerSession) {
  std::mt19937 random(1);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes(1 + random() % 600, '\0');
    for (char& c : bytes)
      c = static_cast<char>(random());
    if (trial % 2 == 0) bytes[0] = 0x16;  // past the first check: into record parsing
    SocketPair sockets;
    unix_pair(sockets);
    ASSERT_EQ(::send(sockets.client, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    ::shutdown(sockets.client, SHUT_WR);  // so a waiting parser sees the end
    TlsSession server = TlsSession::server(server_config_, sockets.server);
    IoResult result{IoStatus::want_write, 0};
    for (int i = 0; i < 10 && result.status == IoStatus::want_write; ++i) {
      result = server.handshake();
    }
    ASSERT_EQ(result.status, IoStatus::error) << "trial " << trial;
    EXPECT_FALSE(server.error().empty());
  }
}

// ---- closing (RFC 5246 §7.2.1) ----

class TlsCloseTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    unix_pair(sockets_);
    client_config_ = trusting_client();
    server_ = TlsSession::server(server_config_, sockets_.server);
    client_ = TlsSession::client(client_config_, sockets_.client, "localhost");
    IoResult server_result{}, client_result{};
    run_handshakes(server_, client_, server_result, client_result);
    ASSERT_EQ(client_result.status, IoStatus::ok) << client_.error();
    ASSERT_EQ(server_result.status, IoStatus::ok) << server_.error();
  }
  SocketPair sockets_;
  TlsClientConfig client_config_{GetParam()};
  TlsSession server_;
  TlsSession client_;
};

TEST_P(TlsCloseTest, ClientCloseNotifyThenServerAnswers) {
  ASSERT_EQ(client_.write(as_bytes("last words")).status, IoStatus::ok);
  ASSERT_EQ(client_.close_notify().status, IoStatus::ok);
  EXPECT_EQ(client_.write(as_bytes("more")).status, IoStatus::closed);

  IoStatus last{};
  EXPECT_EQ(read_available(server_, last), "last words");  // data before the alert arrives
  EXPECT_EQ(last, IoStatus::closed);
  std::vector<std::byte> buffer(16);
  EXPECT_EQ(server_.read(buffer).status, IoStatus::closed);  // and stays closed
  EXPECT_EQ(server_.write(as_bytes("too late")).status, IoStatus::closed);
  ASSERT_EQ(server_.close_notify().status, IoStatus::ok);

  EXPECT_EQ(read_available(client_, last), "");
  EXPECT_EQ(last, IoStatus::closed);
  EXPECT_TRUE(server_.error().empty());
  EXPECT_TRUE(client_.error().empty());
}

TEST_P(TlsCloseTest, ServerCloseNotifyThenClientAnswers) {
  ASSERT_EQ(server_.close_notify().status, IoStatus::ok);
  IoStatus last{};
  EXPECT_EQ(read_available(client_, last), "");
  EXPECT_EQ(last, IoStatus::closed);
  ASSERT_EQ(client_.close_notify().status, IoStatus::ok);
  EXPECT_EQ(read_available(server_, last), "");
  EXPECT_EQ(last, IoStatus::closed);
}

TEST_P(TlsCloseTest, EndOfStreamWithoutCloseNotifyReadsAsClosed) {
  ::shutdown(sockets_.client, SHUT_WR);
  IoStatus last{};
  EXPECT_EQ(read_available(server_, last), "");
  EXPECT_EQ(last, IoStatus::closed);
}

TEST_P(TlsCloseTest, CloseNotifyToAPeerThatIsGoneIsAnError) {
  ::close(sockets_.client);
  sockets_.client = -1;
  std::vector<std::byte> buffer(16);
  IoResult result = server_.read(buffer);
  // A Unix socketpair reports the peer's close as end of stream; writing to it fails.
  EXPECT_EQ(result.status, IoStatus::closed);
  EXPECT_EQ(server_.close_notify().status, IoStatus::error);
  EXPECT_FALSE(server_.error().empty());
}

TEST_P(TlsTest, CloseBeforeTheHandshakeSendsNothing) {
  SocketPair sockets;
  unix_pair(sockets);
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  EXPECT_EQ(server.close_notify().status, IoStatus::ok);
  EXPECT_EQ(server.handshake().status, IoStatus::closed);
  EXPECT_FALSE(server.handshake_complete());
  char byte;
  EXPECT_EQ(::recv(sockets.client, &byte, 1, 0), -1);  // nothing was sent
  EXPECT_EQ(errno, EAGAIN);
}

// ---- one backend against the other ----

TEST_P(TlsTest, TalksToTheOtherBackendOnTls12) {
  SocketPair sockets;
  unix_pair(sockets);
  const TlsClientConfig client_config = trusting_client(other_backend());
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "localhost");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::ok) << client.error();
  ASSERT_EQ(server_result.status, IoStatus::ok) << server.error();
  // mbedTLS speaks only TLS 1.2 (RFC 5246), so that is what they agree on.
  EXPECT_EQ(server.protocol_version(), "TLSv1.2");
  EXPECT_EQ(client.protocol_version(), "TLSv1.2");
  EXPECT_EQ(server.alpn_protocol(), "http/1.1");
  EXPECT_EQ(client.alpn_protocol(), "http/1.1");

  std::string data(200 * 1024, '\0');
  std::mt19937 random(3);
  for (char& c : data)
    c = static_cast<char>(random());
  int partial_writes = 0;
  EXPECT_EQ(transfer(server, client, data, partial_writes), data);
  EXPECT_EQ(transfer(client, server, data, partial_writes), data);
  ASSERT_EQ(client.close_notify().status, IoStatus::ok);
  IoStatus last{};
  EXPECT_EQ(read_available(server, last), "");
  EXPECT_EQ(last, IoStatus::closed);
}

TEST_P(TlsTest, ClientOfTheOtherBackendRejectsANameTheCertificateDoesNotCover) {
  SocketPair sockets;
  unix_pair(sockets);
  const TlsClientConfig client_config = trusting_client(other_backend());
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  TlsSession client = TlsSession::client(client_config, sockets.client, "example.com");
  IoResult server_result{}, client_result{};
  run_handshakes(server, client, server_result, client_result);
  ASSERT_EQ(client_result.status, IoStatus::error);
  EXPECT_EQ(client.error(),
            "TLS handshake failed: certificate verification failed: the certificate is not "
            "valid for 'example.com'");
  ASSERT_EQ(server_result.status, IoStatus::error);
  EXPECT_NE(server.error().find("the peer sent the fatal alert"), std::string_view::npos)
      << server.error();
}

#if WSCORE_TEST_OPENSSL
// RFC 6066 §3: a client names the host it wants (server_name) for a DNS name, and sends none for
// an IP literal. The server is OpenSSL itself, which records what it got.
TEST_P(TlsTest, ClientSendsTheHostNameAsSniAndNoneForAnIpLiteral) {
  const std::pair<const char*, const char*> cases[] = {
      {"localhost", "localhost"}, {"127.0.0.1", ""}, {"[::1]", ""}};
  for (const auto& [name, expected] : cases) {
    SCOPED_TRACE(name);
    SocketPair sockets;
    unix_pair(sockets);
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    ASSERT_NE(context, nullptr);
    ASSERT_EQ(SSL_CTX_use_certificate_file(context, cert_file().c_str(), SSL_FILETYPE_PEM), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(context, key_file().c_str(), SSL_FILETYPE_PEM), 1);
    SSL* raw_server = SSL_new(context);
    SSL_set_fd(raw_server, sockets.server);
    SSL_set_accept_state(raw_server);
    const TlsClientConfig client_config = trusting_client();
    TlsSession client = TlsSession::client(client_config, sockets.client, name);
    IoResult client_result{IoStatus::want_read, 0};
    int server_rc = -1;
    for (int round = 0; round < 100 && (pending(client_result.status) || server_rc != 1); ++round) {
      if (pending(client_result.status)) client_result = client.handshake();
      if (server_rc != 1) server_rc = SSL_do_handshake(raw_server);
      pollfd fds[2] = {{sockets.server, POLLIN, 0}, {sockets.client, POLLIN, 0}};
      ::poll(fds, 2, 50);
    }
    EXPECT_EQ(client_result.status, IoStatus::ok) << client.error();
    EXPECT_EQ(server_rc, 1);
    const char* sent = SSL_get_servername(raw_server, TLSEXT_NAMETYPE_host_name);
    EXPECT_EQ(std::string(sent != nullptr ? sent : ""), expected);
    SSL_free(raw_server);
    SSL_CTX_free(context);
    ERR_clear_error();
  }
}

// RFC 7301 §3.2: a client whose ALPN list lacks http/1.1 gets no_application_protocol. The
// client is OpenSSL itself, offering only "h2", over the socket.
TEST_P(TlsTest, ServerRefusesAClientThatOffersOnlyOtherAlpnProtocols) {
  SocketPair sockets;
  unix_pair(sockets);
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(context, nullptr);
  static constexpr unsigned char kH2[] = {2, 'h', '2'};
  ASSERT_EQ(SSL_CTX_set_alpn_protos(context, kH2, sizeof kH2), 0);
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  SSL* raw_client = SSL_new(context);
  SSL_set_fd(raw_client, sockets.client);
  SSL_set_connect_state(raw_client);
  TlsSession server = TlsSession::server(server_config_, sockets.server);
  IoResult server_result{IoStatus::want_read, 0};
  int client_rc = -1;
  for (int round = 0; round < 100 && pending(server_result.status); ++round) {
    client_rc = SSL_do_handshake(raw_client);
    server_result = server.handshake();
    pollfd fd{sockets.server, POLLIN, 0};
    ::poll(&fd, 1, 100);
  }
  client_rc = SSL_do_handshake(raw_client);
  EXPECT_EQ(server_result.status, IoStatus::error);
  EXPECT_NE(client_rc, 1);
  const unsigned long client_error = ERR_peek_last_error();
  SSL_free(raw_client);
  SSL_CTX_free(context);
  ERR_clear_error();
  if (GetParam() == TlsBackend::openssl) {
    EXPECT_EQ(ERR_GET_REASON(client_error), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
  }
}
#endif

// ---- sessions without a usable config ----

std::string backend_name(const ::testing::TestParamInfo<TlsBackend>& info) {
  return std::string(tls_backend_name(info.param));
}

#if WSCORE_TEST_OPENSSL
#define WSCORE_TEST_BACKENDS ::testing::Values(TlsBackend::mbedtls, TlsBackend::openssl)
#else
#define WSCORE_TEST_BACKENDS ::testing::Values(TlsBackend::mbedtls)
#endif
INSTANTIATE_TEST_SUITE_P(Backends, TlsTest, WSCORE_TEST_BACKENDS, backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, TlsCloseTest, WSCORE_TEST_BACKENDS, backend_name);

TEST(TlsSessionTest, EmptySessionReportsErrors) {
  TlsSession session;
  std::vector<std::byte> buffer(4);
  EXPECT_EQ(session.handshake().status, IoStatus::error);
  EXPECT_EQ(session.read(buffer).status, IoStatus::error);
  EXPECT_EQ(session.write(as_bytes("x")).status, IoStatus::error);
  EXPECT_EQ(session.close_notify().status, IoStatus::error);
  EXPECT_FALSE(session.error().empty());
  EXPECT_EQ(session.socket_fd(), -1);
}

TEST(TlsSessionTest, ServerWithoutCertificateFailsItsHandshake) {
  for (TlsBackend backend : {TlsBackend::mbedtls, TlsBackend::openssl}) {
    if (!tls_backend_available(backend)) continue;
    SCOPED_TRACE(tls_backend_name(backend));
    TlsServerConfig config(backend);
    SocketPair sockets;
    unix_pair(sockets);
    TlsSession server = TlsSession::server(config, sockets.server);
    EXPECT_EQ(server.handshake().status, IoStatus::error);
    EXPECT_EQ(server.error(), "TLS server has no certificate loaded");
  }
}

TEST(TlsBackendTest, NamesAndAvailability) {
  EXPECT_EQ(parse_tls_backend("mbedtls"), TlsBackend::mbedtls);
  EXPECT_EQ(parse_tls_backend("openssl"), TlsBackend::openssl);
  EXPECT_EQ(parse_tls_backend("OpenSSL"), std::nullopt);
  EXPECT_EQ(parse_tls_backend(""), std::nullopt);
  EXPECT_EQ(tls_backend_name(TlsBackend::openssl), "openssl");
  EXPECT_TRUE(tls_backend_available(TlsBackend::mbedtls));
  EXPECT_EQ(tls_backend_available(TlsBackend::openssl), WSCORE_TEST_OPENSSL != 0);
  EXPECT_EQ(TlsServerConfig().backend(), TlsBackend::mbedtls);  // the default
  EXPECT_EQ(TlsClientConfig(TlsBackend::openssl).backend(), TlsBackend::openssl);
}

// ---- the self-signed certificate ----

TEST_P(TlsTest, SelfSignedCertificateCoversLocalhostAndLoopbackAddresses) {
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  ASSERT_EQ(mbedtls_x509_crt_parse_file(&certificate, cert_file().c_str()), 0);
  EXPECT_EQ(certificate.version, 3);
  EXPECT_EQ(certificate.ca_istrue, 0);  // basicConstraints CA:FALSE
  EXPECT_TRUE(mbedtls_pk_can_do(&certificate.pk, MBEDTLS_PK_ECKEY));
  EXPECT_EQ(mbedtls_pk_ec(certificate.pk)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
  EXPECT_EQ(mbedtls_x509_crt_check_extended_key_usage(&certificate, MBEDTLS_OID_SERVER_AUTH,
                                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
            0);

  std::vector<std::string> names;
  for (const mbedtls_x509_sequence* entry = &certificate.subject_alt_names; entry != nullptr;
       entry = entry->next) {
    names.push_back(std::to_string(entry->buf.tag) + ":" +
                    std::string(reinterpret_cast<const char*>(entry->buf.p), entry->buf.len));
  }
  // dNSName is [2] (0x82 = 130), iPAddress is [7] (0x87 = 135), RFC 5280 §4.2.1.6.
  const std::vector<std::string> expected = {"130:localhost",
                                             "135:" + std::string("\x7f\x00\x00\x01", 4),
                                             "135:" + std::string(15, '\0') + "\x01"};
  EXPECT_EQ(names, expected);

  // Valid for a year, from about now.
  EXPECT_EQ(mbedtls_x509_time_is_past(&certificate.valid_from), 1);
  EXPECT_EQ(mbedtls_x509_time_is_future(&certificate.valid_to), 1);
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  EXPECT_GE(certificate.valid_to.year, utc.tm_year + 1900);
  EXPECT_LE(certificate.valid_to.year, utc.tm_year + 1901);
  mbedtls_x509_crt_free(&certificate);

  struct stat key_status {};
  ASSERT_EQ(::stat(key_file().c_str(), &key_status), 0);
  EXPECT_EQ(key_status.st_mode & 0777, 0600u);
}

TEST(CertificateTest, RejectsAnIpAddressThatIsNotOne) {
  TempDir temp;
  SelfSignedCertificateOptions options;
  options.ip_addresses = {"localhost"};
  const auto error = create_self_signed_certificate(temp / "c.pem", temp / "k.pem", options);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("'localhost' is no IP address"), std::string::npos);
  EXPECT_FALSE(fs::exists(temp / "c.pem"));
}

TEST(CertificateTest, ReportsADirectoryItCannotWrite) {
  TempDir temp;
  const auto error =
      create_self_signed_certificate(temp / "missing" / "c.pem", temp / "missing" / "k.pem");
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find((temp / "missing" / "k.pem").string()), std::string::npos);
}

TEST(CertificateTest, DefaultCertificateIsCreatedOnceThenReused) {
  TempDir temp;
  const fs::path directory = temp / "data" / "wscore";
  const DefaultCertificateResult first = ensure_default_certificate(directory);
  ASSERT_TRUE(first.certificate.has_value()) << first.error->message;
  EXPECT_TRUE(first.certificate->created);
  EXPECT_EQ(first.certificate->cert_file, directory / "cert.pem");
  EXPECT_EQ(first.certificate->key_file, directory / "key.pem");
  EXPECT_EQ(fs::status(directory).permissions() & fs::perms::all, fs::perms::owner_all);
  const std::string pem = read_text(first.certificate->cert_file);

  const DefaultCertificateResult second = ensure_default_certificate(directory);
  ASSERT_TRUE(second.certificate.has_value());
  EXPECT_FALSE(second.certificate->created);
  EXPECT_EQ(read_text(second.certificate->cert_file), pem);

  // Without its key, the pair is made again.
  fs::remove(directory / "key.pem");
  const DefaultCertificateResult third = ensure_default_certificate(directory);
  ASSERT_TRUE(third.certificate.has_value());
  EXPECT_TRUE(third.certificate->created);
  TlsServerConfig config;
  EXPECT_FALSE(config.load(third.certificate->cert_file, third.certificate->key_file));
}

// Sets an environment variable for one scope.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(CertificateTest, DefaultDirectoryFollowsTheXdgBaseDirectorySpecification) {
  {
    ScopedEnvironment data_home("XDG_DATA_HOME", "/srv/data");
    EXPECT_EQ(default_data_directory(), fs::path("/srv/data/wscore"));
  }
  ScopedEnvironment home("HOME", "/home/someone");
  {
    ScopedEnvironment data_home("XDG_DATA_HOME", "relative/ignored");
    EXPECT_EQ(default_data_directory(), fs::path("/home/someone/.local/share/wscore"));
  }
  ScopedEnvironment data_home("XDG_DATA_HOME", nullptr);
  EXPECT_EQ(default_data_directory(), fs::path("/home/someone/.local/share/wscore"));
}

}  // namespace
}  // namespace wscore::transport

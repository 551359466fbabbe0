// SPDX-License-Identifier: MIT
// wscore::asio::Stream over asio::ssl::stream (OpenSSL), with a certificate for localhost from
// the transport's generator (create_self_signed_certificate), verified by the client: messages
// and the close handshake through TLS, and the opening handshake's deadline covering TLS.
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "asio/loopback.hpp"
#include "wscore/asio/ssl.hpp"
#include "wscore/transport/certificate.hpp"

namespace wscore::asio::test {
namespace {

using TlsStream = Stream<net::ssl::stream<tcp::socket>>;
using boost::system::error_code;
using namespace std::chrono_literals;

// A certificate and key for localhost in a directory of their own, and the contexts that use
// them: the server's presents them, the client's trusts the certificate and checks the name.
class TestCertificate {
 public:
  TestCertificate() {
    directory_ =
        std::filesystem::temp_directory_path() / ("wscore-asio-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    const auto failure =
        transport::create_self_signed_certificate(directory_ / "cert.pem", directory_ / "key.pem");
    EXPECT_FALSE(failure) << failure->message;
    server_.use_certificate_chain_file((directory_ / "cert.pem").string());
    server_.use_private_key_file((directory_ / "key.pem").string(), net::ssl::context::pem);
    client_.load_verify_file((directory_ / "cert.pem").string());
    client_.set_verify_mode(net::ssl::verify_peer);
  }
  ~TestCertificate() { std::filesystem::remove_all(directory_); }

  net::ssl::context& server() { return server_; }
  // A client stream that verifies the server as localhost (SNI included).
  TlsStream client_stream(tcp::socket socket) {
    TlsStream stream(std::move(socket), client_);
    stream.next_layer().set_verify_callback(net::ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream.next_layer().native_handle(), "localhost");
    return stream;
  }

 private:
  std::filesystem::path directory_;
  net::ssl::context server_{net::ssl::context::tls_server};
  net::ssl::context client_{net::ssl::context::tls_client};
};

TEST(AsioTls, MessagesAndTheCloseHandshakeThroughTls) {
  TestCertificate certificate;
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  TlsStream server(std::move(sockets.server), certificate.server());
  TlsStream client = certificate.client_stream(std::move(sockets.client));
  bool server_done = false, client_done = false;
  spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await server.async_accept(net::use_awaitable);
        std::string message;
        for (;;) {
          message.clear();
          const auto [error, size] = co_await server.async_read(net::dynamic_buffer(message),
                                                                net::as_tuple(net::use_awaitable));
          if (error) {
            EXPECT_EQ(error, Error::closed);
            break;
          }
          co_await server.async_write(server.message_type(), net::buffer(message),
                                      net::use_awaitable);
        }
      },
      server_done);
  spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await client.async_handshake("localhost", "/secure", net::use_awaitable);
        // Larger than a TLS record (16 KiB): the message spans several.
        const std::string large(1 << 20, 'x');
        std::string echoed;
        co_await client.async_write(MessageType::binary, net::buffer(large), net::use_awaitable);
        co_await client.async_read(net::dynamic_buffer(echoed), net::use_awaitable);
        EXPECT_EQ(echoed, large);
        co_await client.async_close(1000, "done", net::use_awaitable);
      },
      client_done);
  ASSERT_TRUE(run_until(io, [&] { return server_done && client_done; }));
  EXPECT_EQ(server.request().path(), "/secure");
  EXPECT_EQ(server.ending()->code, 1000);
  EXPECT_EQ(server.ending()->reason, "done");
  EXPECT_EQ(client.ending()->error, Error::closed);
}

TEST(AsioTls, TheHandshakeTimeoutCoversTlsWhenThePeerSendsNoClientHello) {
  TestCertificate certificate;
  net::io_context io;
  SocketPair sockets = connected_pair(io);  // the client end never writes
  TlsStream server(std::move(sockets.server), certificate.server());
  StreamOptions options;
  options.policy.handshake_timeout = 50ms;
  server.set_options(options);
  std::optional<error_code> accepted;
  server.async_accept([&](error_code error) { accepted = error; });
  ASSERT_TRUE(run_until(io, [&] { return accepted.has_value(); }));
  EXPECT_EQ(*accepted, Error::timeout);
}

TEST(AsioTls, ACertificateThatDoesNotVerifyFailsTheHandshake) {
  TestCertificate certificate;
  net::io_context io;
  SocketPair sockets = connected_pair(io);
  TlsStream server(std::move(sockets.server), certificate.server());
  // A client that trusts nothing: the self-signed certificate does not verify.
  net::ssl::context untrusting(net::ssl::context::tls_client);
  untrusting.set_verify_mode(net::ssl::verify_peer);
  TlsStream client(std::move(sockets.client), untrusting);
  std::optional<error_code> accepted, handshake;
  server.async_accept([&](error_code error) { accepted = error; });
  client.async_handshake("localhost", "/", [&](error_code error) { handshake = error; });
  ASSERT_TRUE(run_until(io, [&] { return accepted && handshake; }));
  EXPECT_EQ(*handshake, Error::handshake_failed);
  EXPECT_TRUE(client.ending()->reason.starts_with("TLS handshake failed: "))
      << client.ending()->reason;
  EXPECT_EQ(*accepted, Error::handshake_failed);
}

}  // namespace
}  // namespace wscore::asio::test

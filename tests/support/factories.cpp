// SPDX-License-Identifier: MIT
#include "support/factories.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace wscore::test {

RandomSource fixed_random(MaskKey key) {
  return [key](MutableByteView out) {
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = key[i % 4];
  };
}

Connection open_server(ConnectionOptions options) {
  return Connection::open(Role::server, std::move(options));
}

Connection open_client(ConnectionOptions options, MaskKey key) {
  return Connection::open(Role::client, std::move(options), fixed_random(key));
}

ConnectionFactory server_factory(ConnectionOptions options) {
  return [options] { return open_server(options); };
}

ConnectionFactory client_factory(ConnectionOptions options) {
  return [options] { return open_client(options); };
}

Connection deflating(Role role, DeflateAgreement agreement, ConnectionOptions options) {
  Connection connection = Connection::open(role, std::move(options), fixed_random({}));
  EXPECT_EQ(connection.enable_deflate(agreement), ApiError::none);
  return connection;
}

ConnectionFactory deflating_factory(Role role, DeflateAgreement agreement,
                                    ConnectionOptions options) {
  return [=] { return deflating(role, agreement, options); };
}

ClientHandshake client_handshake(std::string_view host, std::string_view target,
                                 HandshakeNonce nonce) {
  ClientHandshake handshake{};
  handshake.request.host = host;
  handshake.request.target = target;
  handshake.nonce = nonce;
  return handshake;
}

ClientHandshake example_handshake() {
  HandshakeNonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<std::byte>(i);
  return client_handshake("server.example.com", "/chat", nonce);
}

Connection handshaking_client(const ClientHandshake& handshake, ConnectionOptions options) {
  return Connection::client(handshake, std::move(options), fixed_random({}));
}

ConnectionFactory handshaking_client_factory(const ClientHandshake& handshake,
                                             ConnectionOptions options) {
  return [handshake, options] { return handshaking_client(handshake, options); };
}

ConnectionFactory handshaking_server_factory(ConnectionOptions options) {
  return [options] { return Connection::server(options); };
}

ConnectionOptions streaming_delivery() {
  ConnectionOptions options;
  options.delivery = DeliveryMode::streaming;
  return options;
}

ConnectionOptions compress_everything() {
  ConnectionOptions options;
  options.deflate.compression_threshold = 0;
  return options;
}

std::string output_text(const Connection& connection) {
  return std::string(as_text(connection.pending_output()));
}

}  // namespace wscore::test

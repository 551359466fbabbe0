// SPDX-License-Identifier: MIT
// Test support: the connections, opening handshakes and options the unit tests start from, one
// documented version of each. Clients get a fixed RandomSource so that what they write is the
// same in every run.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore::test {

// Makes a fresh connection on every call: what trace_at_every_split replays each split on.
using ConnectionFactory = std::function<Connection()>;

// The masking key of the RFC 6455 §5.7 examples (37 fa 21 3d).
inline constexpr MaskKey rfc_mask_key = {std::byte{0x37}, std::byte{0xfa}, std::byte{0x21},
                                         std::byte{0x3d}};

// A deterministic RandomSource (never for production: RFC 6455 §10.3): every masking key it
// draws is `key`, and every other byte it is asked for repeats `key`.
RandomSource fixed_random(MaskKey key = {});

// --- Connections whose opening handshake happened elsewhere (Connection::open) ---

// A server. It has no RandomSource: a server never masks (RFC 6455 §5.1).
Connection open_server(ConnectionOptions options = {});
// A client that masks every frame with `key` (by default all zeros, so that its masked payloads
// read as they are).
Connection open_client(ConnectionOptions options = {}, MaskKey key = {});
// The same as factories.
ConnectionFactory server_factory(ConnectionOptions options = {});
ConnectionFactory client_factory(ConnectionOptions options = {});

// An open connection in `role` (with fixed_random() in either role) and permessage-deflate in
// force as `agreement` says; fails the current test if enable_deflate() refuses.
Connection deflating(Role role, DeflateAgreement agreement = {}, ConnectionOptions options = {});
ConnectionFactory deflating_factory(Role role, DeflateAgreement agreement = {},
                                    ConnectionOptions options = {});

// --- Connections that start with the opening handshake (RFC 6455 §4) ---

// The client's side of a handshake: GET `target` (empty: "/") from `host` with `nonce`, nothing
// else offered. The views must outlive the handshake.
ClientHandshake client_handshake(std::string_view host, std::string_view target = {},
                                 HandshakeNonce nonce = {});
// The client of RFC 6455 §1.3 without its offers: GET /chat from server.example.com, with the nonce
// 00 01 .. 0f (Sec-WebSocket-Key "AAECAwQFBgcICQoLDA0ODw==").
ClientHandshake example_handshake();

// A client that has queued its request in pending_output() (Connection::client), with the
// all-zero masking key. `handshake`'s views must outlive the factory.
Connection handshaking_client(const ClientHandshake& handshake, ConnectionOptions options = {});
ConnectionFactory handshaking_client_factory(const ClientHandshake& handshake,
                                             ConnectionOptions options = {});
// Servers awaiting the client's request (Connection::server).
ConnectionFactory handshaking_server_factory(ConnectionOptions options = {});

// --- Options ---

// Each piece of a message delivered as it arrives (DeliveryMode::streaming).
ConnectionOptions streaming_delivery();
// permessage-deflate (once in force) compresses every message, however small.
ConnectionOptions compress_everything();

// What `connection` has queued to write, as text (an HTTP head, say).
std::string output_text(const Connection& connection);

}  // namespace wscore::test

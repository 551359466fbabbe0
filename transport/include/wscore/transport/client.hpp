// SPDX-License-Identifier: MIT
/// @file
/// A WebSocket client connection on an EventLoop: TCP connect (trying each address the host
/// resolves to), TLS (wss://) with certificate verification, then a client-role wscore::Driver,
/// whose events reach the handlers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wscore/driver.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/server.hpp"
#include "wscore/uri.hpp"

namespace wscore::transport {

class TlsClientConfig;

/// Where and how a Client connects.
struct ClientOptions {
  WebSocketUri url;  ///< from parse_websocket_uri
  /// Subprotocols to offer, in our order of preference.
  std::vector<std::string> subprotocols;
  std::string extensions;  ///< Sec-WebSocket-Extensions offer, or empty
  /// The Origin header's value; empty: none.
  std::string origin;
  /// More request header fields (name, value), written after the others; the core refuses the
  /// request if one is not a valid field (is_valid_header()).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  /// A connected socket to run the connection over instead of connecting to `url` (a tunnel
  /// the caller opened, such as an HTTP CONNECT proxy's); the client takes it over. -1: none.
  int connected_socket = -1;
  /// The core's options (limits, delivery, permessage-deflate).
  ConnectionOptions connection;
  const TlsClientConfig* tls = nullptr;  ///< required for wss://; must outlive the client
  /// handshake_timeout covers TCP + TLS + upgrade; the rest as the driver documents them.
  DriverPolicy policy;
};

class Client;

/// What a Client calls, on its loop's thread. Views passed to a handler are valid during the
/// call only: copy what must outlive it. An empty handler is skipped.
struct ClientHandlers {
  /// The server accepted. `response` (its headers, subprotocol, extensions) is valid during the
  /// call only.
  std::function<void(Client&, const HandshakeResponse&)> on_open;
  /// A whole message; the view is valid during the call only (it may be passed to send()).
  std::function<void(Client&, MessageType, ByteView)> on_message;
  /// With ConnectionOptions::delivery == streaming: each piece of a message as it arrives.
  std::function<void(Client&, MessageType, ByteView, bool message_finished)> on_fragment;
  /// A Ping from the server (already answered by the core): its payload, valid during the call
  /// only.
  std::function<void(Client&, ByteView)> on_ping;
  /// A Pong from the server (solicited by ping() or not): its payload, valid during the call
  /// only.
  std::function<void(Client&, ByteView)> on_pong;
  /// Once opened, once, with the close code the core reported: CloseReceived (the peer's),
  /// ProtocolError (the one we sent) or ConnectionLost (with the reason). `reason` is valid
  /// during the call only.
  std::function<void(Client&, std::uint16_t code, std::string_view reason)> on_close;
  /// Connecting failed: refused, timed out, TLS (e.g. verification), or the server refused the
  /// upgrade (`http_status` then holds its status; 0 otherwise). `error` is valid during the call
  /// only.
  std::function<void(Client&, std::string_view error, int http_status)> on_error;
};

/// A WebSocket client connection on an EventLoop (see the file's comment).
class Client {
 public:
  /// Starts connecting (name resolution blocks). nullptr and a one-line `error` on failure.
  static std::unique_ptr<Client> connect(EventLoop& loop, ClientOptions options,
                                         ClientHandlers handlers, std::string& error);
  /// Closes the socket at once, without a close handshake, and leaves the loop.
  ~Client();

  /// Sends a message (`data` is copied); dropped unless the connection is open, or when the
  /// outbound buffer is over DriverPolicy::max_outbound_buffer.
  SendStatus send(MessageType type, ByteView data);
  /// Sends a Ping with `data` (at most 125 bytes, copied); false unless the connection is open
  /// and the core took it.
  bool ping(ByteView data);
  /// Starts the close handshake with `code` and `reason` (copied); on_close() follows.
  void close(std::uint16_t code, std::string_view reason);
  /// True while the connection is open (after on_open(), before the close).
  [[nodiscard]] bool open() const noexcept;
  /// True once the connection is over (closed, lost or failed) and its socket is closed.
  [[nodiscard]] bool finished() const noexcept;
  /// Bytes queued but not yet written.
  [[nodiscard]] std::size_t buffered_amount() const noexcept;
  /// The connection inside (state, subprotocol, agreements).
  /// @lifetime A reference into the client: valid as long as the client.
  [[nodiscard]] const Connection& connection() const noexcept;

  /// Applies the timeouts; call from the loop's tick.
  void check_timers();

 private:
  class Impl;
  Client() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wscore::transport

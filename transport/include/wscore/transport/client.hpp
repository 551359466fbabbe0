// SPDX-License-Identifier: MIT
// A WebSocket client connection on an EventLoop: TCP connect (trying each address the host
// resolves to), TLS (wss://) with certificate verification, then a client-role wscore::Driver,
// whose events reach the handlers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wscore/driver.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/server.hpp"
#include "wscore/uri.hpp"

namespace wscore::transport {

class TlsClientConfig;

struct ClientOptions {
  WebSocketUri url;  // from parse_websocket_uri
  std::vector<std::string> subprotocols;
  std::string extensions;  // Sec-WebSocket-Extensions offer, or empty
  std::string origin;
  ConnectionOptions connection;
  const TlsClientConfig* tls = nullptr;  // required for wss://; must outlive the client
  // handshake_timeout covers TCP + TLS + upgrade; the rest as the driver documents them.
  DriverPolicy policy;
};

class Client;

struct ClientHandlers {
  std::function<void(Client&, const HandshakeResponse&)> on_open;
  std::function<void(Client&, MessageType, ByteView)> on_message;
  // With ConnectionOptions::delivery == streaming: each piece of a message as it arrives.
  std::function<void(Client&, MessageType, ByteView, bool message_finished)> on_fragment;
  // Once opened, once, with the close code the core reported: CloseReceived (the peer's),
  // ProtocolError (the one we sent) or ConnectionLost (with the reason).
  std::function<void(Client&, std::uint16_t code, std::string_view reason)> on_close;
  // Connecting failed: refused, timed out, TLS (e.g. verification), or the server refused the
  // upgrade (`http_status` then holds its status; 0 otherwise).
  std::function<void(Client&, std::string_view error, int http_status)> on_error;
};

class Client {
 public:
  // Starts connecting (name resolution blocks). nullptr and a one-line `error` on failure.
  static std::unique_ptr<Client> connect(EventLoop& loop, ClientOptions options,
                                         ClientHandlers handlers, std::string& error);
  ~Client();

  SendStatus send(MessageType type, ByteView data);
  void close(std::uint16_t code, std::string_view reason);
  [[nodiscard]] bool open() const noexcept;
  // True once the connection is over (closed, lost or failed) and its socket is closed.
  [[nodiscard]] bool finished() const noexcept;
  [[nodiscard]] std::size_t buffered_amount() const noexcept;
  [[nodiscard]] const Connection& connection() const noexcept;

  // Applies the timeouts; call from the loop's tick.
  void check_timers();

 private:
  class Impl;
  Client() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wscore::transport

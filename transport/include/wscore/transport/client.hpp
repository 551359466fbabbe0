// A WebSocket client connection on an EventLoop: TCP connect, TLS (wss://) with certificate
// verification, the opening handshake and the messages, driving a client-role wscore::Connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::transport {

class Stream;
class TlsClientConfig;

// ws://host[:port]/path?query or wss://...; IPv6 literals in brackets.
struct WebSocketUrl {
  bool secure = false;
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string target = "/";
  std::string host_header;  // host[:port] as the Host header wants it
};
// nullopt (and a one-line `error`) for anything else.
std::optional<WebSocketUrl> parse_websocket_url(std::string_view url, std::string& error);

struct ClientOptions {
  WebSocketUrl url;
  std::vector<std::string> subprotocols;
  std::string extensions;  // Sec-WebSocket-Extensions offer, or empty
  std::string origin;
  ConnectionOptions connection;
  const TlsClientConfig* tls = nullptr;  // required for wss://; must outlive the client
  std::chrono::milliseconds connect_timeout{10'000};  // TCP + TLS + upgrade
  std::chrono::milliseconds close_timeout{5'000};
};

class Client;

struct ClientHandlers {
  std::function<void(Client&, const HandshakeResponse&)> on_open;
  std::function<void(Client&, MessageType, ByteView)> on_message;
  // The close handshake finished, or the connection was lost (1006), or failed (the code sent).
  std::function<void(Client&, std::uint16_t code, std::string_view reason)> on_close;
  // Connecting failed: refused, TLS (e.g. verification), or the server refused the upgrade
  // (`http_status` then holds its status; 0 otherwise).
  std::function<void(Client&, std::string_view error, int http_status)> on_error;
};

class Client final : public IoHandler {
 public:
  // Starts connecting (name resolution blocks). nullptr and a one-line `error` on failure.
  static std::unique_ptr<Client> connect(EventLoop& loop, ClientOptions options,
                                         ClientHandlers handlers, std::string& error);
  ~Client();

  SendStatus send(MessageType type, ByteView data);
  void close(std::uint16_t code, std::string_view reason);
  [[nodiscard]] bool open() const noexcept;
  // True once the connection is over (closed, lost or failed) and its socket is closed.
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  [[nodiscard]] std::size_t buffered_amount() const noexcept;
  [[nodiscard]] const Connection& connection() const noexcept { return *ws_; }

  void on_io(std::uint32_t epoll_events) override;
  // Applies the timeouts; call from the loop's tick.
  void check_timers();

 private:
  class Impl;
  Client(EventLoop& loop, ClientOptions options, ClientHandlers handlers);
  Stream stream_for(int fd) const;
  void on_writable_while_connecting();
  void drive();
  void handle_events();
  void flush();
  void update_interest();
  void fail(std::string_view error, int http_status);
  void finish(std::uint16_t code, std::string_view reason);
  void close_socket();

  EventLoop& loop_;
  ClientOptions options_;
  ClientHandlers handlers_;
  std::unique_ptr<Impl> impl_;  // socket, TLS and random source
  std::optional<Connection> ws_;
  std::size_t address_index_ = 0;  // which of the host's addresses the socket connects to
  std::uint64_t deadline_ms_ = 0;
  std::uint32_t interest_ = 0;
  bool connected_ = false;
  bool tls_done_ = false;
  bool finished_ = false;
  bool reported_ = false;
  bool wants_write_ = false;
};

}  // namespace wscore::transport

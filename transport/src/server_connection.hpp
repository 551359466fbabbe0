// One accepted socket: TLS (optional), then either a plain HTTP request (answered, then closed)
// or a WebSocket connection driven by wscore::Connection.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "server_internal.hpp"
#include "stream.hpp"

namespace wscore::transport {

class ServerConnection final : public Session, public IoHandler {
 public:
  ServerConnection(Server::Loop& loop, int fd, std::uint64_t id);
  ~ServerConnection();

  // Session
  SendStatus send(MessageType type, ByteView data) override;
  void close(std::uint16_t code, std::string_view reason) override;
  std::size_t buffered_amount() const override;
  std::string_view path() const override { return path_; }
  std::uint64_t id() const override { return id_; }

  // IoHandler
  void on_io(std::uint32_t epoll_events) override;

  // Timers: called by the loop's tick.
  void check_deadline(std::uint64_t now_ms);
  // Graceful shutdown: 1001 to open sessions, drop the rest.
  void shut_down();
  bool is_closed() const { return closed_; }
  std::size_t slot = 0;  // index in the loop's connection list

 private:
  enum class Phase : std::uint8_t {
    tls_handshake,  // TLS handshake in progress
    request_head,   // reading the HTTP request head
    http_response,  // answering a plain HTTP request, then closing
    websocket,      // upgraded (or being upgraded by the core)
  };
  enum class Deadline : std::uint8_t { none, handshake, idle, pong, close };

  void on_readable();
  bool finish_tls_handshake();
  void handle_bytes(MutableByteView bytes);
  void handle_request_head();
  void handle_events();
  void on_end_of_stream();
  void flush();
  void update_interest();
  void report_close(std::uint16_t code, std::string_view reason);
  void close_transport(std::string_view why);
  void set_deadline(Deadline kind, std::chrono::milliseconds after);

  Server::Loop& loop_;
  Stream stream_;
  std::uint64_t id_;
  Connection ws_;
  std::string head_;         // the request head while deciding between HTTP and WebSocket
  std::string http_output_;  // a plain HTTP response being written
  std::string path_;
  std::uint64_t deadline_ms_ = 0;
  Phase phase_;
  Deadline deadline_ = Deadline::none;
  std::uint32_t interest_ = 0;
  bool opened_ = false;    // on_open was called
  bool reported_ = false;  // on_close was called
  bool closed_ = false;    // socket closed; destroyed after this loop iteration
  bool paused_reading_ = false;
  bool tls_wants_write_ = false;
};

}  // namespace wscore::transport

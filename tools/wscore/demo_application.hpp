// SPDX-License-Identifier: MIT
// What `wscore serve` does with each request, one instance per event loop: plain HTTP (the demo
// page, --static files, /healthz, /metrics) and WebSockets (/chat, /inspect, echo elsewhere),
// with the metrics and the access log.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>

#include "access_log.hpp"
#include "chat_room.hpp"
#include "metrics.hpp"
#include "static_files.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::cli {

// What every loop's application shares; it outlives the server.
struct ServeContext {
  ServeMetrics metrics;
  ChatRoster chat;
  std::optional<StaticFiles> files;       // --static
  std::optional<AccessLog> access_log;    // --access-log, --log-json
  std::size_t compression_threshold = 0;  // DeflateOptions::compression_threshold (/inspect)
  std::size_t max_outbound_buffer = 0;    // ServerPolicy's, to tell backpressure from a close
};

class DemoApplication final : public transport::ServerApplication {
 public:
  DemoApplication(transport::Server& server, ServeContext& context)
      : server_(server), context_(context) {}

  transport::HttpResponse on_http_request(transport::Session& session,
                                          const HandshakeRequest& request) override;
  void on_handshake_failed(transport::Session& session, int status, std::string_view what) override;
  void on_open(transport::Session& session) override;
  void on_message_received(transport::Session& session, const MessageReceived& message) override;
  void on_protocol_error(transport::Session& session, std::uint16_t code,
                         Violation violation) override;
  void on_close(transport::Session& session, std::uint16_t code, std::string_view reason) override;

  // Sends to every /chat member of this loop.
  void broadcast(MessageType type, ByteView data);

 private:
  struct Connection {
    ConnectionRecord record;
    std::uint64_t bytes_received_before = 0;  // at the previous message (/inspect)
  };

  transport::HttpResponse route(const HandshakeRequest& request) const;
  void on_chat_message(transport::Session& session, MessageType type, ByteView data);
  void on_inspect_message(transport::Session& session, MessageType type, ByteView data,
                          std::uint8_t rsv);
  // Sends and counts (the access log's messages out, the backpressure metric).
  void send(transport::Session& session, MessageType type, ByteView data);
  // Counts a send to `session` in the metrics and its access-log record.
  void count_sent(transport::Session& session, transport::SendStatus status);
  // Hands a copy to every loop's broadcast() (the /chat members are spread over the loops).
  void broadcast_everywhere(MessageType type, ByteView data);

  transport::Server& server_;
  ServeContext& context_;
  std::unordered_map<transport::Session*, Connection> connections_;
  std::set<transport::Session*> chat_members_;
};

}  // namespace wscore::cli

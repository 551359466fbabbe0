// SPDX-License-Identifier: MIT
#include "demo_application.hpp"

#include <cstdio>
#include <memory>
#include <variant>
#include <vector>

#include "demo_page.hpp"
#include "inspector.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/version.hpp"

namespace wscore::cli {
namespace {

transport::HttpResponse uncached(int status, std::string content_type, std::string body) {
  transport::HttpResponse response{status, std::move(content_type), std::move(body)};
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

transport::HttpResponse DemoApplication::route(const HandshakeRequest& request) const {
  if (request.method() != "GET" && request.method() != "HEAD") {
    return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  }
  // These names are the server's own, whatever --static holds.
  const std::string_view path = request.path();
  if (path == "/healthz") {
    char body[96];
    std::snprintf(body, sizeof body, "ok\nuptime_seconds %.3f\nversion %s\n",
                  context_.metrics.uptime_seconds(), version_string);
    return uncached(200, "text/plain; charset=utf-8", body);
  }
  if (path == "/metrics") {
    return uncached(200, ServeMetrics::content_type, context_.metrics.exposition(server_.stats()));
  }
  // The demo page is at "/" unless --static brings its own index.html.
  const bool demo_at_root = !context_.files || !context_.files->has_index();
  if ((path == "/" || path == "/index.html") && demo_at_root) {
    transport::HttpResponse page{200, "text/html; charset=utf-8", std::string(demo_page)};
    page.headers.emplace_back("Cache-Control", "no-cache");
    return page;
  }
  if (context_.files) return context_.files->answer(request);
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

transport::HttpResponse DemoApplication::on_http_request(transport::Session& session,
                                                         const HandshakeRequest& request) {
  transport::HttpResponse response = route(request);
  context_.metrics.count_http_response(response.status);
  if (context_.access_log) {
    const bool bodyless = response.omit_body || request.method() == "HEAD";
    context_.access_log->http_answered(session, request.method(), request.target(), response.status,
                                       bodyless ? 0 : response.body.size());
  }
  return response;
}

void DemoApplication::on_handshake_failed(transport::Session& session, int status,
                                          std::string_view what) {
  context_.metrics.count_handshake_failure(status);
  if (context_.access_log) context_.access_log->handshake_failed(session, status, what);
}

void DemoApplication::on_open(transport::Session& session) {
  connections_[&session].bytes_received_before = session.bytes_received();
  if (session.path() == "/chat") chat_members_.insert(&session);
}

void DemoApplication::on_message_received(transport::Session& session,
                                          const MessageReceived& message) {
  ++connections_[&session].record.messages_in;
  if (session.path() == "/chat") {
    on_chat_message(session, message.type, message.data);
  } else if (session.path() == "/inspect") {
    on_inspect_message(session, message.type, message.data, message.rsv);
  } else {
    send(session, message.type, message.data);
  }
}

void DemoApplication::on_chat_message(transport::Session& session, MessageType type,
                                      ByteView data) {
  const ChatCommand command =
      type == MessageType::text ? parse_chat_command(as_text(data)) : ChatCommand(ChatRelay{});
  if (const auto* join = std::get_if<ChatJoin>(&command)) {
    const auto change = context_.chat.join(session.id(), join->name);
    if (!change) {
      send(session, MessageType::text, as_bytes(chat_error("already joined")));
      return;
    }
    send(session, MessageType::text, as_bytes(chat_welcome(*change)));
    broadcast_everywhere(MessageType::text, as_bytes(chat_presence("join", *change)));
  } else if (const auto* say = std::get_if<ChatSay>(&command)) {
    const auto name = context_.chat.name_of(session.id());
    if (!name) {
      send(session, MessageType::text, as_bytes(chat_error("join first")));
      return;
    }
    broadcast_everywhere(MessageType::text, as_bytes(chat_message(*name, say->text)));
  } else {
    broadcast_everywhere(type, data);
  }
}

void DemoApplication::on_inspect_message(transport::Session& session, MessageType type,
                                         ByteView data, std::uint8_t rsv) {
  Connection& connection = connections_[&session];
  const MessageOnTheWire received{type, (rsv & rsv_bit::rsv1) != 0, data.size(),
                                  session.bytes_received() - connection.bytes_received_before};
  connection.bytes_received_before = session.bytes_received();
  // Inside on_message nothing is written yet: what the echo adds to the queue is its frame.
  const std::size_t queued_before = session.buffered_amount();
  send(session, type, data);
  const std::uint64_t echo_bytes = session.buffered_amount() - queued_before;
  const std::string extensions = session.extensions();
  const MessageOnTheWire sent{
      type,
      echo_bytes > 0 &&
          echo_was_compressed(data.size(), echo_bytes, extensions, context_.compression_threshold),
      data.size(), echo_bytes};
  send(session, MessageType::text, as_bytes(inspect_report(received, sent, extensions)));
}

void DemoApplication::send(transport::Session& session, MessageType type, ByteView data) {
  count_sent(session, session.send(type, data));
}

void DemoApplication::count_sent(transport::Session& session, transport::SendStatus status) {
  if (status == transport::SendStatus::dropped) {
    if (session.buffered_amount() >= context_.max_outbound_buffer) {
      context_.metrics.count_send_refused();
    }
    return;
  }
  if (const auto found = connections_.find(&session); found != connections_.end()) {
    ++found->second.record.messages_out;
  }
}

void DemoApplication::broadcast_everywhere(MessageType type, ByteView data) {
  auto shared = std::make_shared<std::vector<std::byte>>(data.begin(), data.end());
  server_.for_each_application([shared, type](transport::ServerApplication& application) {
    static_cast<DemoApplication&>(application).broadcast(type, *shared);
  });
}

void DemoApplication::broadcast(MessageType type, ByteView data) {
  // Framed (and, where a member's permessage-deflate resets after every message, compressed)
  // once for the whole room on this loop. A copy of the members: a failed send closes its
  // session, which leaves chat_members_ in on_close.
  const PreparedMessage message(type, data);
  const std::vector<transport::Session*> members(chat_members_.begin(), chat_members_.end());
  for (transport::Session* member : members) {
    if (chat_members_.count(member)) count_sent(*member, member->send_prepared(message));
  }
}

void DemoApplication::on_protocol_error(transport::Session&, std::uint16_t code, Violation) {
  context_.metrics.count_protocol_error(code);
}

void DemoApplication::on_close(transport::Session& session, std::uint16_t code,
                               std::string_view reason) {
  context_.metrics.count_close(code);
  const auto found = connections_.find(&session);
  if (context_.access_log && found != connections_.end()) {
    context_.access_log->websocket_closed(session, found->second.record, code, reason);
  }
  if (found != connections_.end()) connections_.erase(found);
  if (chat_members_.erase(&session)) {
    if (const auto change = context_.chat.leave(session.id())) {
      broadcast_everywhere(MessageType::text, as_bytes(chat_presence("leave", *change)));
    }
  }
}

}  // namespace wscore::cli

// SPDX-License-Identifier: MIT
// What a Connection reports: small values, as in h11/wsproto. Payload views point into the
// caller's input buffer or the connection's own buffers and stay valid until the next call of a
// non-const member of the Connection that produced them.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "wscore/bytes.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"
#include "wscore/http_error.hpp"
#include "wscore/violation.hpp"

namespace wscore {

enum class MessageType : std::uint8_t { text = 1, binary = 2 };

// Server role: a valid opening handshake arrived. Answer with Connection::accept() or reject().
struct RequestReceived {
  const HandshakeRequest* request;
};

// Server role with ConnectionOptions::plain_http: a valid HTTP/1.x request that does not ask
// for a WebSocket (RFC 6455 §4.2.1 item 3). Answer it with Connection::respond().
struct HttpRequestReceived {
  const HandshakeRequest* request;
};

// Client role: the server accepted; the connection is open.
struct HandshakeCompleted {
  const HandshakeResponse* response;
};

// The opening handshake failed. Server role: an error response with `error.status` is queued;
// flush it and close the transport. Client role: the server's response was refused.
struct HandshakeFailed {
  HttpError error;
};

// A whole message (DeliveryMode::whole_messages). Text is valid UTF-8 (RFC 6455 §8.1).
struct MessageReceived {
  MessageType type;
  ByteView data;
  std::uint8_t rsv;  // RSV bits of the message's first frame (for a negotiated extension);
                     // with permessage-deflate, RSV1 means it came compressed (`data` is inflated)
  std::string_view text() const noexcept { return as_text(data); }
};

// The next piece of a message (DeliveryMode::streaming): each frame's payload as it arrives.
// Text pieces are valid UTF-8 so far, though a code point may continue in the next piece.
struct FragmentReceived {
  MessageType type;
  ByteView data;
  bool message_finished;
  std::uint8_t rsv;  // RSV bits of the message's first frame
};

// RFC 6455 §5.5.2. With ConnectionOptions::auto_pong the Pong is already queued.
struct PingReceived {
  ByteView data;
};

struct PongReceived {
  ByteView data;
};

// RFC 6455 §5.5.1: the peer sent a Close. `code` is 1005 when the frame carried none. If we had
// not sent a Close yet, the reply echoing the code is already queued (§7.1.2).
struct CloseReceived {
  std::uint16_t code;
  std::string_view reason;
};

// The peer broke the protocol. A Close with `code` is queued (RFC 6455 §7.1.7: fail the
// connection); no event follows; flush the output and close the transport.
struct ProtocolError {
  std::uint16_t code;   // 1002, 1007, 1009, ...: close_code_for(violation)
  Violation violation;  // which rule the peer broke
  std::string_view what() const noexcept { return to_string(violation); }
};

// The connection ended before its close handshake finished: the transport reached end of stream
// (RFC 6455 §7.1.5) or gave up (Connection::abort: a timeout, a failed write). The close code is
// then 1006, which is never sent (§7.4.1).
struct ConnectionLost {
  std::uint16_t code;
  std::string_view reason;  // what the transport said, or "end of stream without a Close"
};

using Event = std::variant<RequestReceived, HttpRequestReceived, HandshakeCompleted,
                           HandshakeFailed, MessageReceived, FragmentReceived, PingReceived,
                           PongReceived, CloseReceived, ProtocolError, ConnectionLost>;

// Builds a visitor for std::visit from lambdas, one per event type: std::visit then refuses to
// compile a dispatch that forgets one, so no event can be dropped silently.
//   std::visit(Overloaded{[](const MessageReceived& m) {...}, ..., [](const ConnectionLost&) {}},
//              event);
template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace wscore

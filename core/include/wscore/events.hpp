// SPDX-License-Identifier: MIT
/// @file
/// What a Connection reports: small values, as in h11/wsproto. Payload views point into the
/// caller's input buffer or the connection's own buffers and stay valid until the next call of a
/// non-const member of the Connection that produced them.
///
/// Every view and pointer an event carries (payloads, reasons, the handshake request or
/// response) is valid until the next call of a non-const member of the Connection (or Driver)
/// that produced it, next_event() included, or until that object is destroyed or moved from;
/// a view into a buffer given to receive_in_place() also ends when the caller reuses or frees
/// that buffer (allowed once next_event() has returned std::nullopt). It may be passed to the
/// call that ends it: send(), send_fragment(), ping(), pong() and close() read their arguments
/// before they change anything, so an echo needs no copy. Keep anything longer by copying it.
/// The exceptions, which live longer, are said where they are.
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

/// A data message's type: its first frame's opcode (RFC 6455 §5.6).
enum class MessageType : std::uint8_t { text = 1, binary = 2 };

/// Server role: a valid opening handshake arrived. Answer with Connection::accept() or reject().
struct RequestReceived {
  /// The request: path, query, Host, Origin, headers, subprotocols, extension offers.
  /// @lifetime Longer than the general rule: the request (and every view it gives) stays valid
  /// while the connection awaits the answer, through accept(), reject(), respond() or abort(),
  /// so AcceptOptions may hold views into it; it is freed by the next call of next_event()
  /// after the answer, or with the connection. Moving the connection keeps it valid.
  const HandshakeRequest* request;
};

/// Server role with ConnectionOptions::plain_http: a valid HTTP/1.x request that does not ask
/// for a WebSocket (RFC 6455 §4.2.1 item 3). Answer it with Connection::respond().
struct HttpRequestReceived {
  /// The request; only method, target, path, query, host and headers are filled in.
  /// @lifetime As RequestReceived::request: valid through respond() (or abort()), so the
  /// HttpResponse may hold views into it, until the next call of next_event() after it.
  const HandshakeRequest* request;
};

/// Client role: the server accepted; the connection is open.
struct HandshakeCompleted {
  /// The server's 101 response: its headers, the subprotocol and extensions it chose.
  /// @lifetime Until the next call of next_event(), which frees it, or until the connection is
  /// destroyed (moving the connection keeps it valid). Connection::subprotocol() keeps the
  /// subprotocol for longer.
  const HandshakeResponse* response;
};

/// The opening handshake failed. Server role: an error response with `error.status` is queued;
/// flush it and close the transport. Client role: the server's response was refused.
struct HandshakeFailed {
  /// Why: the status and a reason (see HttpError::what for how long the reason lives).
  HttpError error;
};

/// A whole message (DeliveryMode::whole_messages). Text is valid UTF-8 (RFC 6455 §8.1).
struct MessageReceived {
  /// Text or binary.
  MessageType type;
  /// The payload, unmasked (and inflated, with permessage-deflate): a view of the input (the
  /// caller's receive_in_place() buffer, or the connection's copy of what receive() took) when
  /// the message sat whole in it, else of the connection's message buffer.
  /// @lifetime Until the next call of a non-const member of the connection (see the file's
  /// comment); a view of a receive_in_place() buffer also ends with that buffer.
  ByteView data;
  std::uint8_t rsv;  ///< RSV bits of the message's first frame (for a negotiated extension);
                     ///< with permessage-deflate, RSV1 means it came compressed (`data` is
                     ///< inflated)
  /// The payload as text (UTF-8 for a text message).
  /// @lifetime That of `data`.
  std::string_view text() const noexcept { return as_text(data); }
};

/// The next piece of a message (DeliveryMode::streaming): each frame's payload as it arrives.
/// Text pieces are valid UTF-8 so far, though a code point may continue in the next piece.
struct FragmentReceived {
  /// The message's type (that of its first frame).
  MessageType type;
  /// The piece, unmasked: a view of the input (the caller's buffer or the connection's copy),
  /// or, for a compressed message, of the connection's inflate buffer.
  /// @lifetime Until the next call of a non-const member of the connection; a view of a
  /// receive_in_place() buffer also ends with that buffer.
  ByteView data;
  /// True on the message's last piece.
  bool message_finished;
  std::uint8_t rsv;  ///< RSV bits of the message's first frame
};

/// The peer sent a Ping (RFC 6455 §5.5.2). With ConnectionOptions::auto_pong the Pong is
/// already queued.
struct PingReceived {
  /// The Ping's payload (at most 125 bytes): a view of the input or of the connection's
  /// control-frame buffer.
  /// @lifetime Until the next call of a non-const member of the connection (pong(data) may be
  /// that call); a view of a receive_in_place() buffer also ends with that buffer.
  ByteView data;
};

/// The peer sent a Pong (RFC 6455 §5.5.3), solicited or not.
struct PongReceived {
  /// The Pong's payload (at most 125 bytes).
  /// @lifetime As PingReceived::data.
  ByteView data;
};

/// RFC 6455 §5.5.1: the peer sent a Close. `code` is 1005 when the frame carried none. If we had
/// not sent a Close yet, the reply echoing the code is already queued (§7.1.2).
struct CloseReceived {
  /// The peer's close code, valid (is_valid_close_code()), or 1005 when it sent none.
  std::uint16_t code;
  /// The peer's reason, valid UTF-8, at most 123 bytes; empty when none.
  /// @lifetime As PingReceived::data: a view of the Close frame's payload.
  std::string_view reason;
};

/// The peer broke the protocol. A Close with `code` is queued (RFC 6455 §7.1.7: fail the
/// connection); no event follows; flush the output and close the transport.
struct ProtocolError {
  std::uint16_t code;   ///< 1002, 1007, 1009, ...: close_code_for(violation)
  Violation violation;  ///< which rule the peer broke
  /// The rule in words, with its RFC section (to_string(Violation)): the Close frame's reason.
  /// @lifetime A string literal: valid for the life of the program.
  std::string_view what() const noexcept { return to_string(violation); }
};

/// The connection ended before its close handshake finished: the transport reached end of stream
/// (RFC 6455 §7.1.5) or gave up (Connection::abort: a timeout, a failed write). The close code is
/// then 1006, which is never sent (§7.4.1).
struct ConnectionLost {
  /// Always 1006 (close_code::abnormal_closure).
  std::uint16_t code;
  std::string_view reason;  ///< what the transport said, or "end of stream without a Close"
                            ///< @lifetime "end of stream without a Close" is a string literal;
                            ///< what the transport said (abort(reason), Driver timeouts) is the
                            ///< connection's copy, valid until it is destroyed or moved from.
};

/// Every event a Connection (or Driver) reports: dispatch it with std::visit and Overloaded.
using Event = std::variant<RequestReceived, HttpRequestReceived, HandshakeCompleted,
                           HandshakeFailed, MessageReceived, FragmentReceived, PingReceived,
                           PongReceived, CloseReceived, ProtocolError, ConnectionLost>;

/// Builds a visitor for std::visit from lambdas, one per event type: std::visit then refuses to
/// compile a dispatch that forgets one, so no event can be dropped silently.
/// @code
/// std::visit(Overloaded{[](const MessageReceived& m) {...}, ..., [](const ConnectionLost&) {}},
///            event);
/// @endcode
/// @tparam Handlers the lambdas' types (deduced).
template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
/// Deduces Overloaded's handler types from its initializers.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace wscore

// SPDX-License-Identifier: MIT
/// @file
/// One WebSocket connection, either role, with no I/O (sans-IO): bytes in, events out; actions in,
/// bytes out. Nothing here reads a clock, a socket, a file or a random source of its own.
///
/// @code
///   conn.receive(bytes_from_the_network);            // or receive_in_place(), zero-copy
///   while (auto event = conn.next_event()) { ... handle *event ... }
///   write(conn.pending_output()); conn.consume_output(bytes_written);
///   if (conn.transport_action() == TransportAction::close_when_flushed && output is empty) close.
/// @endcode
///
/// Lifetimes: receive_in_place(MutableByteView) keeps a view of the caller's buffer and parses it
/// lazily in next_event(), unmasking payloads in place; the buffer must stay valid until
/// next_event() returns std::nullopt, after which the connection has copied whatever it still
/// needs. receive(ByteView) copies. Every view an event carries stays valid until the next call of
/// a non-const member of this connection.
///
/// Where the connection is in its life is one enum, ConnectionState, changed in one place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/buffer_pool.hpp"
#include "wscore/bytes.hpp"
#include "wscore/close_code.hpp"
#include "wscore/detail/byte_buffer.hpp"
#include "wscore/events.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/frame_parser.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"
#include "wscore/mask.hpp"
#include "wscore/permessage_deflate.hpp"
#include "wscore/role.hpp"
#include "wscore/utf8.hpp"

namespace wscore {

/// How data messages are delivered.
enum class DeliveryMode : std::uint8_t {
  whole_messages,  ///< MessageReceived, bounded by max_message_size
  streaming,       ///< FragmentReceived per frame piece, in constant memory
};

/// Fills its argument with random bytes. The client role draws every masking key from it
/// (RFC 6455 §5.3), so it must be unpredictable — a CSPRNG such as getrandom(2) — or an
/// attacker can steer the masked bytes on the wire (§10.3).
using RandomSource = std::function<void(MutableByteView)>;

/// A connection's limits and behaviour, fixed at construction (Connection::options()).
struct ConnectionOptions {
  /// 16 MiB: the default of both size limits.
  static constexpr std::uint64_t default_limit = 16 * 1024 * 1024;
  std::uint64_t max_frame_size = default_limit;    ///< over it: 1009
  std::uint64_t max_message_size = default_limit;  ///< over it: 1009 (both delivery modes)
  /// Frames of one message (a tiny-fragment flood costs a header per byte); over it: 1008.
  /// The default is twice the Autobahn|Testsuite's most (4 MiB in 64-byte fragments).
  std::uint32_t max_fragments_per_message = 131'072;
  std::size_t max_handshake_size = 8 * 1024;  ///< request/response head; over it: 431
  /// Whole messages or pieces as they arrive (see DeliveryMode).
  DeliveryMode delivery = DeliveryMode::whole_messages;
  /// Server role: a request that does not ask for a WebSocket (no Upgrade naming "websocket",
  /// RFC 6455 §4.2.1 item 3) is reported as HttpRequestReceived, to be answered with respond(),
  /// instead of failing the handshake with 400. It is held to RFC 9112 all the same.
  bool plain_http = false;
  bool auto_pong = true;  ///< answer each Ping with a Pong carrying its payload (RFC 6455 §5.5.2)
  /// Server role: subprotocols we speak, in our order of preference. accept() picks the first
  /// that the client offered unless told otherwise.
  std::vector<std::string> subprotocols;
  /// permessage-deflate (RFC 7692), off unless deflate.enabled. Server role: accept() answers the
  /// first offer it can honour; client role: client() offers it and checks the answer. With it
  /// in force, max_message_size bounds the inflated message, and the compressed bytes of a
  /// message may exceed both limits by deflate's expansion (with_deflate_expansion()).
  DeflateOptions deflate;
  /// Where the message and output buffers come from: a pool the event loop shares among its
  /// connections (no allocation per message once warm), or none (malloc and free).
  /// @lifetime The pool outlives the connection.
  BufferPool* buffer_pool = nullptr;
};

/// Whether a message may be compressed when permessage-deflate is in force.
enum class Compression : std::uint8_t {
  automatic,  ///< compressed if at least DeflateOptions::compression_threshold bytes; a message
              ///< sent in fragments is compressed unless its first call is also its last
  never,      ///< sent as is (RSV1 clear): for payloads that are compressed already
};

/// What the connection needs from the client role at construction.
struct ClientHandshake {
  /// The request's Host, target, Origin, subprotocols, extensions and extra headers.
  /// @lifetime Views the caller owns, read during Connection::client() (or Driver::client())
  /// only: the request is written and the offers copied then.
  ClientRequestOptions request;
  HandshakeNonce nonce;  ///< 16 unpredictable bytes (RFC 6455 §4.1)
};

/// What the transport should do with the underlying stream.
enum class TransportAction : std::uint8_t {
  keep_open,           ///< keep reading and writing
  close_when_flushed,  ///< write out pending_output(), then close (RFC 6455 §7.1.1, §7.1.7)
  await_peer_close,    ///< client after the close handshake: the server closes first (§7.1.1);
                       ///< close after a timeout of your choice if it does not
};

/// Where a connection is in its life. Every change goes through one function (Connection::enter),
/// which allows only these steps:
/// @verbatim
///   handshake -> awaiting_accept (server) | open (client) | failed
///   awaiting_accept -> open (accept) | closed (reject, respond) | failed
///   open -> close_sent | closed (the peer's Close, answered) | failed
///   close_sent -> closed (the peer's Close) | failed
/// @endverbatim
/// closed and failed are final.
enum class ConnectionState : std::uint8_t {
  handshake,        ///< opening handshake in progress
  awaiting_accept,  ///< server: the request was reported; accept(), reject() or respond() next
  open,             ///< messages flow both ways
  close_sent,       ///< we sent a Close and wait for the peer's (RFC 6455 §7.1.2)
  closed,           ///< the close handshake finished, or the request was answered and refused
  failed,           ///< the connection failed: protocol error, bad handshake, lost or aborted
};

/// Misuse of the API by the caller — never a protocol violation, nothing is sent. Every result of
/// this type must be looked at ([[nodiscard]]). `none` means the call did what it says.
// (clang-format 14 misreads an attribute on an enum.)
// clang-format off
enum class [[nodiscard]] ApiError : std::uint8_t {
  none,
  wrong_state,                ///< e.g. send before the handshake or after close()
  message_in_progress,        ///< a fragmented send is unfinished
  control_payload_too_large,  ///< ping/pong over 125 bytes, close reason over 123 (RFC 6455 §5.5)
  invalid_close_code,         ///< not a code one may send (RFC 6455 §7.4)
  invalid_utf8,               ///< text or close reason that is not UTF-8 (RFC 6455 §8.1)
  no_random_source,           ///< client role without a RandomSource
  subprotocol_not_offered,    ///< accept() with a subprotocol the client did not offer
  invalid_header,             ///< a header name that is not a token, or a value with CR/LF/NUL
  invalid_deflate_options,    ///< DeflateOptions out of range (validate_deflate_options)
  extension_conflict,         ///< permessage-deflate named by the caller while the connection
                              ///< negotiates it, or enable_deflate() when it is in force already
  out_of_memory,              ///< no memory for the frame, or zlib none in a compressed message
  plain_http_not_enabled,     ///< respond() without ConnectionOptions::plain_http
  outbound_buffer_full,       ///< Driver: over DriverPolicy::max_outbound_buffer (backpressure)
};
// clang-format on

/// The error in words, e.g. "not allowed in the connection's current state" (for logs).
/// @lifetime A string literal: valid for the life of the program.
[[nodiscard]] const char* to_string(ApiError error) noexcept;

/// How a server accepts a WebSocket request (Connection::accept).
///
/// @lifetime Every view is read during accept() only (the response is written then, and the
/// chosen subprotocol copied), so it may point into the request being accepted
/// (RequestReceived::request stays valid through accept()).
struct AcceptOptions {
  /// nullopt picks from ConnectionOptions::subprotocols; a value must be one the client offered
  /// (RFC 6455 §4.2.2), and an empty one means none.
  std::optional<std::string_view> subprotocol = std::nullopt;
  /// Sec-WebSocket-Extensions value for extensions the caller implements itself (not
  /// permessage-deflate, which the connection negotiates), and the RSV bits they claim (§5.8).
  std::string_view extensions = {};
  /// The RSV bits (rsv_bit flags) those extensions claim.
  std::uint8_t extension_rsv_bits = 0;
  /// More header fields for the 101 response (each checked with is_valid_header()).
  std::span<const HttpHeader> extra_headers = {};
};

/// A frame header encoded for the zero-copy send path.
struct FrameHead {
  /// The header's bytes; the first `size` of them are the header.
  std::array<std::byte, max_frame_header_size> bytes{};
  /// How many bytes of `bytes` the header takes (2 to 14).
  std::uint8_t size = 0;
  MaskKey mask_key{};  ///< client role: mask the payload with it before writing it
  /// True in the client role: the payload must go out masked with mask_key.
  bool masked = false;
  /// The header as bytes to write.
  /// @lifetime A view of this FrameHead's `bytes`: valid as long as this object.
  ByteView view() const noexcept { return {bytes.data(), size}; }
};

class PreparedMessage;  // prepared_message.hpp

/// One WebSocket connection, either role, as a state machine with no I/O (see the file's
/// comment): feed it bytes with receive() or receive_in_place(), take events with next_event(),
/// call actions, write pending_output().
///
/// @lifetime Views into the caller's memory: a buffer given to receive_in_place() must stay
/// valid, and untouched by the caller, until next_event() returns std::nullopt; every other
/// argument (receive(), abort(), the send functions, accept(), reject(), respond(), the
/// factories' options) is read or copied during the call. Views the connection hands out:
/// those of events and pending_output() are valid until the next call of a non-const member
/// (which may take them as its argument), or until the connection is destroyed or moved from;
/// RequestReceived::request lives through the answer to it; subprotocol() and options() as long
/// as the connection.
class Connection {
 public:
  /// A server awaiting the client's opening handshake.
  static Connection server(ConnectionOptions options = {});
  /// A client; its opening request is queued in pending_output() at once. Options that would
  /// make an invalid request (a header value with CR or LF, a subprotocol that is not a token, a
  /// target that is not "/path?query") queue nothing: the connection is closed at once and
  /// next_event() reports HandshakeFailed with status 0.
  static Connection client(const ClientHandshake& handshake, ConnectionOptions options,
                           RandomSource random);
  /// A connection whose handshake happened elsewhere (an HTTP server, a test, a fuzzer).
  /// Every factory takes what the connection is first, then its options, then randomness.
  static Connection open(Role role, ConnectionOptions options = {}, RandomSource random = {});

  /// Takes over `other`'s state; views `other` handed out may end (see the class comment).
  Connection(Connection&&) noexcept;
  /// Takes over `other`'s state, dropping this connection's.
  Connection& operator=(Connection&&) noexcept;
  /// Ends the connection's buffers: every view it handed out ends.
  ~Connection();

  // --- input ---
  /// Copies `input` (only what the next call of next_event() does not parse is kept).
  /// The caller may reuse its buffer as soon as receive() returns.
  void receive(ByteView input);
  /// Zero-copy: the connection parses `input` where it is, unmasking payloads in it.
  /// @lifetime The connection keeps a view of `input`: it must stay valid, and the caller must
  /// not write it, until next_event() returns std::nullopt (the connection then copies the bytes
  /// it has not parsed). Events may carry views into it.
  void receive_in_place(MutableByteView input);
  /// The transport reached end of stream. Once the input before it is parsed, a connection whose
  /// close handshake had not finished reports ConnectionLost (1006, RFC 6455 §7.1.5).
  void receive_eof();
  /// The transport gave up on the connection (a timeout, a failed write, a TLS error): reports
  /// ConnectionLost{1006, reason} (HandshakeFailed{0, reason} during the opening handshake) and
  /// reads and writes nothing more. Does nothing once the connection is closed or failed.
  /// `reason` is copied; the event's view of the copy lives as long as the connection.
  void abort(std::string_view reason);
  /// The next event, or nullopt when more input is needed (or after the last event).
  /// @lifetime The event's views: until the next call of a non-const member of the connection
  /// (this one included), or its move or destruction; see events.hpp.
  [[nodiscard]] std::optional<Event> next_event();
  /// Backpressure: while held, next_event() parses no input (it still reports an abort), and
  /// input given to receive_in_place() is copied out of the caller's buffer once next_event()
  /// returns nullopt; released, next_event() goes on where it stopped. Nothing is dropped.
  void hold_input(bool held) noexcept { input_held_ = held; }
  /// Whether hold_input(true) is in force.
  [[nodiscard]] bool input_held() const noexcept { return input_held_; }
  /// Open, and the peer is in the middle of something: a frame begun (part of its header or
  /// payload read) or a message of several frames not yet finished. What a progress timeout
  /// watches (DriverPolicy::progress_timeout). Not while input is held back by us.
  [[nodiscard]] bool awaiting_rest_of_frame() const noexcept {
    return (state_ == ConnectionState::open || state_ == ConnectionState::close_sent) &&
           !input_held_ && (!unparsed_.empty() || !frames_.at_frame_start() || in_message_);
  }

  // --- opening handshake (server role) ---
  /// Accepts the request reported by RequestReceived (RFC 6455 §4.2.2).
  ApiError accept(const AcceptOptions& options = {});
  /// Refuses it with an HTTP error response (e.g. 403 for a foreign Origin).
  ApiError reject(int status, std::string_view body, std::span<const HttpHeader> headers = {});
  /// Answers the plain HTTP request reported by HttpRequestReceived (ConnectionOptions::
  /// plain_http); the connection is then closed (Connection: close).
  ApiError respond(const HttpResponse& response);
  /// Client role: RSV bits that the extensions in the server's response claim (RFC 6455 §5.8).
  /// permessage-deflate's RSV1 is added by the connection itself when it negotiates it.
  void set_extension_rsv_bits(std::uint8_t bits) noexcept {
    frames_.set_extension_rsv_bits(deflate_ ? bits | rsv_bit::rsv1 : bits);
  }
  /// Puts permessage-deflate in force on a connection whose handshake happened elsewhere (after
  /// open(), before any data message), with what was agreed there (e.g. by accept_deflate_offer
  /// or check_deflate_response); levels, memory and threshold come from ConnectionOptions::deflate
  /// (its `enabled` flag does not matter here).
  ApiError enable_deflate(const DeflateAgreement& agreement);
  /// What permessage-deflate agreed, or nullopt when it is not in force.
  [[nodiscard]] std::optional<DeflateAgreement> deflate_agreement() const noexcept;

  // --- sending ---
  /// Sends a text message; `text` must be UTF-8 (else ApiError::invalid_utf8). It is copied.
  /// With permessage-deflate in force, a message may go out compressed (see Compression);
  /// control frames never are (RFC 7692 §6.1).
  ApiError send_text(std::string_view text, Compression compression = Compression::automatic);
  /// Sends a binary message; `data` is copied (compressed, or masked in the client role).
  ApiError send_binary(ByteView data, Compression compression = Compression::automatic);
  /// send_text() or send_binary() by `type`.
  ApiError send(MessageType type, ByteView data, Compression compression = Compression::automatic);
  /// Sends a PreparedMessage (prepared_message.hpp), a message framed once for many connections:
  /// a server copies its frame as it is, compressed once per settings where this connection's
  /// permessage-deflate resets after every message (else with its own window, as send() does);
  /// a client frames and masks it as send() does. The same checks and errors as send().
  ApiError send_prepared(const PreparedMessage& message);
  /// A message in pieces: the first call starts it (with `type`), `last` ends it (RFC 6455 §5.4).
  /// `compression` counts on the first call only; a compressed message is compressed as one
  /// stream, each call flushed into its own frame (RFC 7692 §6.1, §7.2.1).
  ApiError send_fragment(MessageType type, ByteView data, bool last,
                         Compression compression = Compression::automatic);
  /// Sends a Ping with `data` (at most 125 bytes) as its payload (RFC 6455 §5.5.2).
  ApiError ping(ByteView data = {});
  /// Sends a Pong (at most 125 bytes), e.g. with a Ping's payload when auto_pong is off.
  ApiError pong(ByteView data = {});
  /// Starts the closing handshake (RFC 6455 §7.1.2). Codes 1005, 1006 and 1015 are never sent.
  ApiError close(std::uint16_t code = close_code::normal, std::string_view reason = {});
  /// Starts it with a Close frame that carries no code (RFC 6455 §5.5.1).
  ApiError close_without_code();
  /// Zero-copy send of a whole message: encodes only the header; the caller writes
  /// pending_output(), then head.view(), then `data` (masked with head.mask_key in the client
  /// role: apply_mask(data, head.mask_key)). Never compressed.
  /// @lifetime `data` is not kept: only its size is read; the caller writes the payload itself.
  ApiError encode_message_head(MessageType type, ByteView data, FrameHead& head);

  // --- output ---
  /// The bytes to write, in order: handshake answers, frames, the Close.
  /// @lifetime A view of the connection's output buffer: valid until the next call of a
  /// non-const member (consume_output() and write_output() included), or until the connection is
  /// destroyed or moved from.
  [[nodiscard]] ByteView pending_output() const noexcept {
    return ByteView{output_.data(), output_.size()}.subspan(output_consumed_);
  }
  /// Marks the first `bytes_written` bytes of pending_output() as written (a partial write
  /// counts what it wrote); more than are pending counts as all of them.
  void consume_output(std::size_t bytes_written) noexcept;
  /// Copies as much pending output as fits into `out`, consumes it and returns how much: for a
  /// transport that writes from buffers of its own.
  std::size_t write_output(MutableByteView out) noexcept;

  // --- state ---
  /// Our end: server or client.
  [[nodiscard]] Role role() const noexcept { return role_; }
  /// Where the connection is in its life.
  [[nodiscard]] ConnectionState state() const noexcept { return state_; }
  /// What the transport should do with the stream now (see TransportAction).
  [[nodiscard]] TransportAction transport_action() const noexcept;
  /// The options the connection was made with.
  /// @lifetime A reference to the connection's copy: valid as long as the connection.
  [[nodiscard]] const ConnectionOptions& options() const noexcept { return options_; }
  /// Subprotocol agreed in the opening handshake, or empty.
  /// @lifetime A view of the connection's copy, set once by the handshake: valid until the
  /// connection is destroyed or moved from.
  [[nodiscard]] std::string_view subprotocol() const noexcept { return subprotocol_; }
  /// Returns the memory of idle buffers (between messages, output drained), and zlib's memory
  /// for a direction without context takeover.
  void release_idle_buffers() noexcept;
  /// Bytes this connection holds: the object, its buffers' capacity and zlib's memory (not the
  /// opening handshake's parser, freed once the connection is open). What a server's memory
  /// budget over all its connections counts.
  [[nodiscard]] std::size_t memory_usage() const noexcept;

 private:
  // What next_event() reads while the connection is open: frames, or (streaming a compressed
  // message) more of what the bytes already taken inflate to.
  enum class ReadState : std::uint8_t { frames, inflating };
  struct HandshakeState;
  struct DeflateState;

  Connection(Role role, ConnectionOptions options, RandomSource random);

  // The one place where state_ changes (see ConnectionState); entering closed or failed drops
  // the unparsed input and any message in progress.
  void enter(ConnectionState next) noexcept;
  [[nodiscard]] bool reading() const noexcept;

  std::optional<Event> next_handshake_event();
  std::optional<Event> next_server_handshake_event();
  std::optional<Event> next_client_handshake_event();
  std::optional<Event> fail_handshake(HttpError error);
  void release_finished_handshake() noexcept;
  bool find_whole_small_frame(std::size_t& header_size, std::size_t& payload_size) const noexcept;
  std::optional<Event> read_whole_small_frame(std::size_t header_size, std::size_t payload_size);
  std::optional<Event> next_event_general();
  std::optional<Event> read_frame();
  [[nodiscard]] std::optional<Violation> start_frame(const FrameHeader& frame);
  std::optional<Event> read_frame_payload();
  std::optional<Event> finish_control_frame(ByteView payload);
  std::optional<Event> deliver_data(ByteView chunk, bool frame_finished);
  [[nodiscard]] std::optional<Violation> check_text(ByteView piece, bool message_finished);
  // permessage-deflate (connection_deflate.cpp).
  void start_deflate(const DeflateAgreement& agreement);
  std::optional<Event> read_compressed_payload();
  std::optional<Event> inflate_next_piece();
  std::optional<Event> inflate_into_message(ByteView chunk, bool frame_finished);
  [[nodiscard]] std::optional<Violation> first_inflate_violation(
      ByteView piece, std::uint64_t size_before, MessageDecompressor::Status status);
  bool should_compress(std::size_t size, Compression compression) const noexcept;
  bool write_compressed(Opcode opcode, ByteView data, bool last);
  std::optional<Event> fail(Violation violation);
  void stash_unparsed();
  std::optional<Event> next_event_while_held();
  void append_to_unparsed(ByteView input);

  void append_output(ByteView bytes);
  void compact_output() noexcept;
  // Room for `more` bytes of output (growing at least twofold); false when there is no memory.
  [[nodiscard]] bool reserve_output(std::size_t more) noexcept;
  ApiError check_can_send() const noexcept;
  // Appends a frame and returns where it starts in output_.
  std::size_t write_frame(Opcode opcode, bool fin, ByteView payload, std::uint8_t rsv = 0);
  void write_close(std::uint16_t code, std::string_view reason, bool with_code);
  void queue_auto_pong(ByteView payload);
  MaskKey next_mask_key();

  Role role_;
  ConnectionState state_ = ConnectionState::handshake;
  ReadState read_state_ = ReadState::frames;
  ConnectionOptions options_;
  RandomSource random_;
  std::unique_ptr<HandshakeState> handshake_;  // freed once the connection is open
  std::string subprotocol_;
  std::unique_ptr<DeflateState> deflate_;  // while permessage-deflate is in force
  // An event decided outside next_event() (refused client options, abort()), reported by the
  // next call of it; with the reason abort() was given.
  std::optional<Event> queued_event_;
  std::string abort_reason_;

  // Input not yet parsed: a view of the caller's buffer or of owned_input_.
  MutableByteView unparsed_;
  std::vector<std::byte> owned_input_;
  bool input_ended_ = false;  // receive_eof(): no input follows unparsed_
  bool input_held_ = false;   // hold_input(): parse nothing for now

  // The frame layer, and the payload of a control frame split across inputs.
  FrameParser frames_;
  std::array<std::byte, max_control_payload_size> control_payload_{};

  // The message being read (RFC 6455 §5.4).
  bool in_message_ = false;
  MessageType message_type_ = MessageType::binary;
  std::uint8_t message_rsv_ = 0;
  bool message_compressed_ = false;   // RSV1 with permessage-deflate (RFC 7692 §6.2)
  std::uint64_t message_size_ = 0;    // on the wire
  std::uint32_t message_frames_ = 0;  // frames of the message so far
  std::uint64_t message_inflated_size_ = 0;
  Utf8Validator message_utf8_;
  detail::ByteBuffer message_;  // whole-message mode: the message so far (inflated)

  // The message being sent in fragments.
  bool sending_fragments_ = false;
  bool sending_compressed_ = false;
  MessageType sending_type_ = MessageType::binary;
  Utf8Validator sending_utf8_;

  // Output: bytes before output_consumed_ are written already.
  detail::ByteBuffer output_;  // grows uninitialised: a frame's bytes are written once
  std::size_t output_consumed_ = 0;
  // Where the last automatic Pong not yet written starts in output_, and how many unwritten
  // ones precede it back to back. Every Ping gets its Pong, but RFC 6455 §5.5.3 lets us answer
  // only the latest, so a flood the caller does not drain keeps at most max_unsent_pongs.
  static constexpr std::uint8_t max_unsent_pongs = 16;
  std::optional<std::size_t> unsent_pong_at_;
  std::uint8_t unsent_pongs_ = 0;
};

}  // namespace wscore

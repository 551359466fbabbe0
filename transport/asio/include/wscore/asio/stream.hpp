// SPDX-License-Identifier: MIT
// A WebSocket stream over an Asio stream (tcp::socket; asio::ssl::stream with
// wscore/asio/ssl.hpp), server or client, driven by the core's wscore::Driver — the same
// session driver as the epoll transport: it owns the handshake, the deadlines (handshake with
// TLS, keep-alive Ping, Pong, close), the close handshake and backpressure. The stream only
// moves bytes and reports the driver's events as operation results.
//
//   wscore::asio::Stream<tcp::socket> ws(std::move(socket));
//   co_await ws.async_accept(asio::use_awaitable);                    // server; or
//   co_await ws.async_handshake("example.test", "/chat", asio::use_awaitable);   // client
//   std::string message;
//   std::size_t size = co_await ws.async_read(asio::dynamic_buffer(message), use_awaitable);
//   co_await ws.async_write(ws.message_type(), asio::buffer(message), use_awaitable);
//   co_await ws.async_close(wscore::close_code::normal, "bye", asio::use_awaitable);
//
// Every operation takes a completion token (a callback, asio::use_awaitable, asio::deferred,
// asio::as_tuple(...), ...). Completion: (error_code, std::size_t) for reads and writes,
// (error_code) for the rest. Errors: wscore::asio::Error (closed, protocol_error,
// connection_lost, handshake_failed, timeout; Stream::ending() has the close code and reason),
// a wscore::ApiError the core refused a call with, operation_aborted, no_buffer_space.
//
// As with Beast's websocket::stream, the rules of use:
// - Not thread-safe: use the stream and its handlers from one thread, or one strand.
// - At most one async_read at a time, and one opening handshake. Writes, pings and closes may
//   overlap each other and a read; they go out in the order they were started.
// - Pings are answered and the peer's Close is seen only while an operation reads: keep an
//   async_read pending (a read loop) on an open stream, or async_close() it. The driver's
//   deadlines are kept while any operation is in progress.
// - Timeouts: an operation in progress when a deadline of DriverPolicy passes and the driver
//   gives up completes with Error::timeout (the ending's reason says which deadline).
// - Cancellation (per-operation slots, e.g. asio::bind_cancellation_slot or awaitable
//   operators): async_read completes with operation_aborted and the stream stays usable — no
//   message is lost, the next async_read gets it (total cancellation). A cancelled write, ping
//   or close still goes out (terminal cancellation); a cancelled handshake leaves a stream to
//   close. Destroying the stream completes every operation with operation_aborted.
// - Backpressure: async_write completes once the message (and everything queued before it)
//   has been handed to the next layer; while the driver's outbound buffer is over
//   DriverPolicy::max_outbound_buffer, a new write waits for it to drain and reading pauses.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "wscore/asio/detail/operations.hpp"
#include "wscore/asio/error.hpp"
#include "wscore/asio/layer_traits.hpp"
#include "wscore/asio/session.hpp"

namespace wscore::asio {

template <class NextLayer>
class Stream {
  static_assert(LayerTraits<NextLayer>::tls || !LooksLikeTls<NextLayer>,
                "a TLS stream needs #include \"wscore/asio/ssl.hpp\"");
  using Engine = detail::Engine<NextLayer>;
  using ReadSignature = void(boost::system::error_code, std::size_t);
  using Signature = void(boost::system::error_code);

 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  // Constructs the next layer from `args` (a connected or accepted socket; for TLS the socket
  // and the ssl::context).
  template <class... Args>
  requires std::constructible_from<NextLayer, Args...>
  explicit Stream(Args&&... args)
      : engine_(std::make_shared<Engine>(std::forward<Args>(args)...)) {}
  // A moved-from stream may only be destroyed or assigned to.
  Stream(Stream&&) noexcept = default;
  Stream& operator=(Stream&& other) noexcept {
    if (engine_) engine_->destroy();
    engine_ = std::move(other.engine_);
    return *this;
  }
  ~Stream() {
    if (engine_) engine_->destroy();
  }

  [[nodiscard]] executor_type get_executor() noexcept { return engine_->get_executor(); }
  [[nodiscard]] NextLayer& next_layer() noexcept { return engine_->next_layer(); }

  // Before the opening handshake: limits, deflate, subprotocols, deadlines, buffer sizes.
  void set_options(StreamOptions options) { engine_->session().set_options(std::move(options)); }
  [[nodiscard]] const StreamOptions& options() const noexcept {
    return engine_->session().options();
  }

  // --- opening handshake (with TLS first on an ssl::stream) ---
  // Server: reads the request and accepts it as the core decides (subprotocol from
  // ConnectionOptions::subprotocols, permessage-deflate per ConnectionOptions::deflate); a
  // request the core refuses is answered by it (400, 426, ...) and ends in handshake_failed.
  template <class Token>
  auto async_accept(Token&& token) {
    return async_accept_with(nullptr, std::forward<Token>(token));
  }
  // `options` must stay valid until the operation completes.
  template <class Token>
  auto async_accept(const AcceptOptions& options, Token&& token) {
    return async_accept_with(&options, std::forward<Token>(token));
  }
  // Server: reads the request and lets `decide` answer it: AcceptOptions accept it (e.g. with
  // the subprotocol it picks), a Refusal refuses it with its status (e.g. 403 for a foreign
  // Origin), after which the operation completes with Error::handshake_failed and ending()
  // holds the status. `decide` runs once, inside the operation, on the stream's executor.
  template <class Token>
  auto async_accept(AcceptDecider decide, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        detail::HandshakeOperation<NextLayer>(engine_, Role::server, std::nullopt, nullptr,
                                              std::move(decide)),
        token, engine_->get_executor());
  }
  // Client: sends the request (copied here) and waits for the core to accept the response.
  template <class Token>
  auto async_handshake(const ClientRequestOptions& request, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        detail::HandshakeOperation<NextLayer>(engine_, Role::client, ClientRequest::from(request),
                                              nullptr),
        token, engine_->get_executor());
  }
  // `host`: the Host header (with ":port" when not the default); `target`: "/path?query".
  template <class Token>
  auto async_handshake(std::string_view host, std::string_view target, Token&& token) {
    return async_handshake(ClientRequestOptions{.host = host, .target = target},
                           std::forward<Token>(token));
  }

  // --- messages ---
  // Appends the next message to `buffer` (a DynamicBuffer_v2, e.g. asio::dynamic_buffer(str));
  // with DeliveryMode::streaming, the next piece of one (is_message_done() tells which).
  // Completes with the size appended, or: Error::closed after the close handshake (see
  // ending()), protocol_error, connection_lost, timeout, operation_aborted.
  template <class DynamicBuffer, class Token>
  requires boost::asio::is_dynamic_buffer_v2<DynamicBuffer>::value auto async_read(
      DynamicBuffer buffer, Token&& token) {
    return boost::asio::async_compose<Token, ReadSignature>(
        detail::ReadOperation<NextLayer, DynamicBuffer>(engine_, std::move(buffer)), token,
        engine_->get_executor());
  }
  // Type of the last message (or piece) read.
  [[nodiscard]] MessageType message_type() const noexcept {
    return engine_->session().message_type();
  }
  [[nodiscard]] bool is_message_done() const noexcept { return engine_->session().message_done(); }

  // Sends one message; `data` must stay valid until completion. Completes with data's size
  // once it is handed to the next layer (see Backpressure above).
  template <class Token>
  auto async_write(MessageType type, boost::asio::const_buffer data, Token&& token) {
    return async_send(
        [type, bytes = as_bytes(data)](Driver& driver) { return driver.send(type, bytes); },
        data.size(), std::forward<Token>(token));
  }
  // One piece of a message: the first call starts it with `type`, `last` ends it.
  template <class Token>
  auto async_write_fragment(MessageType type, boost::asio::const_buffer data, bool last,
                            Token&& token) {
    return async_send([type, bytes = as_bytes(data),
                       last](Driver& driver) { return driver.send_fragment(type, bytes, last); },
                      data.size(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_ping(boost::asio::const_buffer data, Token&& token) {
    return async_send([bytes = as_bytes(data)](Driver& driver) { return driver.ping(bytes); },
                      data.size(), std::forward<Token>(token));
  }

  // --- closing ---
  // Starts the close handshake and completes once the driver has the transport closed: without
  // error after the peer's answer, with the ending's error otherwise (e.g. timeout when it
  // never answers within DriverPolicy::close_timeout).
  template <class Token>
  auto async_close(std::uint16_t code, std::string_view reason, Token&& token) {
    return async_close_with(
        [code, reason = std::string(reason)](Driver& driver) { return driver.close(code, reason); },
        std::forward<Token>(token));
  }
  // The core's default close (1000, no reason).
  template <class Token>
  auto async_close(Token&& token) {
    return async_close_with([](Driver& driver) { return driver.close(); },
                            std::forward<Token>(token));
  }
  // Graceful shutdown (Driver::shut_down): a Close with 1001 on an open connection, an abort
  // before it is open.
  template <class Token>
  auto async_shut_down(Token&& token) {
    return async_close_with(
        [](Driver& driver) {
          driver.shut_down();
          return ApiError::none;
        },
        std::forward<Token>(token));
  }

  // --- state ---
  [[nodiscard]] bool is_open() const noexcept { return engine_->open(); }
  // After the opening handshake began: the connection (state, subprotocol, deflate_agreement)
  // and the driver (buffered_amount).
  [[nodiscard]] const Driver& driver() const noexcept { return engine_->session().driver(); }
  // Server role, after async_accept: the request the core accepted.
  [[nodiscard]] const HandshakeRequest& request() const noexcept {
    return engine_->session().request();
  }
  // Once the connection has ended: how (close code and reason, or why the handshake failed).
  [[nodiscard]] const std::optional<Ending>& ending() const noexcept {
    return engine_->session().ending();
  }

 private:
  static ByteView as_bytes(boost::asio::const_buffer data) noexcept {
    return {static_cast<const std::byte*>(data.data()), data.size()};
  }

  template <class Token>
  auto async_accept_with(const AcceptOptions* options, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        detail::HandshakeOperation<NextLayer>(engine_, Role::server, std::nullopt, options), token,
        engine_->get_executor());
  }

  template <class Action, class Token>
  auto async_send(Action action, std::size_t size, Token&& token) {
    return boost::asio::async_compose<Token, ReadSignature>(
        detail::SendOperation<NextLayer, Action>(engine_, std::move(action), size), token,
        engine_->get_executor());
  }

  template <class Action, class Token>
  auto async_close_with(Action action, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        detail::CloseOperation<NextLayer, Action>(engine_, std::move(action)), token,
        engine_->get_executor());
  }

  std::shared_ptr<Engine> engine_;
};

}  // namespace wscore::asio

// SPDX-License-Identifier: MIT
// The part of a wscore::asio::Stream that does not depend on the socket type, compiled once: the
// wscore::Driver, the events the stream's operations wait for, the bytes written so far (what
// async_write waits for) and how the connection ended. It holds no protocol rule: every event
// and every decision comes from the driver.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "wscore/asio/error.hpp"
#include "wscore/driver.hpp"

namespace wscore::asio {

struct StreamOptions {
  // Limits, delivery mode, subprotocols and permessage-deflate, as the core defines them.
  // plain_http is not used: a request that is no upgrade is refused by the core.
  ConnectionOptions connection;
  // Handshake (TLS included), keep-alive, Pong and close deadlines; the outbound limit.
  DriverPolicy policy;
  std::size_t read_buffer_size = 64 * 1024;   // one socket read at most
  std::size_t write_buffer_size = 64 * 1024;  // one socket write at most
};

// How a connection ended: the core's last event (CloseReceived, ProtocolError, ConnectionLost
// or HandshakeFailed), kept after it.
struct Ending {
  Error error = Error::connection_lost;  // closed, protocol_error, connection_lost,
                                         // handshake_failed, or timeout for a passed deadline
  std::uint16_t code = 0;  // the close code the core reported; 0 for a failed handshake
  std::string reason;      // its reason, or why the handshake failed
  int http_status = 0;     // HandshakeFailed: the status sent (server) or received (client)
  std::optional<Violation> violation;  // ProtocolError: the rule the peer broke
};

// A server's refusal of an upgrade request: the HTTP status (e.g. 403 for an Origin it does not
// serve, RFC 6455 §4.2.2 and §10.2), a short body, and headers (e.g. WWW-Authenticate for 401).
struct Refusal {
  int status = 403;
  std::string body;
  std::vector<HttpHeader> headers;
};
// The server's answer to the request it read: the options to accept it with, or a Refusal.
using AcceptDecision = std::variant<AcceptOptions, Refusal>;
using AcceptDecider = std::function<AcceptDecision(const HandshakeRequest&)>;

// A client's opening request, owned (ClientRequestOptions holds views).
struct ClientRequest {
  std::string host;    // Host header value, with ":port" when not the default
  std::string target;  // "/path?query"
  std::string origin;
  std::vector<std::string> subprotocols;
  std::string extensions;  // for extensions the caller implements (not permessage-deflate)
  std::vector<std::pair<std::string, std::string>> extra_headers;  // name, value

  static ClientRequest from(const ClientRequestOptions& options);
};

class Session {
 public:
  // What an operation of the stream has to look at; every other event is dealt with here.
  struct Pulled {
    enum class Kind : std::uint8_t { nothing, request, handshake_completed, data };
    Kind kind = Kind::nothing;
    MessageType type = MessageType::binary;
    ByteView data = {};  // valid until the next call on this session
    bool message_finished = true;
  };

  void set_options(StreamOptions options) { options_ = std::move(options); }
  [[nodiscard]] const StreamOptions& options() const noexcept { return options_; }

  [[nodiscard]] bool started() const noexcept { return driver_.has_value(); }
  void start_server(Milliseconds now);
  void start_client(const ClientRequest& request, Milliseconds now);

  // --- input, time ---
  // The next event an operation has to see (nothing: more input is needed, or the connection
  // is over). Any event before it is handled: the core answers Pings itself, and the terminal
  // event is kept as ending().
  [[nodiscard]] Pulled pull();
  void receive_in_place(MutableByteView bytes, Milliseconds now) {
    driver_->receive_in_place(bytes, now);
  }
  void receive_eof(Milliseconds now) { driver_->receive_eof(now); }
  void abort(std::string_view reason) { driver_->abort(reason); }
  // The driver's deadlines; a connection the driver gives up on here ends with Error::timeout.
  void advance(Milliseconds now);
  // The transport is closed: the events left are read for the ending.
  void finish();

  // --- output ---
  [[nodiscard]] bool has_output() const noexcept { return !driver_->pending_output().empty(); }
  // Moves pending output into `out` (the transport's own write buffer).
  std::size_t take_output(MutableByteView out) noexcept;
  void note_written(std::size_t bytes) noexcept { bytes_written_ += bytes; }
  // The count of bytes written at which everything queued so far is on the socket.
  [[nodiscard]] std::uint64_t output_target() const noexcept {
    return bytes_taken_ + driver_->pending_output().size();
  }
  [[nodiscard]] bool written(std::uint64_t target) const noexcept {
    return bytes_written_ >= target;
  }

  // --- what the driver says ---
  [[nodiscard]] bool wants_read() const noexcept { return driver_->wants_read(); }
  [[nodiscard]] bool should_close() const noexcept { return driver_->should_close(); }
  [[nodiscard]] std::optional<Milliseconds> next_deadline() const noexcept {
    return driver_->next_deadline();
  }
  [[nodiscard]] Driver& driver() noexcept { return *driver_; }
  [[nodiscard]] const Driver& driver() const noexcept { return *driver_; }

  [[nodiscard]] const std::optional<Ending>& ending() const noexcept { return ending_; }
  // The error an operation that could not finish completes with: the ending's, or
  // ApiError::wrong_state when the connection has not ended.
  [[nodiscard]] boost::system::error_code ending_error() const noexcept;
  // The last message (or piece) pull() handed out: its type, and whether it ends a message.
  [[nodiscard]] MessageType message_type() const noexcept { return message_type_; }
  [[nodiscard]] bool message_done() const noexcept { return message_done_; }
  // Server role: the request that was accepted (copied from RequestReceived).
  [[nodiscard]] const HandshakeRequest& request() const noexcept { return request_; }
  // Server role: the application refused the request with `status` (its answer is queued).
  void note_refused(int status);

 private:
  void note_ending(Ending ending);

  StreamOptions options_;
  std::optional<Driver> driver_;
  HandshakeRequest request_;
  std::optional<Ending> ending_;
  MessageType message_type_ = MessageType::binary;
  bool message_done_ = true;
  bool gave_up_in_advance_ = false;  // the driver ended the connection at a deadline
  std::uint64_t bytes_taken_ = 0;    // moved out of the driver by take_output()
  std::uint64_t bytes_written_ = 0;  // reported written by the socket
};

// getrandom(2), for the client's masking keys and nonce (RFC 6455 §10.3).
[[nodiscard]] RandomSource system_random_source();

}  // namespace wscore::asio

// SPDX-License-Identifier: MIT
/// @file
/// The session driver: the policy every transport needs, around one Connection, with no I/O and no
/// clock. It keeps the deadlines of a connection's life (the opening handshake, keep-alive Pings
/// on an idle connection, the Pong that must answer them, a frame the peer stalled in, the close
/// handshake), bounds the outbound buffer (backpressure) and says when to close the transport.
/// Time is a value the transport passes in (`now`, milliseconds on any monotonic clock), so
/// every policy can be run with a fake clock.
///
/// A transport's whole job, for every connection:
/// @code
///   driver.receive_in_place(bytes, now);        // or receive(), receive_eof(), abort(why)
///   driver.advance(now);                        // when next_deadline() has come
///   while (auto event = driver.next_event()) dispatch(*event);   // every alternative
///   write(driver.pending_output()); driver.consume_output(written);
///   read only while driver.wants_read(); close the socket once driver.should_close().
/// @endcode
/// Over the outbound limit the driver parses nothing (backpressure): after writing, ask
/// next_event() again, since input held back may now be parsed.
/// As with Connection, bytes given to receive_in_place() must stay valid until next_event()
/// returns std::nullopt.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wscore/connection.hpp"

namespace wscore {

/// Time as the driver counts it: milliseconds on any monotonic clock the transport chooses.
using Milliseconds = std::chrono::milliseconds;

/// The timeouts and the outbound limit a Driver applies.
struct DriverPolicy {
  Milliseconds handshake_timeout{10'000};  ///< the opening handshake (and TLS) must finish by then
  Milliseconds idle_timeout{60'000};       ///< nothing received this long: we send a Ping
  Milliseconds pong_timeout{10'000};       ///< no answer this long: the connection is lost
  /** A frame or fragmented message the peer has begun, and then no byte of it this long: the
      connection is closed with 1008 (a stalled frame header would otherwise hold the connection
      until idle_timeout + pong_timeout). */
  Milliseconds progress_timeout{10'000};
  /** After our Close, or (client) after the close handshake while the server should close TCP
      (RFC 6455 §7.1.1), or while a closed connection's last bytes do not drain: give up then. */
  Milliseconds close_timeout{5'000};
  /// Over this many unwritten bytes: reading and parsing stop (and resume at half), so input
  /// already read waits instead of being dropped; send() is refused.
  std::size_t max_outbound_buffer = 16 * 1024 * 1024;
  /// A send() refused over max_outbound_buffer also starts the close handshake with 1008
  /// ("outbound buffer full"), so a message the application meant for the peer is never lost
  /// silently. Off: the message is only refused and the caller decides.
  bool close_when_send_refused = true;
  /// Each Ping makes us write a Pong (RFC 6455 §5.5.2): more than this many in one second of the
  /// driver's clock close the connection with 1008 ("too many Pings"). 0: no limit.
  std::uint32_t max_pings_per_second = 1'000;
};

/// The policy around one Connection that every transport needs (see the file's comment): the
/// deadlines, backpressure and when to close, with time passed in.
///
/// @lifetime As for Connection: a buffer given to receive_in_place() must stay valid until
/// next_event() returns std::nullopt; every other argument is read or copied during the call.
/// The views of events and of pending_output() are valid until the next call of a non-const
/// member of the driver (which may take them as its argument), or until the driver is destroyed
/// or moved from.
class Driver {
 public:
  /// A server-role driver (Connection::server()) whose handshake deadline runs from `now`.
  static Driver server(ConnectionOptions options, DriverPolicy policy, Milliseconds now);
  /// A client-role driver (Connection::client(): the request is queued at once); the handshake
  /// deadline runs from `now`. `handshake`'s views are read during the call only.
  static Driver client(const ClientHandshake& handshake, ConnectionOptions options,
                       RandomSource random, DriverPolicy policy, Milliseconds now);

  // --- from the transport ---
  /// Bytes read from the transport at `now`, copied (Connection::receive()).
  void receive(ByteView bytes, Milliseconds now);
  /// Bytes read from the transport at `now`, parsed in place (Connection::receive_in_place()).
  /// @lifetime `bytes` must stay valid, unwritten by the caller, until next_event() returns
  /// std::nullopt.
  void receive_in_place(MutableByteView bytes, Milliseconds now);
  /// End of stream from the peer.
  void receive_eof(Milliseconds now);
  /// The transport failed (a write error, a TLS alert, ...): see Connection::abort.
  void abort(std::string_view reason);
  /// Time has passed: fires what is due. Timeouts end the connection with an event (see
  /// next_event): HandshakeFailed{0, "handshake timeout"} or ConnectionLost{1006, ...}; a
  /// stalled frame with a Close 1008 ("no progress on a frame") first.
  void advance(Milliseconds now);

  /// The next event for the application (the connection's events, after the driver has taken
  /// note of them), or nullopt.
  /// @lifetime The event's views: until the next call of a non-const member of the driver (this
  /// one included), or its move or destruction; see events.hpp.
  [[nodiscard]] std::optional<Event> next_event();

  // --- from the application (time is the latest `now` the transport passed) ---
  /// Connection::accept(). An answer the core refuses (invalid headers or options: an ApiError
  /// other than wrong_state) is replaced by a 500 response, so the peer is never left waiting
  /// for one.
  ApiError accept(const AcceptOptions& options = {});
  /// Connection::reject(), with the same 500 fallback.
  ApiError reject(int status, std::string_view body, std::span<const HttpHeader> headers = {});
  /// Connection::respond(), with the same 500 fallback.
  ApiError respond(const HttpResponse& response);
  /// Refused with outbound_buffer_full while over DriverPolicy::max_outbound_buffer (and then the
  /// connection is closed with 1008, unless DriverPolicy::close_when_send_refused is off). Refused
  /// with out_of_memory when there is no memory for the frame: the connection is then closed with
  /// 1011 "out of memory".
  ApiError send(MessageType type, ByteView data, Compression compression = Compression::automatic);
  /// Connection::send_prepared(), refused as send() is over the outbound limit.
  ApiError send_prepared(const PreparedMessage& message);
  /// Connection::send_fragment(), refused as send() is over the outbound limit.
  ApiError send_fragment(MessageType type, ByteView data, bool last,
                         Compression compression = Compression::automatic);
  /// Connection::ping(); the keep-alive Pings are the driver's own.
  ApiError ping(ByteView data = {});
  /// Connection::close(); the close deadline then runs.
  ApiError close(std::uint16_t code = close_code::normal, std::string_view reason = {});
  /// Graceful shutdown: a Close with 1001 on an open connection, an abort before it is open;
  /// nothing once the close handshake has started.
  void shut_down(std::string_view reason = "going away");

  // --- what the transport does ---
  /// The bytes to write (Connection::pending_output()).
  /// @lifetime Until the next call of a non-const member of the driver, or its move or
  /// destruction.
  [[nodiscard]] ByteView pending_output() const noexcept { return connection_.pending_output(); }
  /// Stops (true) or resumes reading for a reason of the transport's own, such as a memory
  /// budget over all its connections: as under backpressure, nothing is parsed and wants_read()
  /// is false; the peer is not judged by what it could not send meanwhile.
  void hold_reading(bool held) noexcept;
  /// Marks bytes as written (Connection::consume_output()); may resume reading.
  void consume_output(std::size_t bytes_written) noexcept;
  /// Connection::write_output(); may resume reading.
  std::size_t write_output(MutableByteView out) noexcept;
  /// Whether to read from the transport now: not while the outbound buffer is over its limit
  /// (until it has drained to half), nor once nothing more will be read.
  [[nodiscard]] bool wants_read() const noexcept;
  /// Close the transport now: the connection is over and its last bytes are written (or the
  /// wait for them, or for the peer to close first, has run out).
  [[nodiscard]] bool should_close() const noexcept;
  /// When advance() has something to do, if ever.
  [[nodiscard]] std::optional<Milliseconds> next_deadline() const noexcept;

  /// The connection inside, for its state, role, subprotocol, options and agreements.
  /// @lifetime A reference to the driver's member: valid until the driver is destroyed or moved
  /// from.
  [[nodiscard]] const Connection& connection() const noexcept { return connection_; }
  /// The policy the driver applies.
  [[nodiscard]] const DriverPolicy& policy() const noexcept { return policy_; }
  /// Bytes queued and not yet written (what backpressure is decided on).
  [[nodiscard]] std::size_t buffered_amount() const noexcept { return pending_output().size(); }

 private:
  // What the driver waits for; one at a time.
  enum class Wait : std::uint8_t {
    handshake,  // the opening handshake, until handshake_timeout
    idle,       // traffic, until idle_timeout (then a Ping)
    pong,       // the Pong for our keep-alive Ping, until pong_timeout
    progress,   // more of a frame or message the peer began, until progress_timeout
    closing,    // the close handshake, the peer's TCP close or the last bytes: close_timeout
    nothing,    // waiting is over: close the transport once flushed
  };

  Driver(Connection connection, DriverPolicy policy, Milliseconds now);
  void wait_for(Wait wait, Milliseconds timeout) noexcept;
  void note_event(const Event& event);
  void count_ping();
  void answer_refused_answer(ApiError result) noexcept;
  void note_state() noexcept;
  void note_progress() noexcept;
  void note_output_written(bool drained) noexcept;
  void update_backpressure() noexcept;
  ApiError refuse_send();
  ApiError refused_for_memory(ApiError result);

  Connection connection_;
  DriverPolicy policy_;
  Milliseconds now_;
  Wait wait_ = Wait::handshake;
  Milliseconds deadline_{0};
  Milliseconds last_input_{0};     // when the transport last gave us bytes
  Milliseconds idle_deadline_{0};  // Wait::progress: when the keep-alive Ping comes due
  Milliseconds ping_second_{0};    // when the second whose Pings are counted began
  std::uint32_t pings_in_second_ = 0;
  bool over_outbound_limit_ = false;  // over max_outbound_buffer, not yet back under half of it
  bool held_by_transport_ = false;    // hold_reading(true)
  bool reading_paused_ = false;       // either of the two
  bool peer_closed_ = false;          // end of stream from the peer
};

}  // namespace wscore

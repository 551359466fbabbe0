// SPDX-License-Identifier: MIT
// The session driver: the policy every transport needs, around one Connection, with no I/O and no
// clock. It keeps the deadlines of a connection's life (the opening handshake, keep-alive Pings
// on an idle connection, the Pong that must answer them, the close handshake), bounds the
// outbound buffer (backpressure) and says when to close the transport. Time is a value the
// transport passes in (`now`, milliseconds on any monotonic clock), so every policy can be run
// with a fake clock.
//
// A transport's whole job, for every connection:
//   driver.receive_in_place(bytes, now);        // or receive(), receive_eof(), abort(why)
//   driver.advance(now);                        // when next_deadline() has come
//   while (auto event = driver.next_event()) dispatch(*event);   // every alternative
//   write(driver.pending_output()); driver.consume_output(written);
//   read only while driver.wants_read(); close the socket once driver.should_close().
// Over the outbound limit the driver parses nothing (backpressure): after writing, ask
// next_event() again, since input held back may now be parsed.
// As with Connection, bytes given to receive_in_place() must stay valid until next_event()
// returns std::nullopt.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wscore/connection.hpp"

namespace wscore {

using Milliseconds = std::chrono::milliseconds;

struct DriverPolicy {
  Milliseconds handshake_timeout{10'000};  // the opening handshake (and TLS) must finish by then
  Milliseconds idle_timeout{60'000};       // nothing received this long: we send a Ping
  Milliseconds pong_timeout{10'000};       // no answer this long: the connection is lost
  // A frame or fragmented message the peer has begun, and then no byte of it this long: the
  // connection is closed with 1008 (a stalled frame header would otherwise hold the connection
  // until idle_timeout + pong_timeout).
  Milliseconds progress_timeout{10'000};
  // After our Close, or (client) after the close handshake while the server should close TCP
  // (RFC 6455 §7.1.1), or while a closed connection's last bytes do not drain: give up then.
  Milliseconds close_timeout{5'000};
  // Over this many unwritten bytes: reading and parsing stop (and resume at half), so input
  // already read waits instead of being dropped; send() is refused.
  std::size_t max_outbound_buffer = 16 * 1024 * 1024;
  // A send() refused over max_outbound_buffer also starts the close handshake with 1008
  // ("outbound buffer full"), so a message the application meant for the peer is never lost
  // silently. Off: the message is only refused and the caller decides.
  bool close_when_send_refused = true;
};

class Driver {
 public:
  static Driver server(ConnectionOptions options, DriverPolicy policy, Milliseconds now);
  static Driver client(const ClientHandshake& handshake, ConnectionOptions options,
                       RandomSource random, DriverPolicy policy, Milliseconds now);

  // --- from the transport ---
  void receive(ByteView bytes, Milliseconds now);
  void receive_in_place(MutableByteView bytes, Milliseconds now);
  // End of stream from the peer.
  void receive_eof(Milliseconds now);
  // The transport failed (a write error, a TLS alert, ...): see Connection::abort.
  void abort(std::string_view reason);
  // Time has passed: fires what is due. Timeouts end the connection with an event (see
  // next_event): HandshakeFailed{0, "handshake timeout"} or ConnectionLost{1006, ...}; a stalled
  // frame with a Close 1008 ("no progress on a frame") first.
  void advance(Milliseconds now);

  // The next event for the application (the connection's events, after the driver has taken
  // note of them), or nullopt.
  [[nodiscard]] std::optional<Event> next_event();

  // --- from the application (time is the latest `now` the transport passed) ---
  // An answer the core refuses (invalid headers or options: an ApiError other than
  // wrong_state) is replaced by a 500 response, so the peer is never left waiting for one.
  ApiError accept(const AcceptOptions& options = {});
  ApiError reject(int status, std::string_view body, std::span<const HttpHeader> headers = {});
  ApiError respond(const HttpResponse& response);
  // Refused with outbound_buffer_full while over DriverPolicy::max_outbound_buffer (and then the
  // connection is closed with 1008, unless DriverPolicy::close_when_send_refused is off).
  ApiError send(MessageType type, ByteView data, Compression compression = Compression::automatic);
  ApiError send_fragment(MessageType type, ByteView data, bool last,
                         Compression compression = Compression::automatic);
  ApiError ping(ByteView data = {});
  ApiError close(std::uint16_t code = close_code::normal, std::string_view reason = {});
  // Graceful shutdown: a Close with 1001 on an open connection, an abort before it is open;
  // nothing once the close handshake has started.
  void shut_down(std::string_view reason = "going away");

  // --- what the transport does ---
  [[nodiscard]] ByteView pending_output() const noexcept { return connection_.pending_output(); }
  void consume_output(std::size_t bytes_written) noexcept;
  std::size_t write_output(MutableByteView out) noexcept;
  // Whether to read from the transport now: not while the outbound buffer is over its limit
  // (until it has drained to half), nor once nothing more will be read.
  [[nodiscard]] bool wants_read() const noexcept;
  // Close the transport now: the connection is over and its last bytes are written (or the
  // wait for them, or for the peer to close first, has run out).
  [[nodiscard]] bool should_close() const noexcept;
  // When advance() has something to do, if ever.
  [[nodiscard]] std::optional<Milliseconds> next_deadline() const noexcept;

  [[nodiscard]] const Connection& connection() const noexcept { return connection_; }
  [[nodiscard]] const DriverPolicy& policy() const noexcept { return policy_; }
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
  void note_event(const Event& event) noexcept;
  void answer_refused_answer(ApiError result) noexcept;
  void note_state() noexcept;
  void note_progress() noexcept;
  void note_output_written() noexcept;
  void update_backpressure() noexcept;
  ApiError refuse_send();

  Connection connection_;
  DriverPolicy policy_;
  Milliseconds now_;
  Wait wait_ = Wait::handshake;
  Milliseconds deadline_{0};
  Milliseconds last_input_{0};   // when the transport last gave us bytes
  bool reading_paused_ = false;  // backpressure: over the limit, not yet back under half of it
  bool peer_closed_ = false;     // end of stream from the peer
};

}  // namespace wscore

// SPDX-License-Identifier: MIT
// The session driver: one Wait enum, changed by wait_for() and note_state(), says what the
// connection waits for and until when; advance() acts when that time has come.
#include "wscore/driver.hpp"

#include <algorithm>

namespace wscore {

Driver::Driver(Connection connection, DriverPolicy policy, Milliseconds now)
    : connection_(std::move(connection)), policy_(policy), now_(now) {
  wait_for(Wait::handshake, policy_.handshake_timeout);
  note_state();
}

Driver Driver::server(ConnectionOptions options, DriverPolicy policy, Milliseconds now) {
  return Driver(Connection::server(std::move(options)), policy, now);
}

Driver Driver::client(const ClientHandshake& handshake, ConnectionOptions options,
                      RandomSource random, DriverPolicy policy, Milliseconds now) {
  return Driver(Connection::client(handshake, std::move(options), std::move(random)), policy, now);
}

void Driver::wait_for(Wait wait, Milliseconds timeout) noexcept {
  wait_ = wait;
  deadline_ = now_ + timeout;
}

void Driver::receive(ByteView bytes, Milliseconds now) {
  now_ = now;
  if (!bytes.empty()) last_input_ = now;
  connection_.receive(bytes);
}

void Driver::receive_in_place(MutableByteView bytes, Milliseconds now) {
  now_ = now;
  if (!bytes.empty()) last_input_ = now;
  connection_.receive_in_place(bytes);
}

void Driver::receive_eof(Milliseconds now) {
  now_ = now;
  peer_closed_ = true;
  connection_.receive_eof();
  note_state();
}

void Driver::abort(std::string_view reason) {
  connection_.abort(reason);
  note_state();
}

void Driver::advance(Milliseconds now) {
  now_ = now;
  if (wait_ == Wait::nothing || now_ < deadline_) return;
  if (wait_ == Wait::progress && now_ < last_input_ + policy_.progress_timeout) {
    // Bytes keep coming, but no frame ends: the keep-alive comes due all the same (a peer that
    // trickles a frame cannot answer our Ping inside it).
    wait_ = Wait::idle;
  }
  switch (wait_) {
    case Wait::handshake:
      connection_.abort("handshake timeout");
      break;
    case Wait::idle:
      // Keep-alive: a quiet peer gets a Ping and pong_timeout to answer (RFC 6455 §5.5.2).
      if (connection_.ping() == ApiError::none) {
        wait_for(Wait::pong, policy_.pong_timeout);
        update_backpressure();
        return;
      }
      wait_for(Wait::closing, policy_.close_timeout);
      break;
    case Wait::pong:
      connection_.abort("no Pong within the pong timeout");
      break;
    case Wait::progress:
      // The peer stopped in the middle of a frame or message; tell it why (1008, a policy).
      if (connection_.close(close_code::policy_violation, "no progress on a frame") !=
          ApiError::none) {
        connection_.abort("no progress on a frame");
      }
      break;
    case Wait::closing:
      // The peer did not finish the close handshake, close TCP (§7.1.1) or read our last bytes.
      connection_.abort("close timeout");
      wait_ = Wait::nothing;
      break;
    case Wait::nothing:
      break;
  }
  note_state();
}

std::optional<Event> Driver::next_event() {
  std::optional<Event> event = connection_.next_event();
  if (event) {
    note_event(*event);
  } else {
    // The input is used up and no event's view is alive: a message read whole, or one that
    // closing or failing abandoned (RFC 6455 §7.1.7), gives its buffer back (to the pool, if
    // there is one), as written output does; a connection between messages holds none.
    connection_.release_idle_buffers();
  }
  note_state();
  return event;
}

void Driver::note_event(const Event& event) {
  if (std::holds_alternative<PingReceived>(event)) count_ping();
  const bool traffic = std::holds_alternative<MessageReceived>(event) ||
                       std::holds_alternative<FragmentReceived>(event) ||
                       std::holds_alternative<PingReceived>(event) ||
                       std::holds_alternative<PongReceived>(event);
  // Anything the peer sends shows it is alive; the Pong to our Ping among it.
  if (traffic && (wait_ == Wait::idle || wait_ == Wait::pong)) {
    wait_for(Wait::idle, policy_.idle_timeout);
  }
  if (traffic && wait_ == Wait::progress) idle_deadline_ = now_ + policy_.idle_timeout;
}

void Driver::count_ping() {
  if (policy_.max_pings_per_second == 0) return;
  if (now_ - ping_second_ >= Milliseconds(1000)) {
    ping_second_ = now_;
    pings_in_second_ = 0;
  }
  if (++pings_in_second_ == policy_.max_pings_per_second + 1 &&
      connection_.close(close_code::policy_violation, "too many Pings") != ApiError::none) {
    connection_.abort("too many Pings");  // a client without a RandomSource cannot send a Close
  }
}

void Driver::note_state() noexcept {
  update_backpressure();  // whatever queued output, it counts at once
  switch (connection_.state()) {
    case ConnectionState::handshake:
    case ConnectionState::awaiting_accept:
      return;  // Wait::handshake from construction
    case ConnectionState::open:
      if (wait_ == Wait::handshake) wait_for(Wait::idle, policy_.idle_timeout);
      note_progress();
      return;
    case ConnectionState::close_sent:
      if (wait_ != Wait::closing) wait_for(Wait::closing, policy_.close_timeout);
      return;
    case ConnectionState::closed:
    case ConnectionState::failed:
      break;
  }
  if (wait_ == Wait::nothing) return;
  const bool flushed = connection_.pending_output().empty();
  const bool done = connection_.transport_action() == TransportAction::await_peer_close
                        ? flushed && peer_closed_
                        : flushed;
  if (done) {
    wait_ = Wait::nothing;
  } else if (wait_ != Wait::closing) {
    wait_for(Wait::closing, policy_.close_timeout);
  }
}

void Driver::note_progress() noexcept {
  // Idle, the peer may pause as long as idle_timeout allows; in the middle of a frame or a
  // message, only progress_timeout after its last bytes. (Waiting for our Pong, that deadline
  // is the nearer one and stays.)
  if (wait_ != Wait::idle && wait_ != Wait::progress) return;
  if (connection_.awaiting_rest_of_frame()) {
    // The nearer of progress_timeout after the last bytes and the idle deadline.
    if (wait_ == Wait::idle) idle_deadline_ = deadline_;
    wait_ = Wait::progress;
    deadline_ = std::min(last_input_ + policy_.progress_timeout, idle_deadline_);
  } else if (wait_ == Wait::progress) {
    wait_for(Wait::idle, policy_.idle_timeout);
  }
}

void Driver::update_backpressure() noexcept {
  const std::size_t buffered = buffered_amount();
  if (buffered > policy_.max_outbound_buffer) over_outbound_limit_ = true;
  if (buffered <= policy_.max_outbound_buffer / 2) over_outbound_limit_ = false;
  const bool paused = over_outbound_limit_ || held_by_transport_;
  // Reading resumes: the time we did not read is not the peer's delay (progress_timeout).
  if (reading_paused_ && !paused) last_input_ = now_;
  reading_paused_ = paused;
  // What was read but not yet parsed waits with the socket (nothing is dropped).
  connection_.hold_input(reading_paused_);
}

void Driver::hold_reading(bool held) noexcept {
  held_by_transport_ = held;
  note_state();
}

ApiError Driver::refuse_send() {
  if (policy_.close_when_send_refused) {
    (void)close(close_code::policy_violation, "outbound buffer full");
  }
  return ApiError::outbound_buffer_full;
}

ApiError Driver::refused_for_memory(ApiError result) {
  // A message the application meant for the peer and no memory to write it: the peer is told
  // (RFC 6455 §7.4.1: 1011, an unexpected condition), not left to miss it.
  if (result == ApiError::out_of_memory) {
    (void)close(close_code::internal_error, "out of memory");
  }
  return result;
}

void Driver::answer_refused_answer(ApiError result) noexcept {
  // An answer the core refused (bad headers, bad options) must not leave the peer waiting for
  // one: it gets a 500 at once, and the caller the error.
  if (result != ApiError::none && result != ApiError::wrong_state &&
      connection_.state() == ConnectionState::awaiting_accept) {
    (void)connection_.reject(500, "the server could not answer this request");
  }
  note_state();
}

ApiError Driver::accept(const AcceptOptions& options) {
  const ApiError result = connection_.accept(options);
  answer_refused_answer(result);
  return result;
}

ApiError Driver::reject(int status, std::string_view body, std::span<const HttpHeader> headers) {
  const ApiError result = connection_.reject(status, body, headers);
  answer_refused_answer(result);
  return result;
}

ApiError Driver::respond(const HttpResponse& response) {
  const ApiError result = connection_.respond(response);
  answer_refused_answer(result);
  return result;
}

ApiError Driver::send(MessageType type, ByteView data, Compression compression) {
  if (buffered_amount() > policy_.max_outbound_buffer) return refuse_send();
  const ApiError result = refused_for_memory(connection_.send(type, data, compression));
  update_backpressure();
  return result;
}

ApiError Driver::send_prepared(const PreparedMessage& message) {
  if (buffered_amount() > policy_.max_outbound_buffer) return refuse_send();
  const ApiError result = refused_for_memory(connection_.send_prepared(message));
  update_backpressure();
  return result;
}

ApiError Driver::send_fragment(MessageType type, ByteView data, bool last,
                               Compression compression) {
  if (buffered_amount() > policy_.max_outbound_buffer) return refuse_send();
  const ApiError result =
      refused_for_memory(connection_.send_fragment(type, data, last, compression));
  update_backpressure();
  return result;
}

ApiError Driver::ping(ByteView data) {
  const ApiError result = connection_.ping(data);
  update_backpressure();
  return result;
}

ApiError Driver::close(std::uint16_t code, std::string_view reason) {
  const ApiError result = connection_.close(code, reason);
  note_state();
  return result;
}

void Driver::shut_down(std::string_view reason) {
  switch (connection_.state()) {
    case ConnectionState::open:
      (void)close(close_code::going_away, reason);
      return;
    case ConnectionState::handshake:
    case ConnectionState::awaiting_accept:
      abort(reason);
      return;
    case ConnectionState::close_sent:
    case ConnectionState::closed:
    case ConnectionState::failed:
      return;
  }
}

void Driver::consume_output(std::size_t bytes_written) noexcept {
  const std::size_t pending = buffered_amount();
  connection_.consume_output(bytes_written);
  note_output_written(pending != buffered_amount());
}

std::size_t Driver::write_output(MutableByteView out) noexcept {
  const std::size_t size = connection_.write_output(out);
  note_output_written(size != 0);
  return size;
}

void Driver::note_output_written(bool drained) noexcept {
  update_backpressure();
  // While backpressure holds the peer's input, its messages cannot be seen, nor the Pong to a
  // keep-alive Ping that came due meanwhile (it waits in the held input or the socket, and the
  // Ping itself behind our output); that the peer takes the output we are over the limit with
  // shows it is alive (a vanished peer stops taking bytes once the socket's buffers are full), so
  // the idle timer restarts, in the wait for that Pong too. A peer that takes nothing for
  // idle_timeout + pong_timeout is dropped. Once reading resumes, the Pong can be seen again.
  // (Not under the transport's own hold: a write that only fills the socket's buffers, such as
  // our Ping, shows nothing of the peer.)
  if (drained && over_outbound_limit_ && (wait_ == Wait::idle || wait_ == Wait::pong)) {
    wait_for(Wait::idle, policy_.idle_timeout);
  }
  if (connection_.pending_output().empty() &&
      connection_.transport_action() == TransportAction::keep_open) {
    connection_.release_idle_buffers();
  }
  note_state();
}

bool Driver::wants_read() const noexcept {
  if (reading_paused_ || peer_closed_ || wait_ == Wait::nothing) return false;
  // A client waiting for the server to close TCP reads to see it (RFC 6455 §7.1.1).
  return connection_.transport_action() != TransportAction::close_when_flushed;
}

bool Driver::should_close() const noexcept {
  const ConnectionState state = connection_.state();
  const bool over = state == ConnectionState::closed || state == ConnectionState::failed;
  return over && wait_ == Wait::nothing;
}

std::optional<Milliseconds> Driver::next_deadline() const noexcept {
  if (wait_ == Wait::nothing) return std::nullopt;
  return deadline_;
}

}  // namespace wscore

// SPDX-License-Identifier: MIT
// The driver target's model of the connection's life on the fake clock: the deadline the
// policy sets for where the connection is, the timeouts that must have fired, the backpressure
// of the output (by origin: data frames or anything else) and when reading must pause and
// resume, and the checks every operation ends with. See driver.cpp for the invariants.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "driver_input.hpp"
#include "driver_wire.hpp"
#include "fuzz_support.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {

inline bool is_over(ConnectionState state) {
  return state == ConnectionState::closed || state == ConnectionState::failed;
}

inline bool is_opening(ConnectionState state) {
  return state == ConnectionState::handshake || state == ConnectionState::awaiting_accept;
}

// The run's record of where the connection has been, and the checks against it. The layers
// above (driver_events.hpp, driver_api.hpp, driver.cpp) keep it up to date.
class DriverModel {
 protected:
  explicit DriverModel(InputReader& input)
      : input_(input), setup_(input), now_(setup_.start), created_(setup_.start) {}

  enum class Segment : std::uint8_t { data, other };

  struct Before {
    ConnectionState state;
    std::size_t pending;
    Bytes pending_bytes;  // only once over: the output may then only drain
    std::optional<Milliseconds> deadline;
    bool should_close;
    std::size_t events;
  };

  // The checks every operation ends with.
  void after(const Before& before, bool advanced, bool consumed) {
    Driver& driver = *driver_;
    const ByteView pending = driver.pending_output();
    if (!consumed && pending.size() < before.pending && pending.empty() &&
        driver.connection().state() == ConnectionState::failed) {
      segments_.clear();  // abort() (the caller's, or a timeout's) dropped it all
      record_.dropped = true;
    }
    // Otherwise the output shrinks only when an automatic Pong replaces the last unwritten one
    // (RFC 6455 §5.5.3, past 16 of them): from the back, where the Pongs are.
    std::size_t accounted = 0;
    for (const auto& segment : segments_)
      accounted += segment.second;
    check(accounted >= pending.size(), "the output grows only by what the steps wrote");
    if (accounted > pending.size()) {
      check(pings_in_step_ != 0 && setup_.options.auto_pong,
            "the output shrinks only when the transport writes it, gives up, or a Pong is "
            "replaced");
      std::size_t excess = accounted - pending.size();
      while (excess != 0) {
        auto& back = segments_.back();
        check(back.first == Segment::other, "a replaced Pong is not data");
        const std::size_t taken = std::min(excess, back.second);
        back.second -= taken;
        excess -= taken;
        if (back.second == 0) segments_.pop_back();
      }
    }
    if (is_over(before.state)) {
      check(
          pending.size() <= before.pending &&
              std::equal(pending.begin(), pending.end(),
                         before.pending_bytes.end() - static_cast<std::ptrdiff_t>(pending.size())),
          "nothing is written once closed or failed: the output only drains");
    }
    if (advanced && before.deadline && now_ >= *before.deadline) {
      // One exception: a client without a RandomSource cannot send its keep-alive Ping and waits
      // close_timeout instead; when that is 0 the new deadline is the old one, and the next
      // advance() ends the connection.
      const bool refused_ping_waits_zero =
          refused_ping_at_ == now_ && setup_.policy.close_timeout == 0ms;
      check(events_ != before.events || pending.size() != before.pending ||
                driver.next_deadline() != before.deadline || refused_ping_waits_zero,
            "every deadline fires: advance() past it does something");
    }
    check(!before.should_close || driver.should_close(), "should_close() never goes back");
    observe_state();
    check_state_invariants();
    pings_in_step_ = 0;
  }

  void observe_state() {
    const ConnectionState state = driver_->connection().state();
    // A frame or message the peer began and has now finished (or that backpressure now holds):
    // the idle timer starts again from here (driver.cpp note_progress).
    // Reading resumed after backpressure: the progress clock starts again (driver.cpp).
    const bool held = driver_->connection().input_held();
    if (held_ && !held) input_at_ = now_;
    held_ = held;
    const bool awaiting = driver_->connection().awaiting_rest_of_frame();
    if (awaiting_rest_ && !awaiting && state == ConnectionState::open && !keepalive_at_ &&
        !refused_ping_at_) {
      progress_ended_at_ = now_;
    }
    awaiting_rest_ = awaiting;
    if (state != ConnectionState::handshake && state != ConnectionState::awaiting_accept &&
        !opened_at_ && !is_over(state)) {
      opened_at_ = now_;
    }
    if ((is_over(state) || state == ConnectionState::close_sent) && !closing_since_) {
      closing_since_ = now_;
    }
    if (is_over(state) && !over_at_) {
      over_at_ = now_;
      over_operation_ = operation_;
    }
  }

  // driver.cpp note_output_written: bytes the peer takes while backpressure still holds its
  // input (after the write) show it is alive, and the idle timer starts again, in the wait for
  // our Pong too (the Pong may be among the held input).
  bool peer_took_our_bytes(std::size_t bytes) const {
    return bytes != 0 && driver_->connection().input_held() &&
           driver_->connection().state() == ConnectionState::open && !refused_ping_at_;
  }
  // driver.cpp count_ping: the Ping one over max_pings_per_second in a second of the driver's
  // clock closes an open connection with 1008.
  void count_ping(ConnectionState before, ConnectionState state) {
    const std::uint32_t limit = setup_.policy.max_pings_per_second;
    if (limit == 0) return;
    if (now_ - ping_second_ >= Milliseconds(1000)) {
      ping_second_ = now_;
      pings_in_second_ = 0;
    }
    if (++pings_in_second_ == limit + 1 && before == ConnectionState::open) {
      if (setup_.role == Role::server || setup_.has_random) {
        check(state == ConnectionState::close_sent, "a Ping over max_pings_per_second closes");
        record_.our_close = {close_code::policy_violation, to_bytes("too many Pings")};
      } else {
        check(state == ConnectionState::failed, "or, unable to send a Close, aborts");
      }
    }
  }

  void note_alive() {
    traffic_at_ = now_;
    keepalive_at_.reset();
  }

  // After advance(now): what is due has fired. One advance() takes one step, so a deadline that
  // this very call set (a zero timeout) waits for the next one.
  void check_time_invariants(bool pinged, bool ping_refused, bool closed_for_progress) {
    const Driver& driver = *driver_;
    const ConnectionState state = driver.connection().state();
    if (is_opening(state)) {
      check(now_ < created_ + setup_.policy.handshake_timeout,
            "no opening handshake lasts past handshake_timeout");
    }
    if (state == ConnectionState::open && keepalive_at_ && !pinged) {
      check(now_ < *keepalive_at_ + setup_.policy.pong_timeout,
            "a keep-alive Ping without traffic ends the connection after pong_timeout");
    }
    if (state == ConnectionState::open && !keepalive_at_ && !refused_ping_at_ && awaiting_rest_) {
      check(now_ < *input_at_ + setup_.policy.progress_timeout,
            "a frame stalled for progress_timeout ends the connection");
    }
    if (state == ConnectionState::open && refused_ping_at_ && !ping_refused) {
      check(now_ < *refused_ping_at_ + setup_.policy.close_timeout,
            "a connection that cannot send its keep-alive Ping ends close_timeout later");
    }
    if (state == ConnectionState::close_sent && !closed_for_progress) {
      check(now_ < *closing_since_ + setup_.policy.close_timeout,
            "a peer that does not answer our Close is given up after close_timeout");
    }
    if (over_at_ && over_operation_ < operation_ &&
        now_ >= *over_at_ + setup_.policy.close_timeout) {
      check(driver.should_close(), "close the transport close_timeout after the end at the latest");
    }
  }

  // What the driver waits for (driver.hpp): the opening handshake; traffic, then the Pong to a
  // keep-alive Ping (or, unable to send it, close_timeout); the close handshake, the peer's TCP
  // close or the last bytes: close_timeout after the first of our Close, the end, or that
  // refused Ping.
  Milliseconds expected_deadline(ConnectionState state) const {
    if (is_opening(state)) return created_ + setup_.policy.handshake_timeout;
    if (state != ConnectionState::open) return *closing_since_ + setup_.policy.close_timeout;
    if (refused_ping_at_) return *closing_since_ + setup_.policy.close_timeout;
    if (keepalive_at_) return *keepalive_at_ + setup_.policy.pong_timeout;
    if (awaiting_rest_) {
      return std::min(*input_at_ + setup_.policy.progress_timeout,
                      quiet_since() + setup_.policy.idle_timeout);
    }
    return quiet_since() + setup_.policy.idle_timeout;
  }

  Milliseconds quiet_since() const {
    return std::max(
        {*opened_at_, traffic_at_.value_or(*opened_at_), progress_ended_at_.value_or(*opened_at_)});
  }

  void check_state_invariants() {
    const Driver& driver = *driver_;
    const Connection& connection = driver.connection();
    const ConnectionState state = connection.state();
    const std::size_t buffered = driver.buffered_amount();
    check(buffered == driver.pending_output().size(), "buffered_amount() is the pending output");
    check(driver.should_close() == !driver.next_deadline(),
          "a deadline exactly while the transport stays open");
    if (!driver.should_close()) {
      check(driver.next_deadline() == expected_deadline(state),
            "next_deadline() is the one the policy sets for where the connection is");
    }
    check(!driver.should_close() || is_over(state), "close the transport only once it is over");
    check(!driver.should_close() || !driver.wants_read(), "no reading once closed");
    const bool done =
        is_over(state) && buffered == 0 &&
        (connection.transport_action() == TransportAction::close_when_flushed || eof_);
    if (done) {
      check(driver.should_close(), "close the transport as soon as the last byte is written");
    }
    if (driver.should_close() && !done) {
      check(closing_since_ && now_ >= *closing_since_ + setup_.policy.close_timeout,
            "close the transport with bytes unwritten (or, client, before the server closed TCP) "
            "only once close_timeout has run out");
    }
    // Backpressure.
    std::size_t data_pending = 0;
    for (const auto& [kind, size] : segments_) {
      if (kind == Segment::data) data_pending += size;
    }
    check(data_pending <= setup_.policy.max_outbound_buffer + last_send_frame_,
          "data over max_outbound_buffer by at most the last accepted send");
    // Reading pauses over the limit and resumes at half of it. (Within a step that replaced
    // Pongs the output may have crossed both ways: the model waits for the next crossing.)
    if (buffered > setup_.policy.max_outbound_buffer) {
      reading_paused_ = true;
    } else if (buffered <= setup_.policy.max_outbound_buffer / 2) {
      reading_paused_ = false;
    } else if (pings_in_step_ != 0) {
      reading_paused_.reset();
    }
    if (buffered > setup_.policy.max_outbound_buffer) {
      check(!driver.wants_read(), "no reading while over max_outbound_buffer");
    }
    if (reading_paused_ && !is_over(state) && !eof_) {
      check(driver.wants_read() == !*reading_paused_,
            "reading stops over max_outbound_buffer and resumes at half of it");
    }
    // Exactly one terminal event once over, none before.
    if (is_over(state)) {
      check(terminal_events_ == (answered_closed_ ? 0 : 1),
            "one terminal event once over (none after our own answer refused the request)");
    } else {
      check(terminal_events_ == 0, "no terminal event while the connection lives");
    }
  }

  // The transport asks should_close() and wants_read() right after writing (driver.hpp).
  void check_after_write() const {
    const Driver& driver = *driver_;
    const Connection& connection = driver.connection();
    if (is_over(connection.state()) && driver.pending_output().empty() &&
        (connection.transport_action() == TransportAction::close_when_flushed || eof_)) {
      check(driver.should_close(), "close the transport once the last byte is written");
    }
    if (driver.pending_output().size() <= setup_.policy.max_outbound_buffer / 2 &&
        !is_over(connection.state()) && !eof_) {
      check(driver.wants_read(), "reading resumes once the output drained to half the limit");
    }
  }

  void pop_segments(std::size_t count) {
    while (count != 0 && !segments_.empty()) {
      auto& front = segments_.front();
      const std::size_t taken = std::min(count, front.second);
      front.second -= taken;
      count -= taken;
      if (front.second == 0) segments_.pop_front();
    }
  }

  // Records output an operation appended (it appends after whatever was pending).
  void appended(std::size_t before, Segment kind) {
    const std::size_t after = driver_->pending_output().size();
    if (after > before) segments_.push_back({kind, after - before});
    check(after <= setup_.policy.max_outbound_buffer || !driver_->wants_read(),
          "output over max_outbound_buffer stops reading at once, whatever queued it");
  }

  InputReader& input_;
  DriverSetup setup_;
  Driver* driver_ = nullptr;
  WireRecord record_;

  // The clock and the transport.
  Milliseconds now_{0};
  Milliseconds created_{0};
  bool eof_ = false;
  std::deque<std::pair<Segment, std::size_t>> segments_;  // the pending output, by origin
  std::size_t last_send_frame_ = 0;
  std::size_t pings_in_step_ = 0;
  std::optional<bool> reading_paused_ = false;

  // What happened, as the events and results told it.
  std::optional<Milliseconds> opened_at_;
  std::optional<Milliseconds> traffic_at_;
  std::optional<Milliseconds> input_at_;  // the transport last gave the driver bytes
  std::optional<Milliseconds> progress_ended_at_;
  bool awaiting_rest_ = false;  // the peer is in the middle of a frame or message
  bool held_ = false;           // backpressure holds the peer's input
  std::optional<Milliseconds> keepalive_at_;
  Milliseconds ping_second_{0};  // the second whose Pings are counted
  std::uint32_t pings_in_second_ = 0;
  std::optional<Milliseconds> refused_ping_at_;
  std::optional<Milliseconds> over_at_;
  std::optional<Milliseconds> closing_since_;  // our Close, or the end: close_timeout counts
  std::size_t operation_ = 0;
  std::size_t over_operation_ = 0;
  std::size_t events_ = 0;
  std::size_t terminal_events_ = 0;
  bool answered_closed_ = false;
};

}  // namespace wscore::fuzz

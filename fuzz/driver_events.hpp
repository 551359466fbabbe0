// SPDX-License-Identifier: MIT
// The driver target's reading of the events: the transport reads every event after each step,
// and they come in order (the handshake event first, the connection's events as EventChecker
// checks them, exactly one terminal event once closed or failed, nothing after it). See
// driver.cpp for the invariants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "driver_model.hpp"
#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {

inline bool is_terminal(const Event& event) {
  return std::holds_alternative<CloseReceived>(event) ||
         std::holds_alternative<ProtocolError>(event) ||
         std::holds_alternative<ConnectionLost>(event) ||
         std::holds_alternative<HandshakeFailed>(event);
}

class DriverEvents : protected DriverModel {
 protected:
  explicit DriverEvents(InputReader& input) : DriverModel(input) {}

  void drain() {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    for (;;) {
      const ConnectionState state = driver.connection().state();
      std::optional<Event> event = driver.next_event();
      if (!event) break;
      on_event(*event, state);
    }
    check(!driver.next_event(), "no event appears once next_event() has said none");
    if (driver.pending_output().size() > pending) appended(pending, Segment::other);
  }

  void on_event(const Event& event, ConnectionState state_before) {
    check(terminal_events_ == 0, "no event after the terminal one");
    ++events_;
    const ConnectionState state = driver_->connection().state();
    std::visit(
        Overloaded{
            [&](const RequestReceived& request) {
              check(setup_.role == Role::server && !handshake_event_, "one request, server only");
              check(state == ConnectionState::awaiting_accept, "a request awaits its answer");
              offered_.assign(request.request->subprotocols().begin(),
                              request.request->subprotocols().end());
              handshake_event_ = true;
            },
            [&](const HttpRequestReceived&) {
              check(setup_.role == Role::server && !handshake_event_ && setup_.options.plain_http,
                    "a plain HTTP request with plain_http only");
              check(state == ConnectionState::awaiting_accept, "a request awaits its answer");
              handshake_event_ = true;
              plain_request_ = true;
            },
            [&](const HandshakeCompleted& completed) {
              check(setup_.role == Role::client && !handshake_event_, "one handshake, client only");
              check(state == ConnectionState::open, "the client is open once the server agreed");
              check(completed.response->status() == 101, "a 101 completes it");
              handshake_event_ = true;
              opened_ = true;
            },
            [&](const HandshakeFailed& failed) {
              check(!opened_, "HandshakeFailed only during the opening handshake");
              if (setup_.role == Role::server)
                record_.handshake_failed_status = failed.error.status;
            },
            [&](const auto& other) {
              check(opened_ || std::holds_alternative<ConnectionLost>(event),
                    "messages only once open; the end of the stream at any time");
              if (!events_checker_) events_checker_.emplace(setup_.options, 0, false);
              events_checker_->on_event(other);
            },
        },
        event);
    if (std::holds_alternative<PingReceived>(event)) {
      ++pings_in_step_;
      count_ping(state_before, state);
    }
    if (std::holds_alternative<MessageReceived>(event) ||
        std::holds_alternative<FragmentReceived>(event) ||
        std::holds_alternative<PingReceived>(event) ||
        std::holds_alternative<PongReceived>(event)) {
      traffic_at_ = now_;  // the peer is alive: the idle timer restarts
      keepalive_at_.reset();
    }
    if (is_terminal(event)) {
      ++terminal_events_;
      check(is_over(state), "the terminal event comes with the end of the connection");
      check(std::holds_alternative<CloseReceived>(event) == (state == ConnectionState::closed),
            "closed after the peer's Close, failed after anything else");
      record_.terminal_state_before = state_before;
      if (const auto* error = std::get_if<ProtocolError>(&event)) {
        check(error->code == close_code_for(error->violation), "the code is the violation's");
        record_.terminal_close_code = error->code;
      }
      if (const auto* close = std::get_if<CloseReceived>(&event)) {
        record_.terminal_close_code = close->code;
      }
      if (const auto* lost = std::get_if<ConnectionLost>(&event)) {
        check(lost->code == close_code::abnormal_closure, "a lost connection reports 1006");
      }
    }
  }

  bool handshake_event_ = false;
  bool opened_ = false;  // accept() succeeded or HandshakeCompleted came
  bool plain_request_ = false;
  std::vector<std::string> offered_;
  std::optional<EventChecker> events_checker_;
};

}  // namespace wscore::fuzz

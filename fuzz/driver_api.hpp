// SPDX-License-Identifier: MIT
// The driver target's application: send(), send_fragment(), ping(), close(), shut_down(),
// accept() / reject() / respond() and abort(), each checked against what connection.hpp and
// driver.hpp promise (the result, in their order of checks, and the bytes it writes), and
// recorded for the final wire check. See driver.cpp for the input format and the invariants.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "driver_events.hpp"
#include "driver_input.hpp"
#include "driver_wire.hpp"
#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {

class DriverApplication : protected DriverEvents {
 protected:
  explicit DriverApplication(InputReader& input) : DriverEvents(input) {}

  ApiError expected_send_state() const {
    const Connection& connection = driver_->connection();
    if (connection.state() != ConnectionState::open) return ApiError::wrong_state;
    if (!setup_.has_random) return ApiError::no_random_source;
    return ApiError::none;
  }

  void send(bool fragment) {
    Driver& driver = *driver_;
    const std::uint8_t how = input_.byte();
    const MessageType type = (how & 1) ? MessageType::text : MessageType::binary;
    const bool last = (how & 2) != 0;
    const Bytes data = api_payload(input_, how >> 2);
    const std::size_t pending = driver.pending_output().size();
    const bool could_close = expected_send_state() == ApiError::none;  // open, with randomness
    // The order of the checks: driver.hpp, then connection.hpp's check_can_send, the message in
    // progress, the payload.
    ApiError expected = expected_send_state();
    const MessageType message_type = fragment && sending_fragments_ ? sending_type_ : type;
    ReferenceUtf8 utf8 = fragment && sending_fragments_ ? sending_utf8_ : ReferenceUtf8{};
    const bool ends_message = !fragment || last;
    const bool text_ok = message_type != MessageType::text ||
                         (utf8.feed(data) && (!ends_message || utf8.complete()));
    if (pending > setup_.policy.max_outbound_buffer) {
      expected = ApiError::outbound_buffer_full;
    } else if (expected == ApiError::none && !fragment && sending_fragments_) {
      expected = ApiError::message_in_progress;
    } else if (expected == ApiError::none && !text_ok) {
      expected = ApiError::invalid_utf8;
    }
    const ApiError result =
        fragment ? driver.send_fragment(type, data, last) : driver.send(type, data);
    check(result == expected, "send() and send_fragment() return what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    if (result == ApiError::outbound_buffer_full && setup_.policy.close_when_send_refused &&
        could_close) {
      // driver.hpp: a refused message is not lost silently; the peer is told with 1008.
      check(driver.connection().state() == ConnectionState::close_sent,
            "a send refused over max_outbound_buffer closes with 1008");
      record_.our_close = {close_code::policy_violation, to_bytes("outbound buffer full")};
      appended(pending, Segment::other);
      return;
    }
    if (result != ApiError::none) {
      check(grown.empty(), "a refused send writes nothing");
      return;
    }
    const bool first = !fragment || !sending_fragments_;
    const WireFrame frame{static_cast<std::uint8_t>(first ? static_cast<std::uint8_t>(type) : 0x0),
                          !fragment || last, data};
    check(grown.size() == frame_size(data.size(), setup_.role == Role::client),
          "an accepted send writes exactly its frame");
    check(parse_frames(setup_.role, grown, false) == std::vector<WireFrame>{frame},
          "the frame carries the message");
    record_.data_frames.push_back(frame);
    last_send_frame_ = grown.size();
    appended(pending, Segment::data);
    if (fragment) {
      sending_fragments_ = !last;
      sending_type_ = message_type;
      sending_utf8_ = utf8;
    }
  }

  void ping() {
    Driver& driver = *driver_;
    Bytes data = api_payload(input_, input_.byte());
    if (data.size() > 130) data.resize(130);
    const std::size_t pending = driver.pending_output().size();
    ApiError expected = expected_send_state();
    if (expected == ApiError::none && data.size() > max_control_payload_size) {
      expected = ApiError::control_payload_too_large;
    }
    const ApiError result = driver.ping(data);
    check(result == expected, "ping() returns what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    if (result != ApiError::none) {
      check(grown.empty(), "a refused ping writes nothing");
      return;
    }
    check(parse_frames(setup_.role, grown, false) == std::vector<WireFrame>{{0x9, true, data}},
          "ping() writes its Ping");
    record_.pings_sent.push_back(data);
    appended(pending, Segment::other);
  }

  void close() {
    Driver& driver = *driver_;
    const std::uint16_t code = close_codes[input_.byte() % 16];
    const std::uint8_t reason_bits = input_.byte();
    Bytes reason = (reason_bits & 0x80) ? input_.take_bytes(reason_bits & 0x7F)
                                        : Bytes((reason_bits & 0x7F), std::byte{'r'});
    const std::size_t pending = driver.pending_output().size();
    ApiError expected = expected_send_state();
    if (expected == ApiError::none) {
      if (!is_valid_close_code(code)) {
        expected = ApiError::invalid_close_code;
      } else if (reason.size() > max_close_reason_size) {
        expected = ApiError::control_payload_too_large;
      } else if (!ReferenceUtf8::is_valid(reason)) {
        expected = ApiError::invalid_utf8;
      }
    }
    const ApiError result = driver.close(code, as_text(reason));
    check(result == expected, "close() returns what the API promises");
    check(result != ApiError::none || driver.connection().state() == ConnectionState::close_sent,
          "close() starts the closing handshake (RFC 6455 7.1.2)");
    if (result == ApiError::none) record_.our_close = {code, reason};
    check(result == ApiError::none || driver.pending_output().size() == pending,
          "a refused close writes nothing");
    appended(pending, Segment::other);
  }

  void shut_down() {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    driver.shut_down("bye");
    const ConnectionState now_state = driver.connection().state();
    if (state == ConnectionState::open && setup_.has_random) {
      check(now_state == ConnectionState::close_sent, "shut_down() sends a Close with 1001");
      record_.our_close = {close_code::going_away, to_bytes("bye")};
    } else if (is_opening(state)) {
      check(now_state == ConnectionState::failed, "shut_down() gives up an opening handshake");
    } else {
      check(now_state == state, "shut_down() does nothing once closing");
    }
    appended(std::min(pending, driver.pending_output().size()), Segment::other);
    drain();
  }

  void answer() {
    Driver& driver = *driver_;
    const std::uint8_t how = input_.byte() % 6;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    static constexpr HttpHeader bad_header[] = {{"X-Bad", "a\r\nInjected: 1"}};
    const bool awaiting = setup_.role == Role::server && state == ConnectionState::awaiting_accept;
    ApiError expected = ApiError::wrong_state;
    ApiError result = ApiError::none;
    int status = 101;
    switch (how) {
      case 0:
      case 1:
      case 2:
      case 3: {
        AcceptOptions options;
        if (how == 1)
          options.subprotocol =
              offered_.empty() ? std::string_view{} : std::string_view(offered_.back());
        if (how == 2) options.subprotocol = "not-offered";
        if (how == 3) options.extra_headers = bad_header;
        if (awaiting && !plain_request_) {
          expected = how == 2   ? ApiError::subprotocol_not_offered
                     : how == 3 ? ApiError::invalid_header
                                : ApiError::none;
        }
        result = driver.accept(options);
        break;
      }
      case 4:
        status = reject_statuses[input_.byte() % 6];
        if (awaiting) expected = ApiError::none;
        result = driver.reject(status, "refused");
        break;
      default: {
        HttpResponse response;
        response.status = 404;
        status = 404;
        if (setup_.role == Role::server && !setup_.options.plain_http) {
          expected = ApiError::plain_http_not_enabled;
        } else if (awaiting && plain_request_) {
          expected = ApiError::none;
        }
        result = driver.respond(response);
        break;
      }
    }
    check(result == expected, "accept(), reject() and respond() return what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    const ConnectionState now_state = driver.connection().state();
    if (result == ApiError::none) {
      check(starts_with(grown, status_line(status)), "the answer is written");
      check(now_state == (status == 101 ? ConnectionState::open : ConnectionState::closed),
            "accept() opens, reject() and respond() close");
      if (status != 101) answered_closed_ = true;
      opened_ = status == 101;
      record_.answer_status = status;
    } else if (result != ApiError::wrong_state && awaiting) {
      check(starts_with(grown, status_line(500)) && now_state == ConnectionState::closed,
            "an answer the core refuses becomes a 500 response");
      answered_closed_ = true;
      record_.answer_status = 500;
    } else {
      check(grown.empty() && now_state == state, "a misplaced answer does nothing");
    }
    appended(pending, Segment::other);
  }

  void abort() {
    Driver& driver = *driver_;
    const ConnectionState state = driver.connection().state();
    driver.abort("transport error");
    if (!is_over(state)) {
      check(
          driver.connection().state() == ConnectionState::failed && driver.pending_output().empty(),
          "abort() fails the connection and drops its output");
    }
    drain();
  }

  bool sending_fragments_ = false;
  MessageType sending_type_ = MessageType::binary;
  ReferenceUtf8 sending_utf8_;
};

}  // namespace wscore::fuzz

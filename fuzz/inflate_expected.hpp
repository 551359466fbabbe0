// SPDX-License-Identifier: MIT
// The inflate target's expectations: the events the frames must yield, from the reference
// decoder (reference_inflate.hpp), and a matcher that compares a connection's events with them
// as they come. See inflate.cpp for the rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "inflate_input.hpp"
#include "reference_inflate.hpp"
#include "reference_utf8.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore::fuzz {

// One expected event. Messages hold their whole (inflated) data.
struct Expected {
  TraceEntry entry;
  bool may_fail_1007 = false;  // a distance past the agreed window: zlib may refuse it or not
  bool unfinished = false;     // the message's last frame never came
  std::optional<Violation> violation = std::nullopt;  // for a protocol error: the rule broken
};

// --- the expected events --------------------------------------------------------------------

class Model {
 public:
  Model(const Config& config, const Generator& generator)
      : config_(config),
        generator_(generator),
        reference_(config.window_bits, config.peer_no_context_takeover) {}

  std::vector<Expected> run() {
    const auto& frames = generator_.frames();
    for (std::size_t index = 0; index < frames.size() && !finished_; ++index)
      on_frame(index, frames[index]);
    if (in_message_ && !finished_) expected_.push_back(partial_message());
    if (config_.end_of_stream && !finished_) {
      expected_.push_back(
          {{TraceEntry::Kind::connection_lost, {}, 0, close_code::abnormal_closure, {}}});
    }
    return std::move(expected_);
  }

 private:
  void on_frame(std::size_t index, const Frame& frame) {
    const std::uint8_t opcode = frame.first_byte & 0x0F;
    const bool fin = (frame.first_byte & 0x80) != 0;
    if (opcode == 0x9 || opcode == 0xA) {
      const auto kind = opcode == 0x9 ? TraceEntry::Kind::ping : TraceEntry::Kind::pong;
      expected_.push_back({{kind, {}, 0, 0, frame.payload}});
      return;
    }
    if (opcode == 0x8) {
      expected_.push_back({{TraceEntry::Kind::close, {}, 0, close_code::normal, {}}});
      finished_ = true;
      return;
    }
    if (opcode != 0x0) {
      in_message_ = true;
      type_ = static_cast<MessageType>(opcode);
      rsv_ = (frame.first_byte & 0x40) ? rsv_bit::rsv1 : 0;
      wire_size_ = 0;
      data_.clear();
      utf8_ = {};
      validated_ = 0;
      first_frame_ = index;
      boundary_before_ = reference_.between_blocks();
      if (rsv_) reference_.start_message();
    }
    // RFC 6455 §10.4: the limit is on the message; its compressed bytes may take deflate's
    // expansion more on the wire (with_deflate_expansion()).
    const std::uint64_t wire_limit = rsv_ ? with_deflate_expansion(config_.limit) : config_.limit;
    if (frame.payload.size() > wire_limit - wire_size_) return fail(Violation::message_too_big);
    wire_size_ += frame.payload.size();
    if (!rsv_) {
      // (Streamed, the bytes before invalid text may come out first: they stay in data_.)
      data_.insert(data_.end(), frame.payload.begin(), frame.payload.end());
      if (type_ == MessageType::text && !utf8_.feed(frame.payload)) {
        return fail(Violation::invalid_utf8);
      }
      if (fin) end_message();
      return;
    }
    const auto status =
        reference_.feed(frame.payload, fin, data_, static_cast<std::size_t>(config_.limit) + 1);
    // The first violation in the order of the message's bytes decides (see the top).
    const std::size_t within_limit = std::min<std::size_t>(data_.size(), config_.limit);
    if (type_ == MessageType::text && validated_ < within_limit) {
      const bool valid = utf8_.feed(ByteView(data_).subspan(validated_, within_limit - validated_));
      validated_ = within_limit;
      if (!valid) return fail(Violation::invalid_utf8);
    }
    using Status = ReferenceInflate::Status;
    if (status == Status::output_full) return fail(Violation::inflated_message_too_big);
    if (status == Status::invalid_data) return fail(Violation::invalid_compressed_data);
    if (status == Status::message_finished) end_message();
  }

  bool ambiguous() const { return rsv_ && reference_.overreach().has_value(); }

  Expected partial_message() const {
    Expected entry{{TraceEntry::Kind::message, type_, rsv_, 0, data_}};
    entry.may_fail_1007 = ambiguous();
    entry.unfinished = true;
    return entry;
  }

  void end_message() {
    if (type_ == MessageType::text && !utf8_.complete()) return fail(Violation::truncated_utf8);
    in_message_ = false;
    const Bytes* plaintext = rsv_ ? generator_.trusted_plaintext(first_frame_) : nullptr;
    if (plaintext && boundary_before_) {
      check(data_ == *plaintext,
            "a message from a compressor that keeps the agreement inflates to what it compressed");
      check(!reference_.overreach(),
            "zlib's compressor stays within the agreed window (RFC 7692 7.1.2; 8 compresses "
            "with 9)");
    }
    Expected entry{{TraceEntry::Kind::message, type_, rsv_, 0, data_}};
    entry.may_fail_1007 = ambiguous();
    expected_.push_back(std::move(entry));
  }

  // The message so far (for the pieces streamed before the error), then the error.
  void fail(Violation violation) {
    const std::uint16_t code = close_code_for(violation);
    const Bytes* plaintext = rsv_ ? generator_.trusted_plaintext(first_frame_) : nullptr;
    if (plaintext && boundary_before_ && code != close_code::message_too_big) {
      violated("a message from a compressor that keeps the agreement is valid");
    }
    if (in_message_) expected_.push_back(partial_message());
    Expected entry{{TraceEntry::Kind::protocol_error, {}, 0, code, {}}};
    entry.violation = violation;
    entry.may_fail_1007 = in_message_ && ambiguous();
    expected_.push_back(std::move(entry));
    finished_ = true;
  }

  const Config& config_;
  const Generator& generator_;
  ReferenceInflate reference_;
  std::vector<Expected> expected_;
  bool finished_ = false;

  // The message being read.
  bool in_message_ = false;
  MessageType type_ = MessageType::binary;
  std::uint8_t rsv_ = 0;
  std::uint64_t wire_size_ = 0;
  Bytes data_;  // inflated, up to one byte past the limit
  ReferenceUtf8 utf8_;
  std::size_t validated_ = 0;
  std::size_t first_frame_ = 0;
  bool boundary_before_ = true;
};

// --- the connection's events against the expected ones ---------------------------------------

// Compares events as they come, without allocating (so the heap can be measured around it).
// Streamed pieces are matched against the message in progress, which control frames may
// precede in the expected list (they arrive between its frames).
class Matcher {
 public:
  explicit Matcher(const std::vector<Expected>& expected) : expected_(expected) {}

  void on_event(const Event& event) {
    check(!done_, "no event after the last one");
    if (const auto* fragment = std::get_if<FragmentReceived>(&event)) {
      const Expected& message = message_in_progress();
      match_piece(message, fragment->type, fragment->rsv, fragment->data);
      if (!fragment->message_finished) return;
      check(!message.unfinished && streamed_ == message.entry.data.size(),
            "a streamed message ends where it should");
      check(&expected_[index_] == &message, "a message ends after the control frames before it");
      streamed_ = 0;
      ++index_;
      return;
    }
    if (const auto* message = std::get_if<MessageReceived>(&event)) {
      skip_unfinished();
      check(index_ < expected_.size(), "no more events than expected");
      const Expected& expected = expected_[index_];
      check(expected.entry.kind == TraceEntry::Kind::message && !expected.unfinished,
            "a message where one is expected");
      match_piece(expected, message->type, message->rsv, message->data);
      check(streamed_ == expected.entry.data.size(), "the whole message");
      streamed_ = 0;
      ++index_;
      return;
    }
    if (const auto* error = std::get_if<ProtocolError>(&event)) {
      // A distance past the agreed window that zlib refused this time (reference_inflate.hpp),
      // in the message being read.
      const Expected* message = find_message(index_);
      const bool refused_overreach = error->violation == Violation::invalid_compressed_data &&
                                     message && message->may_fail_1007;
      last_error_ = error->code;
      skip_unfinished();
      const Expected* expected = index_ < expected_.size() ? &expected_[index_] : nullptr;
      // The rule, not only the code: an overreach zlib refused is invalid compressed data.
      const bool same =
          expected && expected->entry.kind == TraceEntry::Kind::protocol_error &&
          ((expected->entry.code == error->code && expected->violation == error->violation) ||
           (expected->may_fail_1007 && error->violation == Violation::invalid_compressed_data));
      check(same || refused_overreach, "the expected error code");
      done_ = true;
      return;
    }
    skip_unfinished();
    check(index_ < expected_.size(), "no more events than expected");
    const TraceEntry& expected = expected_[index_].entry;
    if (const auto* ping = std::get_if<PingReceived>(&event)) {
      check(expected.kind == TraceEntry::Kind::ping && same_bytes(expected.data, ping->data),
            "the expected Ping");
    } else if (const auto* pong = std::get_if<PongReceived>(&event)) {
      check(expected.kind == TraceEntry::Kind::pong && same_bytes(expected.data, pong->data),
            "the expected Pong");
    } else if (const auto* close = std::get_if<CloseReceived>(&event)) {
      check(expected.kind == TraceEntry::Kind::close && expected.code == close->code,
            "the expected Close");
      done_ = true;
      peer_closed_ = true;
    } else if (std::holds_alternative<ConnectionLost>(event)) {
      check(expected.kind == TraceEntry::Kind::connection_lost, "lost only at the end");
      done_ = true;
    } else {
      violated("no handshake event on an open connection");
    }
    ++index_;
  }

  // After the last event: nothing expected is missing.
  void finish() {
    if (done_) return;
    skip_unfinished();
    check(index_ == expected_.size(), "every expected event came");
  }

  std::optional<std::uint16_t> last_error() const { return last_error_; }
  bool peer_closed() const { return peer_closed_; }

 private:
  static bool same_bytes(const Bytes& expected, ByteView data) {
    return std::equal(expected.begin(), expected.end(), data.begin(), data.end());
  }

  const Expected* find_message(std::size_t from) const {
    for (std::size_t i = from; i < expected_.size(); ++i) {
      if (expected_[i].entry.kind == TraceEntry::Kind::message) return &expected_[i];
    }
    return nullptr;
  }

  const Expected& message_in_progress() const {
    const Expected* message = find_message(index_);
    check(message != nullptr, "a piece of a message where one is expected");
    return *message;
  }

  void match_piece(const Expected& expected, MessageType type, std::uint8_t rsv, ByteView data) {
    const Bytes& whole = expected.entry.data;
    check(type == expected.entry.type && rsv == expected.entry.rsv, "the message's type and RSV");
    check(data.size() <= whole.size() - streamed_ &&
              std::equal(data.begin(), data.end(),
                         whole.begin() + static_cast<std::ptrdiff_t>(streamed_)),
          "the message's bytes, in order");
    streamed_ += data.size();
  }

  // A message whose end never came (or that failed) is seen, streamed, only in pieces.
  void skip_unfinished() {
    if (index_ < expected_.size() && expected_[index_].unfinished) {
      ++index_;
      streamed_ = 0;
    }
  }

  const std::vector<Expected>& expected_;
  std::size_t index_ = 0;
  std::size_t streamed_ = 0;  // bytes of the message in progress seen so far
  bool done_ = false;
  bool peer_closed_ = false;
  std::optional<std::uint16_t> last_error_;
};

}  // namespace wscore::fuzz

// SPDX-License-Identifier: MIT
// Checks every event an open connection reports against the promises of events.hpp, and records
// them as a trace that does not depend on how the input was split or on the delivery mode:
// streamed fragments are joined into the message they belong to, and the human-readable `what`
// of an error is left out (only its close code is a promise).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "wscore/connection.hpp"

namespace wscore::fuzz {

struct TraceEntry {
  enum class Kind : std::uint8_t { message, ping, pong, close, protocol_error, connection_lost };
  Kind kind = Kind::message;
  MessageType type = MessageType::binary;
  std::uint8_t rsv = 0;
  std::uint16_t code = 0;
  std::vector<std::byte> data;  // payload, or the close reason
  // A protocol error's rule: the same at every split of the input, not only the same code.
  std::optional<Violation> violation = std::nullopt;
  friend bool operator==(const TraceEntry&, const TraceEntry&) = default;
};

class EventChecker {
 public:
  // `allowed_rsv`: the RSV bits the connection was told an extension claims. With `record` false
  // nothing is stored (for runs that measure the connection's own memory).
  EventChecker(const ConnectionOptions& options, std::uint8_t allowed_rsv, bool record = true)
      : max_frame_size_(options.max_frame_size),
        max_message_size_(options.max_message_size),
        allowed_rsv_(allowed_rsv),
        record_(record) {}

  // With permessage-deflate in force, a compressed message streams in pieces of what it inflates
  // to, each at most the core's 16 KiB inflate step, rather than one per frame.
  void set_deflate(bool in_force) { deflate_ = in_force; }

  void on_event(const Event& event) {
    check(!finished_, "no event after a fatal error, the peer's Close or the end of the stream");
    std::visit([this](const auto& value) { on(value); }, event);
  }

  // A fatal error, the peer's Close or a lost connection ended the stream of events.
  bool finished() const { return finished_; }
  bool failed() const { return failed_; }
  // The peer's Close ended it: the close handshake finished cleanly.
  bool close_received() const { return close_received_; }
  const std::vector<TraceEntry>& trace() const { return trace_; }
  std::size_t pings() const { return pings_; }

 private:
  void on(const RequestReceived&) { violated("no handshake event on an open connection"); }
  void on(const HttpRequestReceived&) { violated("no handshake event on an open connection"); }
  void on(const HandshakeCompleted&) { violated("no handshake event on an open connection"); }
  void on(const HandshakeFailed&) { violated("no handshake event on an open connection"); }

  void on(const MessageReceived& message) {
    check(!in_fragments_, "whole messages are not mixed with fragments");
    check(message.data.size() <= max_message_size_, "message within max_message_size");
    check(message.type == MessageType::text || message.type == MessageType::binary,
          "message type is text or binary");
    check((message.rsv & ~allowed_rsv_) == 0, "message RSV bits are ones an extension claims");
    check(message.type == MessageType::binary || ReferenceUtf8::is_valid(message.data),
          "text messages are valid UTF-8 (RFC 6455 8.1)");
    check(message.text().data() == reinterpret_cast<const char*>(message.data.data()) &&
              message.text().size() == message.data.size(),
          "text() views the same bytes");
    add({TraceEntry::Kind::message, message.type, message.rsv, 0, message.data});
  }

  void on(const FragmentReceived& fragment) {
    if (!in_fragments_) {
      in_fragments_ = true;
      type_ = fragment.type;
      rsv_ = fragment.rsv;
      streamed_ = 0;
      utf8_ = {};
      joined_.clear();
    }
    check(fragment.type == type_ && fragment.rsv == rsv_, "fragments keep the message's type");
    check((fragment.rsv & ~allowed_rsv_) == 0, "message RSV bits are ones an extension claims");
    if (deflate_ && (fragment.rsv & rsv_bit::rsv1) != 0) {
      check(fragment.data.size() <= inflated_piece_size, "an inflated piece is at most 16 KiB");
    } else {
      check(fragment.data.size() <= max_frame_size_, "a fragment is at most one frame");
    }
    streamed_ += fragment.data.size();
    check(streamed_ <= max_message_size_, "streamed message within max_message_size");
    if (type_ == MessageType::text) {
      check(utf8_.feed(fragment.data), "streamed text is valid UTF-8 so far (RFC 6455 8.1)");
      if (fragment.message_finished) check(utf8_.complete(), "streamed text ends complete");
    }
    if (record_) joined_.insert(joined_.end(), fragment.data.begin(), fragment.data.end());
    if (!fragment.message_finished) return;
    in_fragments_ = false;
    add({TraceEntry::Kind::message, type_, rsv_, 0, joined_});
  }

  void on(const PingReceived& ping) {
    check(ping.data.size() <= max_control_payload_size, "ping payload at most 125 bytes");
    ++pings_;
    add({TraceEntry::Kind::ping, {}, 0, 0, ping.data});
  }

  void on(const PongReceived& pong) {
    check(pong.data.size() <= max_control_payload_size, "pong payload at most 125 bytes");
    add({TraceEntry::Kind::pong, {}, 0, 0, pong.data});
  }

  void on(const CloseReceived& close) {
    check(close.code == close_code::no_status_received || is_valid_close_code(close.code),
          "a received close code is one a peer may send");
    check(close.reason.size() <= max_close_reason_size, "close reason at most 123 bytes");
    check(close.code != close_code::no_status_received || close.reason.empty(),
          "no reason without a code");
    check(ReferenceUtf8::is_valid(as_bytes(close.reason)), "close reason is UTF-8");
    finished_ = true;
    close_received_ = true;
    add({TraceEntry::Kind::close, {}, 0, close.code, as_bytes(close.reason)});
  }

  void on(const ProtocolError& error) {
    check(is_valid_close_code(error.code), "protocol errors carry a code that may be sent");
    check(error.code != close_code::normal, "a protocol error is not a normal closure");
    check(error.code == close_code_for(error.violation), "the code is the violation's (7.4.1)");
    check(!error.what().empty() && !violation_name(error.violation).empty(),
          "protocol errors say which rule was broken");
    finished_ = true;
    failed_ = true;
    add({TraceEntry::Kind::protocol_error, {}, 0, error.code, {}, error.violation});
  }

  void on(const ConnectionLost& lost) {
    check(lost.code == close_code::abnormal_closure, "a lost connection reports 1006");
    finished_ = true;
    add({TraceEntry::Kind::connection_lost, {}, 0, lost.code, {}});
  }

  struct EntryView {
    TraceEntry::Kind kind;
    MessageType type;
    std::uint8_t rsv;
    std::uint16_t code;
    ByteView data;
    std::optional<Violation> violation = std::nullopt;
  };
  void add(const EntryView& entry) {
    if (!record_) return;
    trace_.push_back({entry.kind, entry.type, entry.rsv, entry.code,
                      std::vector<std::byte>(entry.data.begin(), entry.data.end()),
                      entry.violation});
  }

  static constexpr std::size_t inflated_piece_size = 16 * 1024;

  std::uint64_t max_frame_size_;
  std::uint64_t max_message_size_;
  std::uint8_t allowed_rsv_;
  bool record_;
  bool deflate_ = false;
  bool finished_ = false;
  bool failed_ = false;
  bool close_received_ = false;
  std::size_t pings_ = 0;
  std::vector<TraceEntry> trace_;

  // The streamed message in progress.
  bool in_fragments_ = false;
  MessageType type_ = MessageType::binary;
  std::uint8_t rsv_ = 0;
  std::uint64_t streamed_ = 0;
  ReferenceUtf8 utf8_;
  std::vector<std::byte> joined_;
};

}  // namespace wscore::fuzz

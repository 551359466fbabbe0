// SPDX-License-Identifier: MIT
// Connection: the message layer above the frame layer (RFC 6455 §5.4, §5.5, §6.2, §7, §8):
// fragmentation, limits, UTF-8, control frames and the close handshake. FrameParser reads the
// frames and enforces the rules of a header alone; every rule here is written once.
#include <algorithm>
#include <cstring>
#include <functional>

#include "connection_deflate.hpp"
#include "wscore/connection.hpp"

namespace wscore {
namespace {

bool points_into(ByteView view, const std::vector<std::byte>& buffer) noexcept {
  const std::less_equal<const std::byte*> at_or_before;
  return !buffer.empty() && at_or_before(buffer.data(), view.data()) &&
         at_or_before(view.data() + view.size(), buffer.data() + buffer.size());
}

std::uint16_t read_big_endian_16(ByteView bytes) noexcept {
  return static_cast<std::uint16_t>((static_cast<unsigned>(bytes[0]) << 8) |
                                    static_cast<unsigned>(bytes[1]));
}

}  // namespace

void Connection::receive_in_place(MutableByteView input) {
  if (!reading() || input.empty()) return;
  if (unparsed_.empty()) {
    unparsed_ = input;  // parsed in place, lazily
    return;
  }
  append_to_unparsed(input);
}

void Connection::receive(ByteView input) {
  if (!reading() || input.empty()) return;
  if (unparsed_.empty()) {
    owned_input_.assign(input.begin(), input.end());
    unparsed_ = owned_input_;
    return;
  }
  append_to_unparsed(input);
}

void Connection::append_to_unparsed(ByteView input) {
  // Bytes from an earlier receive() are still unparsed: keep both, in order, in owned storage
  // (built apart first, since unparsed_ may point into owned_input_).
  std::vector<std::byte> merged;
  merged.reserve(unparsed_.size() + input.size());
  merged.insert(merged.end(), unparsed_.begin(), unparsed_.end());
  merged.insert(merged.end(), input.begin(), input.end());
  owned_input_.swap(merged);
  unparsed_ = owned_input_;
}

void Connection::receive_eof() {
  input_ended_ = true;
}

void Connection::stash_unparsed() {
  // The caller may reuse its buffer once next_event() returns nullopt; keep what we still need.
  if (unparsed_.empty() || points_into(unparsed_, owned_input_)) return;
  owned_input_.assign(unparsed_.begin(), unparsed_.end());
  unparsed_ = owned_input_;
}

inline bool Connection::find_whole_small_frame(std::size_t& header_size,
                                               std::size_t& payload_size) const noexcept {
  // The common case without the general state machine: an unfragmented text or binary frame
  // with a 7- or 16-bit length, no RSV bits, masked as our role requires, that sits whole in the
  // input while no fragmented message is open. It is a filter, not a second set of rules: any
  // other frame, including every one that breaks a rule, takes the general path.
  const std::size_t available = unparsed_.size();
  if (available < 2 || in_message_) return false;
  const auto first = static_cast<std::uint8_t>(unparsed_[0]);
  const auto second = static_cast<std::uint8_t>(unparsed_[1]);
  if (first != 0x81 && first != 0x82) return false;  // FIN, no RSV, text or binary
  const bool masked = (second & 0x80) != 0;
  if (masked != (role_ == Role::server)) return false;
  std::size_t length = second & 0x7F;
  header_size = 2;
  if (length == 127) return false;
  if (length == 126) {
    if (available < 4) return false;
    length = (static_cast<std::size_t>(unparsed_[2]) << 8) | static_cast<std::size_t>(unparsed_[3]);
    header_size = 4;
  }
  if (masked) header_size += 4;
  if (available < header_size || available - header_size < length ||
      length > options_.max_frame_size || length > options_.max_message_size) {
    return false;
  }
  payload_size = length;
  return true;
}

inline std::optional<Event> Connection::read_whole_small_frame(std::size_t header_size,
                                                               std::size_t payload_size) {
  const MutableByteView payload = unparsed_.subspan(header_size, payload_size);
  const auto type = static_cast<MessageType>(unparsed_[0] & std::byte{0x0F});
  if (role_ == Role::server) {  // masked, as the filter checked
    MaskKey key;
    std::memcpy(key.data(), unparsed_.data() + header_size - 4, key.size());
    apply_mask(payload, key);
  }
  unparsed_ = unparsed_.subspan(header_size + payload_size);
  if (type == MessageType::text && !is_valid_utf8(payload)) [[unlikely]] {
    // Which rule: the incremental validator tells a bad byte from a sequence cut by the end.
    Utf8Validator validator;
    return fail(validator.feed(payload) ? Violation::truncated_utf8 : Violation::invalid_utf8);
  }
  if (options_.delivery == DeliveryMode::streaming) {
    return FragmentReceived{type, payload, true, 0};
  }
  return MessageReceived{type, payload, 0};
}

std::optional<Event> Connection::next_event() {
  if (handshake_) [[unlikely]] {
    release_finished_handshake();
  }
  if (input_held_) [[unlikely]] {
    return next_event_while_held();
  }
  // Both returns hand back a prvalue, so the event is built in the caller's slot (no copy).
  std::size_t header_size = 0;
  std::size_t payload_size = 0;
  if (read_state_ == ReadState::frames && frames_.at_frame_start() &&
      (state_ == ConnectionState::open || state_ == ConnectionState::close_sent) &&
      find_whole_small_frame(header_size, payload_size)) {
    return read_whole_small_frame(header_size, payload_size);
  }
  return next_event_general();
}

std::optional<Event> Connection::next_event_while_held() {
  // Only what needs no input (an abort); the input waits, in storage of our own.
  stash_unparsed();
  std::optional<Event> event = std::move(queued_event_);
  queued_event_.reset();
  return event;
}

std::optional<Event> Connection::next_event_general() {
  if (queued_event_) {
    std::optional<Event> event = std::move(queued_event_);
    queued_event_.reset();
    return event;
  }
  for (;;) {
    const std::size_t unparsed_before = unparsed_.size();
    const ConnectionState state_before = state_;
    const ReadState read_state_before = read_state_;
    const bool payload_before = frames_.reading_payload();
    std::optional<Event> event;
    switch (state_) {
      case ConnectionState::handshake:
        event = next_handshake_event();
        break;
      case ConnectionState::open:
      case ConnectionState::close_sent:
        event = read_state_ == ReadState::inflating ? inflate_next_piece() : read_frame();
        break;
      case ConnectionState::awaiting_accept:
      case ConnectionState::closed:
      case ConnectionState::failed:
        break;
    }
    if (event) return event;
    const bool progressed = unparsed_.size() != unparsed_before || state_ != state_before ||
                            read_state_ != read_state_before ||
                            frames_.reading_payload() != payload_before;
    if (!progressed) break;
  }
  stash_unparsed();
  if (input_ended_ && reading() && state_ != ConnectionState::awaiting_accept) {
    // RFC 6455 §7.1.5: the stream ended without a Close frame: code 1006.
    enter(ConnectionState::failed);
    return ConnectionLost{close_code::abnormal_closure, "end of stream without a Close"};
  }
  return std::nullopt;
}

std::optional<Event> Connection::read_frame() {
  if (frames_.reading_payload()) return read_frame_payload();
  const FrameParser::Step step = frames_.parse(unparsed_);
  unparsed_ = unparsed_.subspan(step.bytes_consumed);
  if (step.status == FrameParser::Status::need_more) return std::nullopt;
  if (step.status == FrameParser::Status::violation) return fail(*frames_.violation());
  if (const std::optional<Violation> violation = start_frame(frames_.header())) {
    return fail(*violation);
  }
  return read_frame_payload();
}

std::optional<Violation> Connection::start_frame(const FrameHeader& frame) {
  if (is_control_opcode(frame.opcode)) return std::nullopt;  // the frame layer checked it all
  // RFC 6455 §5.4: continuation frames continue a message; a new one waits for the last.
  const bool starts_message = frame.opcode != static_cast<std::uint8_t>(Opcode::continuation);
  if (!starts_message && !in_message_) return Violation::continuation_without_message;
  if (starts_message && in_message_) return Violation::data_frame_inside_message;
  // RFC 7692 §6.2: RSV1 on the first frame marks a compressed message.
  const bool compressed =
      starts_message ? deflate_ && (frame.rsv & rsv_bit::rsv1) != 0 : message_compressed_;
  // RFC 6455 §10.4: limits on frame and message size; 1009 when exceeded (§7.4.1). The limits
  // are on the message: a compressed one may take more bytes on the wire than it inflates to.
  const auto on_the_wire = [compressed](std::uint64_t limit) {
    return compressed ? with_deflate_expansion(limit) : limit;
  };
  if (frame.payload_length > on_the_wire(options_.max_frame_size)) {
    return Violation::frame_too_big;
  }
  const std::uint64_t size_so_far = starts_message ? 0 : message_size_;
  if (frame.payload_length > on_the_wire(options_.max_message_size) - size_so_far) {
    return Violation::message_too_big;
  }
  if (!starts_message && ++message_frames_ > options_.max_fragments_per_message) {
    return Violation::too_many_fragments;
  }
  if (starts_message) {
    in_message_ = true;
    message_type_ = static_cast<MessageType>(frame.opcode);
    message_rsv_ = frame.rsv;
    message_compressed_ = compressed;
    message_size_ = 0;
    message_frames_ = 1;
    message_inflated_size_ = 0;
    message_utf8_.reset();
    message_.clear();
  }
  message_size_ += frame.payload_length;
  return std::nullopt;
}

std::optional<Event> Connection::read_frame_payload() {
  const bool control = is_control_opcode(frames_.header().opcode);
  if (message_compressed_ && options_.delivery == DeliveryMode::streaming && !control) {
    return read_compressed_payload();
  }
  const std::uint64_t chunk_offset = frames_.payload_offset();
  const FrameParser::Step step = frames_.parse(unparsed_);
  unparsed_ = unparsed_.subspan(step.bytes_consumed);
  const MutableByteView chunk = step.payload;
  if (control) {
    // Whole in the input: use it where it is. Split: gather it (at most 125 bytes).
    if (step.frame_finished && chunk_offset == 0) return finish_control_frame(chunk);
    if (!chunk.empty()) {
      std::memcpy(control_payload_.data() + chunk_offset, chunk.data(), chunk.size());
    }
    if (!step.frame_finished) return std::nullopt;
    return finish_control_frame(
        ByteView(control_payload_)
            .first(static_cast<std::size_t>(frames_.header().payload_length)));
  }
  return deliver_data(chunk, step.frame_finished);
}

std::optional<Violation> Connection::check_text(ByteView piece, bool message_finished) {
  // RFC 6455 §8.1: fail as soon as text is not UTF-8, even inside a fragment.
  if (message_type_ != MessageType::text) return std::nullopt;
  if (!message_utf8_.feed(piece)) return Violation::invalid_utf8;
  if (message_finished && !message_utf8_.complete()) return Violation::truncated_utf8;
  return std::nullopt;
}

std::optional<Event> Connection::deliver_data(ByteView chunk, bool frame_finished) {
  if (message_compressed_) return inflate_into_message(chunk, frame_finished);
  const bool message_finished = frame_finished && frames_.header().fin;
  if (const std::optional<Violation> violation = check_text(chunk, message_finished)) {
    return fail(*violation);
  }
  if (message_finished) in_message_ = false;

  if (options_.delivery == DeliveryMode::streaming) {
    if (chunk.empty() && !message_finished) return std::nullopt;
    return FragmentReceived{message_type_, chunk, message_finished, message_rsv_};
  }
  if (message_finished && message_.empty() && chunk.size() == message_size_) {
    return MessageReceived{message_type_, chunk, message_rsv_};  // whole in the input: no copy
  }
  if (message_.size() + chunk.size() > message_.capacity()) {
    // Grow geometrically, never past max_message_size (RFC 6455 §10.4), and with what arrived,
    // not with the length a header claims (an unsent payload costs nothing). Within the pool's
    // blocks a larger block is taken and the message copied over; past them ByteBuffer grows by
    // realloc: a large block is remapped, not copied, so the peak stays about the message.
    const std::size_t wanted = std::max(message_.capacity() * 2, message_.size() + chunk.size());
    if (!message_.try_reserve(
            static_cast<std::size_t>(std::min<std::uint64_t>(wanted, options_.max_message_size)))) {
      return fail(Violation::message_out_of_memory);
    }
  }
  message_.append(chunk.data(), chunk.size());
  if (!message_finished) return std::nullopt;
  return MessageReceived{message_type_, message_, message_rsv_};
}

std::optional<Event> Connection::finish_control_frame(ByteView payload) {
  switch (static_cast<Opcode>(frames_.header().opcode)) {
    case Opcode::ping:
      // RFC 6455 §5.5.2: answer with a Pong carrying the same payload, unless closing.
      if (options_.auto_pong && state_ == ConnectionState::open) queue_auto_pong(payload);
      return PingReceived{payload};
    case Opcode::pong:
      return PongReceived{payload};  // RFC 6455 §5.5.3: unsolicited Pongs are fine
    case Opcode::close:
      break;
    default:
      return std::nullopt;  // unreachable: the header check admits no other control opcode
  }
  // RFC 6455 §5.5.1: an empty body, or a 2-byte code followed by a UTF-8 reason.
  std::uint16_t code = close_code::no_status_received;
  ByteView reason;
  if (payload.size() == 1) return fail(Violation::close_payload_one_byte);
  if (payload.size() >= 2) {
    code = read_big_endian_16(payload);
    if (!is_valid_close_code(code)) return fail(Violation::invalid_close_code);
    reason = payload.subspan(2);
    if (!is_valid_utf8(reason)) return fail(Violation::invalid_close_reason);
  }
  // RFC 6455 §7.1.2/§5.5.1: answer with a Close echoing the code; nothing is read after it.
  if (state_ == ConnectionState::open)
    write_close(code, {}, code != close_code::no_status_received);
  enter(ConnectionState::closed);
  return CloseReceived{code, as_text(reason)};
}

std::optional<Event> Connection::fail(Violation violation) {
  // RFC 6455 §7.1.7: send a Close with the code (if we have not sent one) and drop the stream.
  const std::uint16_t code = close_code_for(violation);
  if (state_ == ConnectionState::open) {
    write_close(code, to_string(violation).substr(0, max_close_reason_size), true);
  }
  enter(ConnectionState::failed);
  return ProtocolError{code, violation};
}

}  // namespace wscore

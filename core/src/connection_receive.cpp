// Connection: reading frames and messages (RFC 6455 §5, §6.2, §7, §8). One state machine,
// ReadState, walked by next_event(): handshake -> frame_header <-> frame_payload -> done.
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

void Connection::receive(MutableByteView input) {
  if (read_state_ == ReadState::done || input.empty()) return;
  if (unparsed_.empty()) {
    unparsed_ = input;  // parsed in place, lazily
    return;
  }
  append_to_unparsed(input);
}

void Connection::receive(ByteView input) {
  if (read_state_ == ReadState::done || input.empty()) return;
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
  eof_ = true;
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
  if (type == MessageType::text && !is_valid_utf8(payload)) {
    return fail(close_code::invalid_payload, "invalid UTF-8 in a text message (RFC 6455 8.1)");
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
  // Both returns hand back a prvalue, so the event is built in the caller's slot (no copy).
  std::size_t header_size = 0;
  std::size_t payload_size = 0;
  if (read_state_ == ReadState::frame_header && header_bytes_size_ == 0 &&
      find_whole_small_frame(header_size, payload_size)) {
    return read_whole_small_frame(header_size, payload_size);
  }
  return next_event_general();
}

std::optional<Event> Connection::next_event_general() {
  if (!invalid_request_.empty()) {
    const std::string_view what = invalid_request_;
    invalid_request_ = {};
    return HandshakeFailed{{0, what}};
  }
  for (;;) {
    const std::size_t unparsed_before = unparsed_.size();
    const ReadState state_before = read_state_;
    std::optional<Event> event;
    switch (read_state_) {
      case ReadState::handshake:
        event = next_handshake_event();
        break;
      case ReadState::awaiting_accept:
        break;
      case ReadState::frame_header:
        event = read_frame_header();
        break;
      case ReadState::frame_payload:
        event = read_frame_payload();
        break;
      case ReadState::inflating:
        event = inflate_next_piece();
        break;
      case ReadState::done:
        break;
    }
    if (event) return event;
    const bool progressed = unparsed_.size() != unparsed_before || read_state_ != state_before;
    if (!progressed) break;
  }
  stash_unparsed();
  if (eof_ && state_ != ConnectionState::closed && read_state_ != ReadState::awaiting_accept) {
    // RFC 6455 §7.1.5: the stream ended without a Close frame: code 1006.
    state_ = ConnectionState::closed;
    read_state_ = ReadState::done;
    failed_ = true;
    unparsed_ = {};
    return ConnectionLost{close_code::abnormal_closure};
  }
  return std::nullopt;
}

std::optional<Event> Connection::read_frame_header() {
  FrameHeaderDecode decoded{FrameHeaderStatus::need_more, 0};
  std::size_t consumed = 0;
  if (header_bytes_size_ == 0) {
    decoded = decode_frame_header(unparsed_, frame_);
    consumed = decoded.header_size;
  }
  if (decoded.status == FrameHeaderStatus::need_more) {
    // The header is split across inputs: gather it (at most 14 bytes).
    const std::size_t previous = header_bytes_size_;
    const std::size_t copied = std::min(unparsed_.size(), header_bytes_.size() - previous);
    // (With no input yet, unparsed_.data() may be null, which memcpy may not be given.)
    if (copied != 0) std::memcpy(header_bytes_.data() + previous, unparsed_.data(), copied);
    decoded = decode_frame_header(ByteView(header_bytes_).first(previous + copied), frame_);
    if (decoded.status == FrameHeaderStatus::need_more) {
      header_bytes_size_ = static_cast<std::uint8_t>(previous + copied);
      unparsed_ = unparsed_.subspan(copied);
      return std::nullopt;
    }
    header_bytes_size_ = 0;
    // On a bad header nothing more is read, so what counts as consumed does not matter.
    consumed = decoded.status == FrameHeaderStatus::complete ? decoded.header_size - previous : 0;
  }
  unparsed_ = unparsed_.subspan(consumed);
  if (decoded.status == FrameHeaderStatus::length_msb_set) {
    return fail(close_code::protocol_error, "64-bit payload length with the high bit set (5.2)");
  }

  const FrameHeader& frame = frame_;
  const bool control = is_control_opcode(frame.opcode);
  if (is_reserved_opcode(frame.opcode)) {
    return fail(close_code::protocol_error, "reserved opcode (RFC 6455 5.2)");
  }
  // RFC 6455 §5.1: a client masks every frame, a server masks none.
  if (role_ == Role::server && !frame.masked) {
    return fail(close_code::protocol_error, "unmasked frame from a client (RFC 6455 5.1)");
  }
  if (role_ == Role::client && frame.masked) {
    return fail(close_code::protocol_error, "masked frame from a server (RFC 6455 5.1)");
  }
  // RFC 6455 §5.2: RSV bits only with an extension that defines them; extensions such as
  // permessage-deflate (RFC 7692 §6) claim them on the first frame of a data message only.
  const bool starts_message = frame.opcode == static_cast<std::uint8_t>(Opcode::text) ||
                              frame.opcode == static_cast<std::uint8_t>(Opcode::binary);
  const std::uint8_t allowed_rsv = starts_message ? extension_rsv_bits_ : 0;
  if ((frame.rsv & ~allowed_rsv) != 0) {
    return fail(close_code::protocol_error, "RSV bit set without an extension (RFC 6455 5.2)");
  }
  if (control) {
    // RFC 6455 §5.5: control frames are at most 125 bytes and never fragmented.
    if (frame.payload_length > max_control_payload_size) {
      return fail(close_code::protocol_error, "control frame over 125 bytes (RFC 6455 5.5)");
    }
    if (!frame.fin) {
      return fail(close_code::protocol_error, "fragmented control frame (RFC 6455 5.5)");
    }
  } else {
    // RFC 6455 §5.4: continuation frames continue a message; a new one waits for the last.
    if (!starts_message && !in_message_) {
      return fail(close_code::protocol_error, "continuation frame without a message (5.4)");
    }
    if (starts_message && in_message_) {
      return fail(close_code::protocol_error, "new message inside a fragmented one (5.4)");
    }
    // RFC 7692 §6.2: RSV1 on the first frame marks a compressed message.
    const bool compressed =
        starts_message ? deflate_ && (frame.rsv & rsv_bit::rsv1) != 0 : message_compressed_;
    // RFC 6455 §10.4: limits on frame and message size; 1009 when exceeded (§7.4.1). The limits
    // are on the message: a compressed one may take more bytes on the wire than it inflates to.
    const auto on_the_wire = [compressed](std::uint64_t limit) {
      return compressed ? with_deflate_expansion(limit) : limit;
    };
    if (frame.payload_length > on_the_wire(options_.max_frame_size)) {
      return fail(close_code::message_too_big, "frame larger than max_frame_size");
    }
    const std::uint64_t size_so_far = starts_message ? 0 : message_size_;
    if (frame.payload_length > on_the_wire(options_.max_message_size) - size_so_far) {
      return fail(close_code::message_too_big, "message larger than max_message_size");
    }
    if (starts_message) {
      in_message_ = true;
      message_type_ = static_cast<MessageType>(frame.opcode);
      message_rsv_ = frame.rsv;
      message_compressed_ = compressed;
      message_size_ = 0;
      message_inflated_size_ = 0;
      message_utf8_.reset();
      message_.clear();
    }
    message_size_ += frame.payload_length;
  }
  frame_remaining_ = frame.payload_length;
  frame_mask_offset_ = 0;
  read_state_ = ReadState::frame_payload;
  return read_frame_payload();
}

std::optional<Event> Connection::read_frame_payload() {
  if (message_compressed_ && options_.delivery == DeliveryMode::streaming &&
      !is_control_opcode(frame_.opcode)) {
    return read_compressed_payload();
  }
  const auto available =
      static_cast<std::size_t>(std::min<std::uint64_t>(frame_remaining_, unparsed_.size()));
  const MutableByteView chunk = unparsed_.first(available);
  const std::uint64_t chunk_offset = frame_mask_offset_;
  if (frame_.masked && available != 0) {
    apply_mask(chunk, frame_.mask_key, static_cast<std::size_t>(chunk_offset & 3));
  }
  frame_mask_offset_ += available;
  frame_remaining_ -= available;
  unparsed_ = unparsed_.subspan(available);
  const bool frame_finished = frame_remaining_ == 0;
  if (frame_finished) read_state_ = ReadState::frame_header;

  if (is_control_opcode(frame_.opcode)) {
    // Whole in the input: use it where it is. Split: gather it (at most 125 bytes).
    if (frame_finished && chunk_offset == 0) return finish_control_frame(chunk);
    std::memcpy(control_payload_.data() + chunk_offset, chunk.data(), chunk.size());
    if (!frame_finished) return std::nullopt;
    return finish_control_frame(
        ByteView(control_payload_).first(static_cast<std::size_t>(frame_.payload_length)));
  }
  return deliver_data(chunk, frame_finished);
}

std::optional<Event> Connection::deliver_data(ByteView chunk, bool frame_finished) {
  if (message_compressed_) return inflate_into_message(chunk, frame_finished);
  const bool message_finished = frame_finished && frame_.fin;
  // RFC 6455 §8.1: fail as soon as text is not UTF-8, even inside a fragment.
  if (message_type_ == MessageType::text) {
    if (!message_utf8_.feed(chunk)) {
      return fail(close_code::invalid_payload, "invalid UTF-8 in a text message (RFC 6455 8.1)");
    }
    if (message_finished && !message_utf8_.complete()) {
      return fail(close_code::invalid_payload, "text message ends inside a UTF-8 sequence");
    }
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
    // Grow geometrically, but never past max_message_size (RFC 6455 §10.4).
    const std::size_t wanted = std::max(message_.capacity() * 2, message_.size() + chunk.size());
    // (The header check keeps size + chunk within the limit.)
    message_.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(wanted, options_.max_message_size)));
  }
  message_.insert(message_.end(), chunk.begin(), chunk.end());
  if (!message_finished) return std::nullopt;
  return MessageReceived{message_type_, message_, message_rsv_};
}

std::optional<Event> Connection::finish_control_frame(ByteView payload) {
  switch (static_cast<Opcode>(frame_.opcode)) {
    case Opcode::ping:
      // RFC 6455 §5.5.2: answer with a Pong carrying the same payload, unless closing.
      if (options_.auto_pong && !close_sent_) queue_auto_pong(payload);
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
  if (payload.size() == 1) {
    return fail(close_code::protocol_error, "close frame with a 1-byte payload (RFC 6455 5.5.1)");
  }
  if (payload.size() >= 2) {
    code = read_big_endian_16(payload);
    if (!is_valid_close_code(code)) {
      return fail(close_code::protocol_error, "close code that may not be sent (RFC 6455 7.4)");
    }
    reason = payload.subspan(2);
    if (!is_valid_utf8(reason)) {
      return fail(close_code::invalid_payload, "close reason is not UTF-8 (RFC 6455 5.5.1)");
    }
  }
  close_received_ = true;
  // RFC 6455 §7.1.2/§5.5.1: answer with a Close echoing the code; nothing is read after it.
  if (!close_sent_) {
    write_close(code, {}, code != close_code::no_status_received);
    close_sent_ = true;
  }
  state_ = ConnectionState::closed;
  read_state_ = ReadState::done;
  unparsed_ = {};
  return CloseReceived{code, as_text(reason)};
}

std::optional<Event> Connection::fail(std::uint16_t code, std::string_view what) {
  // RFC 6455 §7.1.7: send a Close with the code (if we have not sent one) and drop the stream.
  if (!close_sent_) {
    write_close(code, what.substr(0, max_close_reason_size), true);
    close_sent_ = true;
  }
  failed_ = true;
  in_message_ = false;
  state_ = ConnectionState::closed;
  read_state_ = ReadState::done;
  unparsed_ = {};
  return ProtocolError{code, what};
}

}  // namespace wscore

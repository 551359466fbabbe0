// SPDX-License-Identifier: MIT
// Connection: sending (RFC 6455 §5.2-§5.6, §7.1.2). Every action validates first and writes
// nothing on misuse; frames use the minimal length encoding; the client masks every frame.
#include <cstdint>
#include <cstring>

#include "connection_deflate.hpp"
#include "wscore/connection.hpp"
#include "wscore/prepared_message.hpp"

namespace wscore {
namespace {

Opcode opcode_for(MessageType type) noexcept {
  return type == MessageType::text ? Opcode::text : Opcode::binary;
}

}  // namespace

ApiError Connection::check_can_send() const noexcept {
  // RFC 6455 §5.5.1: nothing is sent after a Close.
  if (state_ != ConnectionState::open) return ApiError::wrong_state;
  if (role_ == Role::client && !random_) return ApiError::no_random_source;
  return ApiError::none;
}

ApiError Connection::send_text(std::string_view text, Compression compression) {
  return send(MessageType::text, as_bytes(text), compression);
}

ApiError Connection::send_binary(ByteView data, Compression compression) {
  return send(MessageType::binary, data, compression);
}

ApiError Connection::send(MessageType type, ByteView data, Compression compression) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  if (sending_fragments_) return ApiError::message_in_progress;
  if (type == MessageType::text && !is_valid_utf8(data)) return ApiError::invalid_utf8;
  // If zlib cannot get memory the message goes out as is (RFC 7692 §6 allows that).
  if (should_compress(data.size(), compression) && write_compressed(opcode_for(type), data, true)) {
    return ApiError::none;
  }
  if (!reserve_output(max_frame_header_size + data.size())) return ApiError::out_of_memory;
  write_frame(opcode_for(type), true, data);
  return ApiError::none;
}

ApiError Connection::send_prepared(const PreparedMessage& message) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  if (sending_fragments_) return ApiError::message_in_progress;
  if (message.error() != ApiError::none) return message.error();
  // RFC 6455 §5.3: a client masks every frame with a key of its own.
  if (role_ == Role::client) return send(message.type(), message.payload());
  ByteView frame = message.frame();
  if (should_compress(message.payload().size(), Compression::automatic)) {
    // With context takeover the compressed bytes depend on this connection's window.
    if (!deflate_->compressor_resets) return send(message.type(), message.payload());
    // Without it, the same for every connection with these settings; if zlib had no memory the
    // message goes out as it is (RFC 7692 §6 allows that).
    if (const ByteView compressed = message.compressed_frame(deflate_->compressor_settings);
        !compressed.empty()) {
      frame = compressed;
    }
  }
  if (!reserve_output(frame.size())) return ApiError::out_of_memory;
  compact_output();
  unsent_pong_at_.reset();
  const std::size_t start = output_.size();
  output_.resize_amortised(start + frame.size());
  std::memcpy(output_.data() + start, frame.data(), frame.size());
  return ApiError::none;
}

ApiError Connection::send_fragment(MessageType type, ByteView data, bool last,
                                   Compression compression) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  const bool first = !sending_fragments_;
  const MessageType message_type = first ? type : sending_type_;
  Utf8Validator validator = first ? Utf8Validator{} : sending_utf8_;
  // Check on a copy, so that refused text leaves the message as it was.
  if (message_type == MessageType::text &&
      (!validator.feed(data) || (last && !validator.complete()))) {
    return ApiError::invalid_utf8;
  }
  // RFC 6455 §5.4: the first frame carries the type, the rest are continuations.
  const Opcode opcode = first ? opcode_for(type) : Opcode::continuation;
  // A message in several pieces is assumed large enough to compress (its size is unknown).
  bool compressed =
      first ? should_compress(last ? data.size() : SIZE_MAX, compression) : sending_compressed_;
  if (compressed && !write_compressed(opcode, data, last)) {
    // zlib could not get memory. A first frame may still go out uncompressed.
    if (!first) return ApiError::out_of_memory;
    compressed = false;
  }
  if (!compressed) {
    if (!reserve_output(max_frame_header_size + data.size())) return ApiError::out_of_memory;
    write_frame(opcode, last, data);
  }
  sending_compressed_ = compressed;
  sending_type_ = message_type;
  sending_utf8_ = validator;
  sending_fragments_ = !last;
  return ApiError::none;
}

ApiError Connection::ping(ByteView data) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  if (data.size() > max_control_payload_size) return ApiError::control_payload_too_large;
  write_frame(Opcode::ping, true, data);
  return ApiError::none;
}

ApiError Connection::pong(ByteView data) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  if (data.size() > max_control_payload_size) return ApiError::control_payload_too_large;
  write_frame(Opcode::pong, true, data);
  return ApiError::none;
}

ApiError Connection::close(std::uint16_t code, std::string_view reason) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  // RFC 6455 §7.4: 1005, 1006 and 1015 are reported, never sent; §5.5: 123-byte reason at most.
  if (!is_valid_close_code(code)) return ApiError::invalid_close_code;
  if (reason.size() > max_close_reason_size) return ApiError::control_payload_too_large;
  if (!is_valid_utf8(as_bytes(reason))) return ApiError::invalid_utf8;
  write_close(code, reason, true);
  enter(ConnectionState::close_sent);
  return ApiError::none;
}

ApiError Connection::close_without_code() {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  write_close(0, {}, false);
  enter(ConnectionState::close_sent);
  return ApiError::none;
}

ApiError Connection::encode_message_head(MessageType type, ByteView data, FrameHead& head) {
  if (const ApiError error = check_can_send(); error != ApiError::none) return error;
  if (sending_fragments_) return ApiError::message_in_progress;
  if (type == MessageType::text && !is_valid_utf8(data)) return ApiError::invalid_utf8;
  FrameHeader header;
  header.opcode = static_cast<std::uint8_t>(opcode_for(type));
  header.payload_length = data.size();
  header.masked = role_ == Role::client;
  if (header.masked) header.mask_key = next_mask_key();
  head.size = static_cast<std::uint8_t>(encode_frame_header(header, head.bytes));
  head.mask_key = header.mask_key;
  head.masked = header.masked;
  return ApiError::none;
}

std::size_t Connection::write_frame(Opcode opcode, bool fin, ByteView payload, std::uint8_t rsv) {
  FrameHeader header;
  header.fin = fin;
  header.rsv = rsv;
  header.opcode = static_cast<std::uint8_t>(opcode);
  header.payload_length = payload.size();
  header.masked = role_ == Role::client;  // RFC 6455 §5.3
  if (header.masked) header.mask_key = next_mask_key();

  compact_output();
  unsent_pong_at_.reset();
  const std::size_t start = output_.size();
  output_.resize_amortised(start + max_frame_header_size + payload.size());
  const std::size_t header_size = encode_frame_header(
      header,
      std::span<std::byte, max_frame_header_size>(output_.data() + start, max_frame_header_size));
  std::byte* payload_out = output_.data() + start + header_size;
  if (header.masked) {
    copy_masked(payload, {payload_out, payload.size()}, header.mask_key);
  } else if (!payload.empty()) {
    std::memcpy(payload_out, payload.data(), payload.size());
  }
  output_.resize(start + header_size + payload.size());
  return start;
}

void Connection::write_close(std::uint16_t code, std::string_view reason, bool with_code) {
  std::array<std::byte, max_control_payload_size> payload{};
  std::size_t size = 0;
  if (with_code) {
    payload[0] = static_cast<std::byte>(code >> 8);
    payload[1] = static_cast<std::byte>(code & 0xFF);
    if (!reason.empty()) std::memcpy(payload.data() + 2, reason.data(), reason.size());
    size = 2 + reason.size();
  }
  write_frame(Opcode::close, true, ByteView(payload).first(size));
}

void Connection::queue_auto_pong(ByteView payload) {
  // RFC 6455 §5.5.2: a Pong for each Ping. §5.5.3: with Pongs for earlier Pings still unsent we
  // may answer only the latest: past max_unsent_pongs the latest replaces the last one queued.
  std::uint8_t unsent = unsent_pong_at_ ? unsent_pongs_ : 0;
  if (unsent == max_unsent_pongs) {
    output_.resize(*unsent_pong_at_);
    --unsent;
  }
  unsent_pong_at_ = write_frame(Opcode::pong, true, payload);
  unsent_pongs_ = static_cast<std::uint8_t>(unsent + 1);
}

MaskKey Connection::next_mask_key() {
  MaskKey key{};
  // Without a RandomSource a client cannot send (check_can_send), but automatic replies
  // (Pong, Close) still go out, with a zero key.
  if (random_) random_(key);
  return key;
}

}  // namespace wscore

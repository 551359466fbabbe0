// SPDX-License-Identifier: MIT
// The frame layer (RFC 6455 §5.2): one state machine, State, walked by parse():
// header -> payload -> header ..., or -> failed on the first rule a header breaks.
#include "wscore/frame_parser.hpp"

#include <algorithm>
#include <cstring>

#include "wscore/close_code.hpp"

namespace wscore {
namespace {

// The size of a header whose first two bytes are `start` (RFC 6455 §5.2): for a header that
// decode_frame_header() refused, which reports no size.
std::size_t header_size_of(ByteView start) noexcept {
  const auto second = static_cast<std::uint8_t>(start[1]);
  const std::uint8_t length_marker = second & 0x7F;
  const std::size_t length_size = length_marker == 127 ? 8 : length_marker == 126 ? 2 : 0;
  return 2 + length_size + ((second & 0x80) != 0 ? 4 : 0);
}

}  // namespace

FrameParser::Step FrameParser::parse(MutableByteView input) noexcept {
  switch (state_) {
    case State::header:
      return read_header(input);
    case State::payload: {
      const std::uint64_t offset = payload_offset_;
      const std::size_t taken = take_payload(input.size());
      if (taken == 0 && state_ == State::payload) return {Status::need_more, 0, {}, false};
      const MutableByteView chunk = input.first(taken);
      if (header_.masked && taken != 0) {
        apply_mask(chunk, header_.mask_key, static_cast<std::size_t>(offset & 3));
      }
      return {Status::payload, taken, chunk, state_ == State::header};
    }
    case State::failed:
      break;
  }
  return {Status::violation, 0, {}, false};
}

FrameParser::Step FrameParser::parse_copying(ByteView input, MutableByteView out) noexcept {
  switch (state_) {
    case State::header:
      return read_header(input);
    case State::payload: {
      const std::uint64_t offset = payload_offset_;
      const std::size_t taken = take_payload(std::min(input.size(), out.size()));
      if (taken == 0 && state_ == State::payload) return {Status::need_more, 0, {}, false};
      const MutableByteView chunk = out.first(taken);
      if (header_.masked) {
        copy_masked(input.first(taken), chunk, header_.mask_key,
                    static_cast<std::size_t>(offset & 3));
      } else if (taken != 0) {
        std::memcpy(chunk.data(), input.data(), taken);
      }
      return {Status::payload, taken, chunk, state_ == State::header};
    }
    case State::failed:
      break;
  }
  return {Status::violation, 0, {}, false};
}

std::size_t FrameParser::take_payload(std::size_t available) noexcept {
  const auto taken =
      static_cast<std::size_t>(std::min<std::uint64_t>(payload_remaining(), available));
  payload_offset_ += taken;
  if (payload_remaining() == 0) state_ = State::header;
  return taken;
}

FrameParser::Step FrameParser::read_header(ByteView input) noexcept {
  FrameHeaderDecode decoded{FrameHeaderStatus::need_more, 0};
  std::size_t consumed = 0;
  if (gathered_size_ == 0) {
    decoded = decode_frame_header(input, header_);
    consumed = decoded.header_size;
  }
  if (decoded.status == FrameHeaderStatus::need_more) {
    // Split across inputs: gather it. (With no input, input.data() may be null, which memcpy
    // may not be given.)
    const std::size_t previous = gathered_size_;
    const std::size_t copied = std::min(input.size(), gathered_.size() - previous);
    if (copied != 0) std::memcpy(gathered_.data() + previous, input.data(), copied);
    decoded = decode_frame_header(ByteView(gathered_).first(previous + copied), header_);
    if (decoded.status == FrameHeaderStatus::need_more) {
      gathered_size_ = static_cast<std::uint8_t>(previous + copied);
      return {Status::need_more, copied, {}, false};
    }
    gathered_size_ = 0;
    const std::size_t header_size = decoded.status == FrameHeaderStatus::complete
                                        ? decoded.header_size
                                        : header_size_of(gathered_);
    consumed = header_size - previous;
  } else if (decoded.status == FrameHeaderStatus::length_msb_set) {
    consumed = header_size_of(input);
  }
  if (decoded.status == FrameHeaderStatus::length_msb_set) {
    return fail(Violation::length_high_bit_set, consumed);
  }
  if (const std::optional<Violation> violation = check_header()) {
    return fail(*violation, consumed);
  }
  payload_offset_ = 0;
  state_ = State::payload;
  return {Status::header, consumed, {}, false};
}

std::optional<Violation> FrameParser::check_header() const noexcept {
  const FrameHeader& frame = header_;
  if (is_reserved_opcode(frame.opcode)) return Violation::reserved_opcode;
  // RFC 6455 §5.1: a client masks every frame, a server masks none.
  if (role_ == Role::server && !frame.masked) return Violation::unmasked_frame_from_client;
  if (role_ == Role::client && frame.masked) return Violation::masked_frame_from_server;
  // RFC 6455 §5.2: RSV bits only with an extension that defines them; extensions such as
  // permessage-deflate (RFC 7692 §6) claim them on the first frame of a data message only.
  const bool starts_message = frame.opcode == static_cast<std::uint8_t>(Opcode::text) ||
                              frame.opcode == static_cast<std::uint8_t>(Opcode::binary);
  const std::uint8_t allowed_rsv = starts_message ? extension_rsv_bits_ : 0;
  if ((frame.rsv & ~allowed_rsv) != 0) return Violation::rsv_without_extension;
  if (is_control_opcode(frame.opcode)) {
    // RFC 6455 §5.5: control frames are at most 125 bytes and never fragmented.
    if (frame.payload_length > max_control_payload_size) return Violation::control_frame_too_long;
    if (!frame.fin) return Violation::fragmented_control_frame;
  }
  return std::nullopt;
}

FrameParser::Step FrameParser::fail(Violation violation, std::size_t bytes_consumed) noexcept {
  state_ = State::failed;
  violation_ = violation;
  return {Status::violation, bytes_consumed, {}, false};
}

}  // namespace wscore

// SPDX-License-Identifier: MIT
// Connection: permessage-deflate (RFC 7692 §6, §7.2) on the data path. Receiving, RSV1 on the
// first frame of a data message means the message is compressed: whole messages are inflated
// into the message buffer, streamed ones a piece at a time; either way max_message_size bounds
// the inflated size and text is validated after inflating. Whatever pieces the compressed bytes
// arrive in, the first violation in the order of the inflated bytes decides the close code.
// Sending compresses data messages under the options' threshold rules; control frames never.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "connection_deflate.hpp"

namespace wscore {
namespace {

CompressorSettings settings_for_compressor(Role role, const DeflateAgreement& agreed,
                                           const DeflateOptions& options) {
  const bool server = role == Role::server;
  CompressorSettings settings;
  // We may always use less than the agreed window (RFC 7692 §7.1.2).
  settings.window_bits = std::min(
      server ? agreed.server_max_window_bits : agreed.client_max_window_bits, options.window_bits);
  settings.memory_level = options.memory_level;
  settings.compression_level = options.compression_level;
  settings.no_context_takeover =
      (server ? agreed.server_no_context_takeover : agreed.client_no_context_takeover) ||
      options.no_context_takeover;
  return settings;
}

DecompressorSettings decompressor_settings(Role role, const DeflateAgreement& agreed) {
  const bool server = role == Role::server;
  return {server ? agreed.client_max_window_bits : agreed.server_max_window_bits,
          server ? agreed.client_no_context_takeover : agreed.server_no_context_takeover};
}

bool is_valid_agreement(const DeflateAgreement& agreed) noexcept {
  const auto valid_bits = [](std::uint8_t bits) {
    return bits >= min_window_bits && bits <= max_window_bits;
  };
  return valid_bits(agreed.server_max_window_bits) && valid_bits(agreed.client_max_window_bits);
}

// Whole-message delivery hands zlib at most this much fresh room per call (the room is
// zero-filled first, so a message arriving in small pieces must not pay for all the capacity).
std::size_t inflate_step(std::size_t compressed_size) noexcept {
  constexpr std::size_t min_step = 4 * 1024;
  return std::max(min_step, compressed_size * 8);
}

}  // namespace

Connection::DeflateState::DeflateState(Role role, const DeflateAgreement& agreed,
                                       const DeflateOptions& options)
    : agreement(agreed),
      compressor_settings(settings_for_compressor(role, agreed, options)),
      compressor(compressor_settings),
      compressor_resets(compressor_settings.no_context_takeover),
      decompressor(decompressor_settings(role, agreed)),
      compression_threshold(options.compression_threshold) {}

void Connection::DeflateState::release_idle(bool receive_idle, bool send_idle) noexcept {
  if (send_idle) {
    compressed.clear();
    compressed.shrink_to_fit();
    compressor.release_if_idle();
  }
  if (receive_idle) {
    inflate_input.clear();
    inflate_input.shrink_to_fit();
    inflate_input_used = 0;
    inflate_output.clear();
    inflate_output.shrink_to_fit();
    decompressor.release_if_idle();
  }
}

std::size_t Connection::DeflateState::memory_usage() const noexcept {
  return sizeof(DeflateState) + compressed.capacity() + inflate_input.capacity() +
         inflate_output.capacity() + compressor.memory_usage() + decompressor.memory_usage();
}

void Connection::start_deflate(const DeflateAgreement& agreement) {
  deflate_ = std::make_unique<DeflateState>(role_, agreement, options_.deflate);
  // RFC 7692 §6: permessage-deflate claims RSV1.
  frames_.set_extension_rsv_bits(frames_.extension_rsv_bits() | rsv_bit::rsv1);
}

ApiError Connection::enable_deflate(const DeflateAgreement& agreement) {
  if (state_ != ConnectionState::open || in_message_ || sending_fragments_) {
    return ApiError::wrong_state;
  }
  if (deflate_) return ApiError::extension_conflict;
  if (!validate_deflate_options(options_.deflate).empty() || !is_valid_agreement(agreement)) {
    return ApiError::invalid_deflate_options;
  }
  start_deflate(agreement);
  return ApiError::none;
}

std::optional<DeflateAgreement> Connection::deflate_agreement() const noexcept {
  if (!deflate_) return std::nullopt;
  return deflate_->agreement;
}

// --- sending ---

bool Connection::should_compress(std::size_t size, Compression compression) const noexcept {
  return deflate_ && compression == Compression::automatic &&
         size >= deflate_->compression_threshold;
}

bool Connection::write_compressed(Opcode opcode, ByteView data, bool last) {
  DeflateState& deflate = *deflate_;
  deflate.compressed.clear();
  if (!deflate.compressor.compress(data, last, deflate.compressed)) return false;
  // RFC 7692 §6.1: RSV1 on the first frame of the message only.
  const std::uint8_t rsv = opcode == Opcode::continuation ? 0 : rsv_bit::rsv1;
  const bool whole_message = last && opcode != Opcode::continuation;
  if (whole_message && deflate.compressor_resets && deflate.compressed.size() >= data.size()) {
    // It did not shrink. Without context takeover the compressor has already forgotten it, so
    // sending the original instead (RSV1 clear, RFC 7692 §6) leaves both sides in step.
    write_frame(opcode, true, data);
    return true;
  }
  write_frame(opcode, last, deflate.compressed, rsv);
  return true;
}

// --- receiving ---

// The first violation of one inflate step that wrote `piece`, the next inflated bytes of a
// message that held `size_before`, in the order of the bytes: text that stops being UTF-8 within
// the limit (RFC 6455 §8.1), then a byte past the limit (§10.4 with RFC 7692 §8: the limit is on
// what the message inflates to), then what the decompressor found after these bytes (invalid
// data, RFC 7692 §7.2.2, or no memory). How much one call inflates depends on how the bytes
// arrived, so checking the whole piece for the limit first, or the data first, would let the
// split choose between 1007 and 1009.
std::optional<Violation> Connection::first_inflate_violation(ByteView piece,
                                                             std::uint64_t size_before,
                                                             MessageDecompressor::Status status) {
  const std::uint64_t room = options_.max_message_size - size_before;
  const ByteView within_limit =
      piece.first(static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), room)));
  if (const std::optional<Violation> violation = check_text(within_limit, false)) return violation;
  if (piece.size() > room) return Violation::inflated_message_too_big;
  if (status == MessageDecompressor::Status::invalid_data) {
    return Violation::invalid_compressed_data;
  }
  if (status == MessageDecompressor::Status::out_of_memory) {
    return Violation::inflate_out_of_memory;
  }
  return std::nullopt;
}

std::optional<Event> Connection::read_compressed_payload() {
  // Streaming delivery: take up to one chunk of the frame into our own buffer (so that what zlib
  // has not taken yet outlives the caller's input), then hand out what it inflates to.
  DeflateState& deflate = *deflate_;
  deflate.inflate_input.resize(DeflateState::streaming_chunk_size);
  const FrameParser::Step step = frames_.parse_copying(unparsed_, deflate.inflate_input);
  unparsed_ = unparsed_.subspan(step.bytes_consumed);
  if (step.payload.empty() && !step.frame_finished) return std::nullopt;
  deflate.inflate_input.resize(step.payload.size());
  deflate.inflate_input_used = 0;
  read_state_ = ReadState::inflating;
  return inflate_next_piece();
}

std::optional<Event> Connection::inflate_next_piece() {
  DeflateState& deflate = *deflate_;
  const bool frame_finished = !frames_.reading_payload();
  const bool message_ends = frame_finished && frames_.header().fin;
  deflate.inflate_output.resize(DeflateState::streaming_chunk_size);
  const auto result = deflate.decompressor.decompress(
      ByteView(deflate.inflate_input).subspan(deflate.inflate_input_used), message_ends,
      deflate.inflate_output);
  deflate.inflate_input_used += result.bytes_consumed;
  const ByteView piece = ByteView(deflate.inflate_output).first(result.bytes_written);
  if (const auto violation =
          first_inflate_violation(piece, message_inflated_size_, result.status)) {
    return fail(*violation);
  }
  message_inflated_size_ += piece.size();
  using Status = MessageDecompressor::Status;
  const bool message_finished = result.status == Status::message_finished;
  // need_input: back to the frames; output_full: more to hand out from the same input.
  if (result.status == Status::need_input || message_finished) read_state_ = ReadState::frames;
  if (const std::optional<Violation> violation = check_text({}, message_finished)) {
    return fail(*violation);
  }
  if (message_finished) in_message_ = false;
  if (piece.empty() && !message_finished) return std::nullopt;
  return FragmentReceived{message_type_, piece, message_finished, message_rsv_};
}

std::optional<Event> Connection::inflate_into_message(ByteView chunk, bool frame_finished) {
  const bool message_ends = frame_finished && frames_.header().fin;
  // Room for one byte past the limit tells a message over it from one that ends exactly at it;
  // the buffer never grows beyond that, whatever the compressed bytes claim.
  const std::uint64_t limit = options_.max_message_size;
  const auto most_room = static_cast<std::size_t>(std::min<std::uint64_t>(limit, SIZE_MAX - 1) + 1);
  using Status = MessageDecompressor::Status;
  for (;;) {
    const std::size_t size = message_.size();
    if (size == message_.capacity()) {
      const std::size_t wanted = std::max(message_.capacity() * 2, size + inflate_step(0));
      if (!message_.try_reserve(std::min(wanted, most_room))) {
        return fail(Violation::inflate_out_of_memory);
      }
    }
    const std::size_t step = std::min(message_.capacity() - size, inflate_step(chunk.size()));
    message_.resize(size + step);
    const auto result = deflate_->decompressor.decompress(chunk, message_ends,
                                                          MutableByteView(message_).subspan(size));
    message_.resize(size + result.bytes_written);
    chunk = chunk.subspan(result.bytes_consumed);
    message_inflated_size_ = message_.size();
    if (const auto violation =
            first_inflate_violation(ByteView(message_).subspan(size), size, result.status)) {
      return fail(*violation);
    }
    if (result.status == Status::need_input) return std::nullopt;
    if (result.status == Status::message_finished) break;
    // output_full: more to inflate from the same input
  }
  if (const std::optional<Violation> violation = check_text({}, true)) return fail(*violation);
  in_message_ = false;
  return MessageReceived{message_type_, message_, message_rsv_};
}

}  // namespace wscore

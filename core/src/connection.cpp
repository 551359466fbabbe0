// SPDX-License-Identifier: MIT
// Connection: its life (the one place ConnectionState changes), abort, and the output buffer.
// The opening handshake is in connection_handshake.cpp, reading in connection_receive.cpp,
// sending in connection_send.cpp.
#include <algorithm>
#include <cstring>
#include <functional>

#include "connection_deflate.hpp"
#include "connection_handshake.hpp"

namespace wscore {

Connection::Connection(Role role, ConnectionOptions options, RandomSource random)
    : role_(role),
      options_(std::move(options)),
      random_(std::move(random)),
      frames_(role),
      message_(options_.buffer_pool),
      output_(options_.buffer_pool) {}

Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

void Connection::enter(ConnectionState next) noexcept {
  using State = ConnectionState;
  const auto allowed = [this](State to) {
    switch (state_) {
      case State::handshake:
        return to == (role_ == Role::server ? State::awaiting_accept : State::open) ||
               to == State::failed;
      case State::awaiting_accept:
        return to == State::open || to == State::closed || to == State::failed;
      case State::open:
        return to == State::close_sent || to == State::closed || to == State::failed;
      case State::close_sent:
        return to == State::closed || to == State::failed;
      case State::closed:
      case State::failed:
        return false;
    }
    return false;
  };
  if (!allowed(next)) return;  // unreachable from the public API: every caller checks first
  state_ = next;
  if (next == State::closed || next == State::failed) {
    // Nothing more is read (RFC 6455 §7.1.7, §5.5.1); a message in progress is abandoned.
    unparsed_ = {};
    in_message_ = false;
    read_state_ = ReadState::frames;
  }
}

bool Connection::reading() const noexcept {
  return state_ != ConnectionState::closed && state_ != ConnectionState::failed;
}

void Connection::abort(std::string_view reason) {
  if (!reading()) return;
  abort_reason_ = reason;
  const bool opening =
      state_ == ConnectionState::handshake || state_ == ConnectionState::awaiting_accept;
  if (opening) {
    queued_event_ = HandshakeFailed{{0, abort_reason_}};
  } else {
    queued_event_ = ConnectionLost{close_code::abnormal_closure, abort_reason_};
  }
  enter(ConnectionState::failed);
  // Nothing more goes out: the transport has given up on the stream.
  output_.clear();
  output_consumed_ = 0;
  unsent_pong_at_.reset();
}

TransportAction Connection::transport_action() const noexcept {
  switch (state_) {
    case ConnectionState::handshake:
    case ConnectionState::awaiting_accept:
    case ConnectionState::open:
    case ConnectionState::close_sent:
      return TransportAction::keep_open;
    case ConnectionState::closed:
      // RFC 6455 §7.1.1: after a clean close handshake the server closes the TCP connection
      // first; the client waits for it.
      return role_ == Role::client ? TransportAction::await_peer_close
                                   : TransportAction::close_when_flushed;
    case ConnectionState::failed:
      return TransportAction::close_when_flushed;  // §7.1.7: at once
  }
  return TransportAction::close_when_flushed;
}

void Connection::append_output(ByteView bytes) {
  compact_output();
  const std::size_t at = output_.size();
  output_.resize_amortised(at + bytes.size());
  if (!bytes.empty()) std::memcpy(output_.data() + at, bytes.data(), bytes.size());
  unsent_pong_at_.reset();
}

bool Connection::reserve_output(std::size_t more) noexcept {
  compact_output();
  const std::size_t needed = output_.size() + more;
  if (needed <= output_.capacity()) return true;
  return output_.try_reserve(std::max(needed, output_.capacity() * 2));
}

void Connection::compact_output() noexcept {
  // Drop written bytes once they outweigh the unwritten ones, so a caller that drains in small
  // pieces does not make the buffer grow (amortised O(1) per byte).
  if (output_consumed_ == 0 || output_consumed_ < output_.size() - output_consumed_) return;
  output_.erase_front(output_consumed_);
  if (unsent_pong_at_) *unsent_pong_at_ -= output_consumed_;
  output_consumed_ = 0;
}

void Connection::consume_output(std::size_t bytes_written) noexcept {
  output_consumed_ += std::min(bytes_written, output_.size() - output_consumed_);
  if (unsent_pong_at_ && *unsent_pong_at_ < output_consumed_) unsent_pong_at_.reset();
  if (output_consumed_ == output_.size()) {
    output_.clear();
    output_consumed_ = 0;
  }
}

std::size_t Connection::write_output(MutableByteView out) noexcept {
  const ByteView pending = pending_output();
  const std::size_t size = std::min(pending.size(), out.size());
  if (size != 0) std::memcpy(out.data(), pending.data(), size);
  consume_output(size);
  return size;
}

void Connection::release_idle_buffers() noexcept {
  if (!in_message_) {
    message_.release();
  }
  if (output_consumed_ == output_.size()) {
    output_.release();
    output_consumed_ = 0;
  }
  if (unparsed_.empty()) {
    owned_input_.clear();
    owned_input_.shrink_to_fit();
  }
  if (deflate_) deflate_->release_idle(!in_message_, !sending_fragments_);
}

std::size_t Connection::memory_usage() const noexcept {
  std::size_t bytes = sizeof(Connection) + message_.capacity() + output_.capacity() +
                      owned_input_.capacity() + subprotocol_.capacity();
  if (deflate_) bytes += deflate_->memory_usage();
  return bytes;
}

const char* to_string(ApiError error) noexcept {
  switch (error) {
    case ApiError::none:
      return "no error";
    case ApiError::wrong_state:
      return "not allowed in the connection's current state";
    case ApiError::message_in_progress:
      return "a fragmented message is still being sent";
    case ApiError::control_payload_too_large:
      return "control frame payload over 125 bytes";
    case ApiError::invalid_close_code:
      return "close code that may not be sent";
    case ApiError::invalid_utf8:
      return "text that is not valid UTF-8";
    case ApiError::no_random_source:
      return "client role needs a random source for masking";
    case ApiError::subprotocol_not_offered:
      return "subprotocol the client did not offer";
    case ApiError::invalid_header:
      return "header that is not a token or holds CR, LF or NUL";
    case ApiError::invalid_deflate_options:
      return "permessage-deflate options out of range";
    case ApiError::extension_conflict:
      return "permessage-deflate is negotiated by the connection itself";
    case ApiError::out_of_memory:
      return "zlib could not get memory";
    case ApiError::plain_http_not_enabled:
      return "respond() needs ConnectionOptions::plain_http";
    case ApiError::outbound_buffer_full:
      return "the outbound buffer is over its limit";
  }
  return "unknown error";
}

}  // namespace wscore

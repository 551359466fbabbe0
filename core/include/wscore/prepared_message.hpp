// SPDX-License-Identifier: MIT
/// @file
/// A message framed once for many connections (a broadcast): Connection::send_prepared() copies
/// its frame into each server connection's output instead of validating, framing and, where
/// permessage-deflate resets after every message, compressing it once per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {

/// One message, framed as a server sends it (RFC 6455 §5.2: FIN, the opcode, the minimal length,
/// no mask), ready for any number of Connection::send_prepared() calls.
///
/// Compression (RFC 7692 §7.2.1): a connection whose compressor starts every message afresh (no
/// context takeover in the server's direction) produces the same bytes for the same message and
/// settings, so the compressed frame is made once per CompressorSettings, at the first such
/// connection, and reused. A connection with context takeover compresses with its own window, as
/// Connection::send() does. A client connection masks each frame itself (§5.3): for it,
/// send_prepared() is send().
///
/// Threads: send_prepared() may add a compressed frame (the cache is not locked): share a
/// PreparedMessage only within one thread, e.g. one per event loop.
class PreparedMessage {
 public:
  /// Frames `payload` (copied). Text must be UTF-8 (RFC 6455 §8.1): otherwise error() says
  /// invalid_utf8 and every send_prepared() refuses it.
  PreparedMessage(MessageType type, ByteView payload);

  /// none, or invalid_utf8 for text that is not UTF-8.
  [[nodiscard]] ApiError error() const noexcept { return error_; }
  /// The message's type.
  [[nodiscard]] MessageType type() const noexcept { return type_; }
  /// The payload as given.
  [[nodiscard]] ByteView payload() const noexcept { return ByteView(frame_).subspan(header_size_); }
  /// The whole unmasked, uncompressed frame.
  [[nodiscard]] ByteView frame() const noexcept { return frame_; }
  /// The frame a compressor with `settings` that resets after each message sends: RSV1 and the
  /// compressed payload, or frame() when compressing did not shrink it (RFC 7692 §6 lets a
  /// message go uncompressed). Made on the first call for these settings. Empty when zlib had no
  /// memory (then send the uncompressed frame).
  [[nodiscard]] ByteView compressed_frame(const CompressorSettings& settings) const;
  /// How many compressed frames were made (for tests and benchmarks: once per settings).
  [[nodiscard]] std::size_t compressed_frames_made() const noexcept { return compressed_.size(); }

 private:
  struct Compressed {
    CompressorSettings settings;
    std::vector<std::byte> frame;  // empty: use frame_
    bool made = false;             // false: zlib had no memory
  };
  std::vector<std::byte> frame_;
  std::size_t header_size_ = 0;
  MessageType type_;
  ApiError error_ = ApiError::none;
  mutable std::vector<Compressed> compressed_;
};

}  // namespace wscore

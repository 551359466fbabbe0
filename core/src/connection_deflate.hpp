// SPDX-License-Identifier: MIT
// Connection's permessage-deflate state (RFC 7692), private to the core: the codec for each
// direction as the agreement and the options set it up, and the buffers around it.
#pragma once

#include <cstddef>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {

struct Connection::DeflateState {
  // Streaming delivery inflates this much at a time (and takes at most this much of a frame).
  static constexpr std::size_t streaming_chunk_size = 16 * 1024;

  DeflateState(Role role, const DeflateAgreement& agreed, const DeflateOptions& options);

  void release_idle(bool receive_idle, bool send_idle) noexcept;
  [[nodiscard]] std::size_t memory_usage() const noexcept;

  DeflateAgreement agreement;
  CompressorSettings compressor_settings;  // what `compressor` was made with
  MessageCompressor compressor;
  bool compressor_resets = false;  // no context takeover in our direction
  MessageDecompressor decompressor;
  std::size_t compression_threshold = 0;

  std::vector<std::byte> compressed;      // sending: the compressed message or fragment
  std::vector<std::byte> inflate_input;   // streaming: compressed bytes taken from the frame
  std::size_t inflate_input_used = 0;     // ... of which the decompressor has taken this many
  std::vector<std::byte> inflate_output;  // streaming: the inflated piece being delivered
};

}  // namespace wscore

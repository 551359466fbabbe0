// SPDX-License-Identifier: MIT
// permessage-deflate options from one input byte, for the targets that negotiate it.
#pragma once

#include <cstdint>
#include <optional>

#include "wscore/permessage_deflate.hpp"

namespace wscore::fuzz {

// Bits 0-2: our window, 8 + value; bit 3: we keep no context between messages; bit 4: we ask
// the peer to keep none; bits 5-6: the peer's window we ask for (12, no limit, 15 or 9); bit 7:
// every message compressed (threshold 0, else 128).
inline DeflateOptions deflate_options_from(std::uint8_t bits, bool enabled = true) {
  static constexpr std::optional<std::uint8_t> peer_windows[] = {12, std::nullopt, 15, 9};
  DeflateOptions options;
  options.enabled = enabled;
  options.window_bits = static_cast<std::uint8_t>(min_window_bits + (bits & 7));
  options.no_context_takeover = (bits & 0x08) != 0;
  options.peer_no_context_takeover = (bits & 0x10) != 0;
  options.peer_max_window_bits = peer_windows[(bits >> 5) & 3];
  options.compression_threshold = (bits & 0x80) ? 0 : 128;
  return options;
}

}  // namespace wscore::fuzz

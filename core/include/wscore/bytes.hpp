// SPDX-License-Identifier: MIT
// Byte views shared by every layer of the core.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace wscore {

using ByteView = std::span<const std::byte>;
using MutableByteView = std::span<std::byte>;

inline ByteView as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

inline std::string_view as_text(ByteView bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace wscore

// SPDX-License-Identifier: MIT
/// @file
/// Byte views shared by every layer of the core.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

/// The sans-IO WebSocket protocol core (RFC 6455, RFC 7692): value types and state machines that
/// turn bytes into events and actions into bytes, with no I/O of their own. The transport on top
/// of it is in wscore::transport.
namespace wscore {

/// Bytes the callee reads and does not keep: the caller owns them, and a function that keeps a
/// view (or returns one into them) says so, and for how long.
using ByteView = std::span<const std::byte>;
/// Bytes the callee may write in place, e.g. to unmask a payload; owned by the caller, as for
/// ByteView.
using MutableByteView = std::span<std::byte>;

/// The characters of `text` as bytes, without a copy.
/// @lifetime The view is of `text`'s characters: it lives as long as they do.
inline ByteView as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

/// The bytes as characters (e.g. a text message's UTF-8), without a copy.
/// @lifetime The view is of `bytes`: it lives as long as they do.
inline std::string_view as_text(ByteView bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace wscore

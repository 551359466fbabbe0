// SPDX-License-Identifier: MIT
#include "inspector.hpp"

#include "json.hpp"

namespace wscore::cli {
namespace {

// RFC 6455 §5.2: 2 bytes, then 2 or 8 for the longer lengths; a server's frames have no mask.
std::uint64_t unmasked_header_size(std::uint64_t payload_length) {
  if (payload_length <= 125) return 2;
  return payload_length <= 0xFFFF ? 4 : 10;
}

std::string summary(const MessageOnTheWire& message) {
  return "{\"opcode\":" + std::to_string(static_cast<int>(message.type)) +
         ",\"fin\":true,\"rsv1\":" + (message.rsv1 ? "true" : "false") +
         ",\"length\":" + std::to_string(message.length) +
         ",\"wire_bytes\":" + std::to_string(message.wire_bytes) + "}";
}

}  // namespace

bool echo_was_compressed(std::uint64_t length, std::uint64_t wire_bytes,
                         std::string_view extensions, std::size_t compression_threshold) {
  if (!extensions.starts_with("permessage-deflate") || length < compression_threshold) {
    return false;
  }
  const bool resets = extensions.find("server_no_context_takeover") != std::string_view::npos;
  return !(resets && wire_bytes == unmasked_header_size(length) + length);
}

std::string inspect_report(const MessageOnTheWire& received, const MessageOnTheWire& sent,
                           std::string_view extensions) {
  return "{\"type\":\"inspect\",\"extensions\":" + json_string(extensions) +
         ",\"received\":" + summary(received) + ",\"sent\":" + summary(sent) + "}";
}

}  // namespace wscore::cli

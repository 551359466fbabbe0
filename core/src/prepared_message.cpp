// SPDX-License-Identifier: MIT
// PreparedMessage: a server frame made once (RFC 6455 §5.2), and its compressed forms, one per
// compressor settings that reset after every message (RFC 7692 §7.2.1).
#include "wscore/prepared_message.hpp"

#include <cstring>

#include "wscore/frame_header.hpp"
#include "wscore/utf8.hpp"

namespace wscore {
namespace {

std::uint8_t opcode_of(MessageType type) noexcept {
  return static_cast<std::uint8_t>(type == MessageType::text ? Opcode::text : Opcode::binary);
}

// A whole server frame of `payload` (FIN set, unmasked) with `rsv`, appended to `out`.
void append_frame(std::uint8_t opcode, std::uint8_t rsv, ByteView payload,
                  std::vector<std::byte>& out, std::size_t* header_size = nullptr) {
  FrameHeader header;
  header.fin = true;
  header.rsv = rsv;
  header.opcode = opcode;
  header.payload_length = payload.size();
  std::array<std::byte, max_frame_header_size> head{};
  const std::size_t size = encode_frame_header(header, head);
  out.reserve(out.size() + size + payload.size());
  out.insert(out.end(), head.begin(), head.begin() + static_cast<std::ptrdiff_t>(size));
  out.insert(out.end(), payload.begin(), payload.end());
  if (header_size) *header_size = size;
}

bool same(const CompressorSettings& a, const CompressorSettings& b) noexcept {
  return a.window_bits == b.window_bits && a.memory_level == b.memory_level &&
         a.compression_level == b.compression_level;
}

}  // namespace

PreparedMessage::PreparedMessage(MessageType type, ByteView payload) : type_(type) {
  if (type == MessageType::text && !is_valid_utf8(payload)) error_ = ApiError::invalid_utf8;
  append_frame(opcode_of(type), 0, payload, frame_, &header_size_);
}

ByteView PreparedMessage::compressed_frame(const CompressorSettings& settings) const {
  for (const Compressed& made : compressed_) {
    if (!same(made.settings, settings)) continue;
    if (!made.made) return {};
    return made.frame.empty() ? frame() : ByteView(made.frame);
  }
  Compressed entry{settings, {}, false};
  CompressorSettings fresh = settings;
  fresh.no_context_takeover = true;
  MessageCompressor compressor(fresh);
  std::vector<std::byte> compressed;
  entry.made = compressor.compress(payload(), true, compressed);
  // RFC 7692 §6.1: RSV1 marks the compressed message. One that did not shrink goes as it is.
  if (entry.made && compressed.size() < payload().size()) {
    append_frame(opcode_of(type_), rsv_bit::rsv1, compressed, entry.frame);
  }
  compressed_.push_back(std::move(entry));
  const Compressed& made = compressed_.back();
  if (!made.made) return {};
  return made.frame.empty() ? frame() : ByteView(made.frame);
}

}  // namespace wscore

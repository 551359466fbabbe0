// SPDX-License-Identifier: MIT
// The inflate target's input turned into frames: its configuration (the role, the agreement,
// the limit) and the messages a peer's compressor, or raw bytes, make of the operations. See
// inflate.cpp for the input format.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "text_from_bytes.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore::fuzz {

using Bytes = std::vector<std::byte>;

// Plaintext generated per input, at most: keeps every input fast.
inline constexpr std::size_t plaintext_budget = 256 * 1024;

struct Config {
  Role role;
  DeliveryMode first_delivery;
  bool peer_no_context_takeover;
  std::uint8_t window_bits;  // the peer's, as agreed
  bool copying_receive;
  bool end_of_stream;
  bool release_buffers;
  bool auto_pong;
  bool batch_receives;
  std::uint64_t limit;
  std::uint8_t seed;

  explicit Config(InputReader& input) {
    const std::uint8_t bits = input.byte();
    const std::uint8_t behaviour = input.byte();
    const std::uint8_t limit_byte = input.byte();
    role = (bits & 1) ? Role::client : Role::server;
    first_delivery = (bits & 2) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    peer_no_context_takeover = (bits & 4) != 0;
    window_bits = static_cast<std::uint8_t>(min_window_bits + ((bits >> 3) & 7));
    copying_receive = (bits & 0x40) != 0;
    end_of_stream = (bits & 0x80) != 0;
    release_buffers = (behaviour & 1) != 0;
    auto_pong = (behaviour & 2) == 0;
    batch_receives = (behaviour & 4) != 0;
    limit = limit_byte < 128 ? limit_byte : (limit_byte - 127u) * 512u;
    seed = input.byte();
  }

  // What the handshake agreed: the peer's direction as configured, ours at the defaults.
  DeflateAgreement agreement() const {
    DeflateAgreement agreed;
    if (role == Role::server) {
      agreed.client_max_window_bits = window_bits;
      agreed.client_no_context_takeover = peer_no_context_takeover;
    } else {
      agreed.server_max_window_bits = window_bits;
      agreed.server_no_context_takeover = peer_no_context_takeover;
    }
    return agreed;
  }

  ConnectionOptions options(DeliveryMode delivery) const {
    ConnectionOptions options;
    options.delivery = delivery;
    options.auto_pong = auto_pong;
    options.max_message_size = limit;
    return options;
  }
};

struct Frame {
  std::uint8_t first_byte;  // FIN, RSV, opcode
  Bytes payload;
};

// --- the frames, from the operations ------------------------------------------------------

class Generator {
 public:
  Generator(const Config& config, std::uint8_t compressor_bits)
      : config_(config),
        compressor_window_(static_cast<std::uint8_t>(min_window_bits + (compressor_bits & 7))),
        compressor_level_(static_cast<std::uint8_t>(((compressor_bits >> 3) & 15) % 10)),
        compressor_resets_(config.peer_no_context_takeover || (compressor_bits & 0x80) != 0),
        compressor_(settings()) {}

  void run(InputReader& input) {
    while (!input.empty() && generated_ < plaintext_budget) {
      const std::uint8_t op = input.byte();
      switch (op % 8) {
        case 0:
          compressed_message(input, true);
          break;
        case 1:
          raw_message(input);
          break;
        case 2:
          plain_message(input);
          break;
        case 3:
          control(input, 0x89);
          break;
        case 4:
          control(input, 0x8A);
          break;
        case 5:
          frames_.push_back({0x88, {std::byte{0x03}, std::byte{0xE8}}});  // Close 1000
          return;
        case 6:
          compressed_message(input, false);
          return;
        default:
          compressor_ = MessageCompressor(settings());
          fresh_ = true;
          break;
      }
    }
  }

  const std::vector<Frame>& frames() const { return frames_; }
  // What a generated message holds, if its compressed bytes must inflate to it: given a
  // decoder between blocks, it kept the agreement, and either refers to nothing sent before or
  // only to earlier such messages of the same compressor, all delivered as compressed.
  const Bytes* trusted_plaintext(std::size_t first_frame) const {
    for (const auto& [frame, plaintext] : trusted_)
      if (frame == first_frame) return &plaintext;
    return nullptr;
  }

 private:
  CompressorSettings settings() const {
    CompressorSettings settings;
    settings.window_bits = compressor_window_;
    settings.compression_level = compressor_level_;
    settings.memory_level = 5;  // the core's default
    settings.no_context_takeover = compressor_resets_;
    return settings;
  }

  // Up to `limit + 4 KiB` bytes (enough to pass any limit) of one of four kinds.
  Bytes plaintext(InputReader& input, std::uint8_t flags) {
    const bool text = (flags & 1) != 0;
    const std::size_t size = (flags & 0x40) ? input.u16() : input.byte();
    const std::size_t cap = std::min<std::size_t>(config_.limit + 4096, plaintext_budget);
    Bytes data;
    switch ((flags >> 1) & 3) {
      case 0: {  // bytes from the input
        const Bytes raw = input.take_bytes(size);
        data = text ? text_from_bytes(raw) : raw;
        break;
      }
      case 1: {  // one byte repeated: a small input that inflates to a lot
        const auto b = static_cast<std::byte>(input.byte() & (text ? 0x7F : 0xFF));
        data.assign(std::min(size * 64, cap), b);
        break;
      }
      case 2: {  // a short pattern repeated
        const Bytes raw = input.take_bytes(1 + input.byte() % 16);
        const Bytes pattern = text ? text_from_bytes(raw) : raw;
        while (!pattern.empty() && data.size() < std::min(size * 16, cap))
          data.insert(data.end(), pattern.begin(), pattern.end());
        break;
      }
      default: {  // X, then `size` * 32 bytes that do not compress, then X again: a far match
        const Bytes raw = input.take_bytes(input.byte());
        const Bytes repeated = text ? text_from_bytes(raw) : raw;
        data = repeated;
        std::uint32_t state = 0x9E3779B9u ^ static_cast<std::uint32_t>(size);
        for (std::size_t i = 0; i < std::min(size * 32, cap); ++i) {
          state = state * 1664525u + 1013904223u;
          data.push_back(static_cast<std::byte>((state >> 24) & (text ? 0x7F : 0xFF)));
        }
        data.insert(data.end(), repeated.begin(), repeated.end());
        break;
      }
    }
    if (data.size() > cap) data.resize(cap);
    generated_ += data.size();
    return data;
  }

  // flags bit 0: text; bits 1-2: the kind of plaintext; bit 3: in fragments; bit 4: a Ping
  // after the first fragment; bit 5: corrupt a byte of the compressed data; bit 6: 16-bit size;
  // bit 7: an empty last fragment.
  void compressed_message(InputReader& input, bool finished) {
    const std::uint8_t flags = input.byte();
    const Bytes data = plaintext(input, flags);
    const std::size_t fragments = (flags & 8) ? 1 + input.byte() % 4 : 1;
    const std::size_t first_frame = frames_.size();
    std::size_t at = 0;
    for (std::size_t i = 0; i < fragments; ++i) {
      const bool last = i + 1 == fragments && !(flags & 0x80);
      const std::size_t size = i + 1 == fragments
                                   ? data.size() - at
                                   : std::min<std::size_t>(input.u16(), data.size() - at);
      Bytes compressed;
      const bool compressed_ok =
          compressor_.compress(ByteView(data).subspan(at, size), last && finished, compressed);
      check(compressed_ok, "the compressor gets its memory");
      at += size;
      add_data_frame(i == 0, last && finished, true, (flags & 1) != 0, compressed);
      if (i == 0 && (flags & 0x10)) frames_.push_back({0x89, {std::byte{'p'}}});
    }
    if (flags & 0x80) {
      Bytes tail;
      check(compressor_.compress({}, finished, tail), "the compressor gets its memory");
      add_data_frame(false, finished, true, (flags & 1) != 0, tail);
    }
    bool kept_agreement = compressor_window_ <= config_.window_bits;
    if (flags & 0x20) {
      // Corrupt one byte somewhere in the message's compressed payloads.
      const std::size_t position = input.u16();
      const auto mask = static_cast<std::byte>(input.byte() | 1);
      std::size_t total = 0;
      for (std::size_t i = first_frame; i < frames_.size(); ++i) {
        if ((frames_[i].first_byte & 0x08) == 0) total += frames_[i].payload.size();
      }
      std::size_t skip = total == 0 ? 0 : position % total;
      for (std::size_t i = first_frame; i < frames_.size() && total != 0; ++i) {
        Bytes& payload = frames_[i].payload;
        if ((frames_[i].first_byte & 0x08) != 0) continue;
        if (skip < payload.size()) {
          payload[skip] ^= mask;
          break;
        }
        skip -= payload.size();
      }
      if (total != 0) kept_agreement = false;
    }
    const bool in_step = kept_agreement && (fresh_ || chain_in_step_);
    if (in_step && finished) trusted_.push_back({first_frame, data});
    chain_in_step_ = in_step;
    fresh_ = compressor_resets_;
  }

  // flags bit 0: text; bits 1-2: frames - 1. Each frame: [size] [bytes].
  void raw_message(InputReader& input) {
    const std::uint8_t flags = input.byte();
    const std::size_t count = 1 + ((flags >> 1) & 3);
    for (std::size_t i = 0; i < count; ++i) {
      const Bytes payload = input.take_bytes(input.byte());
      add_data_frame(i == 0, i + 1 == count, true, (flags & 1) != 0, payload);
    }
    // The peer's window now holds what these bytes decode to, which our compressor did not
    // compress: only a message that refers to nothing before is trusted again.
    chain_in_step_ = false;
  }

  // flags bit 0: text; bit 1: raw bytes even for text; bit 2: in two frames.
  void plain_message(InputReader& input) {
    const std::uint8_t flags = input.byte();
    const bool text = (flags & 1) != 0;
    const Bytes raw = input.take_bytes(input.byte());
    const Bytes data = text && !(flags & 2) ? text_from_bytes(raw) : raw;
    if (flags & 4) {
      const std::size_t half = data.size() / 2;
      add_data_frame(true, false, false, text, Bytes(data.begin(), data.begin() + half));
      add_data_frame(false, true, false, text, Bytes(data.begin() + half, data.end()));
    } else {
      add_data_frame(true, true, false, text, data);
    }
  }

  void control(InputReader& input, std::uint8_t first_byte) {
    frames_.push_back({first_byte, input.take_bytes(input.byte() % 126)});
  }

  void add_data_frame(bool first, bool fin, bool compressed, bool text, Bytes payload) {
    std::uint8_t first_byte = first ? (text ? 0x01 : 0x02) : 0x00;
    if (fin) first_byte |= 0x80;
    if (first && compressed) first_byte |= 0x40;  // RFC 7692 §6.1: RSV1 on the first frame only
    frames_.push_back({first_byte, std::move(payload)});
  }

  const Config& config_;
  std::uint8_t compressor_window_;
  std::uint8_t compressor_level_;
  bool compressor_resets_;
  MessageCompressor compressor_;
  bool fresh_ = true;          // the compressor's next message refers to nothing before
  bool chain_in_step_ = true;  // the receiver's window holds what the compressor's does
  std::vector<Frame> frames_;
  std::vector<std::pair<std::size_t, Bytes>> trusted_;
  std::size_t generated_ = 0;
};

// The frames on the wire, masked if the peer is a client (RFC 6455 §5.3).
inline Bytes wire_of(const std::vector<Frame>& frames, Role receiver) {
  Bytes wire;
  std::uint8_t key_counter = 0;
  for (const Frame& frame : frames) {
    const std::size_t length = frame.payload.size();
    const bool masked = receiver == Role::server;
    wire.push_back(std::byte{frame.first_byte});
    const std::uint8_t mask_bit = masked ? 0x80 : 0;
    if (length < 126) {
      wire.push_back(std::byte(mask_bit | length));
    } else if (length <= 0xFFFF) {
      wire.push_back(std::byte(mask_bit | 126));
      wire.push_back(std::byte(length >> 8));
      wire.push_back(std::byte(length & 0xFF));
    } else {
      wire.push_back(std::byte(mask_bit | 127));
      for (int shift = 56; shift >= 0; shift -= 8)
        wire.push_back(std::byte((length >> shift) & 0xFF));
    }
    MaskKey key{};
    if (masked) {
      for (auto& b : key) {
        b = std::byte{key_counter};
        key_counter = static_cast<std::uint8_t>(key_counter * 5 + 17);
      }
      wire.insert(wire.end(), key.begin(), key.end());
    }
    const std::size_t start = wire.size();
    wire.insert(wire.end(), frame.payload.begin(), frame.payload.end());
    if (masked) apply_mask(MutableByteView(wire).subspan(start), key);
  }
  return wire;
}

}  // namespace wscore::fuzz

// SPDX-License-Identifier: MIT
// The permessage-deflate codec (RFC 7692 §7.2) on zlib: raw DEFLATE (no zlib header), flushed
// with Z_SYNC_FLUSH so that every message ends on a byte boundary with 00 00 ff ff, which is
// stripped on the wire and appended again before inflating.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>

#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

// RFC 7692 §7.2.1: the octets an empty stored block flushed with Z_SYNC_FLUSH ends with.
constexpr std::array<Bytef, 4> flush_tail{0x00, 0x00, 0xff, 0xff};

// zlib's counts are 32-bit; longer buffers are fed in pieces.
constexpr std::size_t max_zlib_chunk = std::size_t{1} << 30;

uInt zlib_size(std::size_t size) noexcept {
  return static_cast<uInt>(std::min(size, max_zlib_chunk));
}

// zlib's allocation hooks: plain malloc with the size kept in front of each block, so that each
// stream knows how many bytes it holds (memory_usage(), and the decompression-bomb tests).
constexpr std::size_t block_header = alignof(std::max_align_t);

voidpf counting_allocate(voidpf opaque, uInt items, uInt size) {
  if (size != 0 && items > (SIZE_MAX - block_header) / size) return Z_NULL;
  const std::size_t bytes = static_cast<std::size_t>(items) * size;
  auto* block = static_cast<unsigned char*>(std::malloc(bytes + block_header));
  if (block == nullptr) return Z_NULL;
  std::memcpy(block, &bytes, sizeof bytes);
  *static_cast<std::size_t*>(opaque) += bytes;
  return block + block_header;
}

void counting_free(voidpf opaque, voidpf address) {
  if (address == Z_NULL) return;
  auto* block = static_cast<unsigned char*>(address) - block_header;
  std::size_t bytes = 0;
  std::memcpy(&bytes, block, sizeof bytes);
  *static_cast<std::size_t*>(opaque) -= bytes;
  std::free(block);
}

struct ZlibStream {
  z_stream z{};
  std::size_t allocated = 0;  // bytes zlib holds

  ZlibStream() noexcept {
    z.zalloc = counting_allocate;
    z.zfree = counting_free;
    z.opaque = &allocated;
  }
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;
};

// zlib refuses raw DEFLATE with an 8-bit window. With 9 its matches reach back at most
// 2^9 - 262 = 250 octets (MAX_DIST: the window less the lookahead it keeps), which a 256-byte
// window holds, so 9 honours an agreed 8.
int deflate_window_bits(std::uint8_t window_bits) noexcept {
  return std::max<int>(window_bits, min_window_bits + 1);
}

}  // namespace

// --- MessageCompressor ---

struct MessageCompressor::Stream : ZlibStream {
  bool initialized = false;
  ~Stream() {
    if (initialized) deflateEnd(&z);
  }
};

MessageCompressor::MessageCompressor(const CompressorSettings& settings) noexcept
    : settings_(settings) {}
MessageCompressor::MessageCompressor(MessageCompressor&&) noexcept = default;
MessageCompressor& MessageCompressor::operator=(MessageCompressor&&) noexcept = default;
MessageCompressor::~MessageCompressor() = default;

bool MessageCompressor::compress(ByteView data, bool message_finished,
                                 std::vector<std::byte>& out) {
  if (!stream_) {
    std::unique_ptr<Stream> stream(new (std::nothrow) Stream);
    if (!stream) return false;
    // Negative windowBits: raw DEFLATE, no zlib header or trailer (RFC 7692 §7.2.1).
    const int status = deflateInit2(&stream->z, settings_.compression_level, Z_DEFLATED,
                                    -deflate_window_bits(settings_.window_bits),
                                    settings_.memory_level, Z_DEFAULT_STRATEGY);
    if (status != Z_OK) return false;
    stream->initialized = true;
    stream_ = std::move(stream);
  }
  z_stream& z = stream_->z;
  const std::size_t start = out.size();
  std::size_t written = start;
  // Stored blocks cost 5 bytes per 16 KiB at worst, and the flush up to 6 more.
  out.resize(start + data.size() + data.size() / 1024 + 64);
  ByteView rest = data;
  z.avail_in = 0;
  for (;;) {
    if (z.avail_in == 0 && !rest.empty()) {
      z.next_in = reinterpret_cast<const Bytef*>(rest.data());
      z.avail_in = zlib_size(rest.size());
      rest = rest.subspan(z.avail_in);
    }
    if (written == out.size()) out.resize(out.size() + out.size() / 2 + 64);
    const uInt room = zlib_size(out.size() - written);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    z.avail_out = room;
    // Z_SYNC_FLUSH once every byte is in: the output ends with an empty stored block.
    const int status = deflate(&z, rest.empty() ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    written += room - z.avail_out;
    // Z_BUF_ERROR: no input and nothing left to flush (the last call flushed already).
    if (status == Z_BUF_ERROR) break;
    if (status != Z_OK) {
      out.resize(start);
      return false;
    }
    if (z.avail_in == 0 && rest.empty() && z.avail_out != 0) break;  // the flush is complete
  }
  out.resize(written);
  in_message_ = !message_finished;
  if (!message_finished) return true;
  const std::size_t produced = written - start;
  const auto* tail = reinterpret_cast<const std::byte*>(flush_tail.data());
  if (produced >= flush_tail.size() &&
      std::equal(out.end() - static_cast<std::ptrdiff_t>(flush_tail.size()), out.end(), tail)) {
    // RFC 7692 §7.2.1: remove the 00 00 ff ff the flush ended with; the receiver re-appends it.
    out.resize(written - flush_tail.size());
  } else if (produced == 0) {
    // Nothing new since the last flush (an empty message or final fragment). An empty payload
    // plus 00 00 ff ff would be a torn stored block; one 00 octet (BFINAL 0, BTYPE 00) makes the
    // receiver's appended tail a whole empty block (RFC 7692 §7.2.3.6).
    out.push_back(std::byte{0x00});
  }
  if (settings_.no_context_takeover) deflateReset(&z);  // RFC 7692 §7.1.1
  return true;
}

void MessageCompressor::release_if_idle() noexcept {
  if (!in_message_ && settings_.no_context_takeover) stream_.reset();
}

std::size_t MessageCompressor::memory_usage() const noexcept {
  return stream_ ? sizeof(Stream) + stream_->allocated : 0;
}

// --- MessageDecompressor ---

struct MessageDecompressor::Stream : ZlibStream {
  bool initialized = false;
  ~Stream() {
    if (initialized) inflateEnd(&z);
  }
};

MessageDecompressor::MessageDecompressor(const DecompressorSettings& settings) noexcept
    : settings_(settings) {}
MessageDecompressor::MessageDecompressor(MessageDecompressor&&) noexcept = default;
MessageDecompressor& MessageDecompressor::operator=(MessageDecompressor&&) noexcept = default;
MessageDecompressor::~MessageDecompressor() = default;

bool MessageDecompressor::restart_stream() noexcept {
  z_stream& z = stream_->z;
  if (settings_.no_context_takeover) return inflateReset(&z) == Z_OK;
  // A new DEFLATE stream, but under context takeover the next bytes may still refer back into
  // the window (RFC 7692 §7.2.2), so carry it over. Rare (only after a BFINAL block): the copy
  // goes through a temporary buffer.
  const std::size_t window_size = std::size_t{1} << settings_.window_bits;
  std::unique_ptr<Bytef[]> window(new (std::nothrow) Bytef[window_size]);
  if (!window) return false;
  uInt size = 0;
  return inflateGetDictionary(&z, window.get(), &size) == Z_OK && inflateReset(&z) == Z_OK &&
         inflateSetDictionary(&z, window.get(), size) == Z_OK;
}

void MessageDecompressor::finish_message() noexcept {
  tail_consumed_ = 0;
  in_message_ = false;
  message_has_input_ = false;
  if (settings_.no_context_takeover) inflateReset(&stream_->z);  // RFC 7692 §7.1.1
}

MessageDecompressor::Result MessageDecompressor::decompress(ByteView input, bool message_ends,
                                                            MutableByteView output) {
  if (!stream_) {
    std::unique_ptr<Stream> stream(new (std::nothrow) Stream);
    if (!stream) return {Status::out_of_memory, 0, 0};
    if (inflateInit2(&stream->z, -static_cast<int>(settings_.window_bits)) != Z_OK) {
      return {Status::out_of_memory, 0, 0};
    }
    stream->initialized = true;
    stream_ = std::move(stream);
  }
  in_message_ = true;
  if (!input.empty()) message_has_input_ = true;
  if (message_ends && !message_has_input_) {
    // An empty payload is not DEFLATE data (00 00 ff ff alone is a torn stored block), but some
    // senders mean an empty message by it: take it as one and leave the stream untouched.
    finish_message();
    return {Status::message_finished, 0, 0};
  }
  z_stream& z = stream_->z;
  const ByteView tail(reinterpret_cast<const std::byte*>(flush_tail.data()), flush_tail.size());
  std::size_t consumed = 0;
  std::size_t written = 0;
  for (;;) {
    // The caller's bytes first, then (at the end of the message) the tail (RFC 7692 §7.2.2).
    // zlib is called even with nothing to feed: it may hold output from an earlier call.
    const bool from_input = consumed < input.size();
    const bool feeding_tail = !from_input && message_ends;
    const ByteView source = from_input     ? input.subspan(consumed)
                            : feeding_tail ? tail.subspan(tail_consumed_)
                                           : ByteView{};
    const uInt offered = zlib_size(source.size());
    const uInt room = zlib_size(output.size() - written);
    z.next_in = reinterpret_cast<const Bytef*>(source.data());
    z.avail_in = offered;
    z.next_out = reinterpret_cast<Bytef*>(output.data() + written);
    z.avail_out = room;
    const int status = inflate(&z, Z_SYNC_FLUSH);
    const std::size_t used = offered - z.avail_in;
    const std::size_t produced = room - z.avail_out;
    if (from_input) {
      consumed += used;
    } else if (feeding_tail) {
      tail_consumed_ = static_cast<std::uint8_t>(tail_consumed_ + used);
    }
    written += produced;

    if (status == Z_STREAM_END) {
      // RFC 7692 §7.2.3.4: a block with BFINAL set ends zlib's stream (with all its output
      // written); the bytes after it start a new one. What is left of our own tail is dropped.
      if (!restart_stream()) return {Status::out_of_memory, consumed, written};
      const bool input_done = consumed == input.size();
      if (feeding_tail || (input_done && message_ends)) {
        finish_message();
        return {Status::message_finished, consumed, written};
      }
      if (input_done) return {Status::need_input, consumed, written};
      continue;
    }
    if (status == Z_MEM_ERROR) return {Status::out_of_memory, consumed, written};
    if (status != Z_OK && status != Z_BUF_ERROR) return {Status::invalid_data, consumed, written};
    if (z.avail_out == 0 && written == output.size()) {
      return {Status::output_full, consumed, written};
    }
    // Room is left, so zlib took everything it was given. (A call that moved nothing while
    // given input and room would loop forever; zlib does not do that, but stop if it did.)
    if (used == 0 && produced == 0 && !source.empty()) {
      return {Status::invalid_data, consumed, written};
    }
    if (from_input) continue;
    if (!feeding_tail) return {Status::need_input, consumed, written};
    if (tail_consumed_ == flush_tail.size()) {
      finish_message();
      return {Status::message_finished, consumed, written};
    }
  }
}

void MessageDecompressor::release_if_idle() noexcept {
  if (!in_message_ && settings_.no_context_takeover) stream_.reset();
}

std::size_t MessageDecompressor::memory_usage() const noexcept {
  return stream_ ? sizeof(Stream) + stream_->allocated : 0;
}

}  // namespace wscore

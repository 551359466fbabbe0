// SPDX-License-Identifier: MIT
/// @file
/// permessage-deflate (RFC 7692): negotiation (§5, §7.1) and the message codec (§6, §7.2), each
/// usable on its own. A Connection does all of it when ConnectionOptions::deflate is enabled.
///
/// Window size 8 (256 bytes): zlib refuses to compress raw DEFLATE with it (deflateInit2 with
/// windowBits -8 fails since zlib 1.2.9). When 8 is agreed for our compressor, in either role, we
/// compress with zlib's 9 instead: zlib's deflate never emits a match farther back than the window
/// minus 262 octets (MAX_DIST, the lookahead it keeps), which for 9 is 250, so its output is valid
/// for a peer that inflates with a 256-byte window. The tests check this by inflating with exactly
/// 8. So 8 is accepted and honoured like any other size; it costs the memory of 9. Decompressing
/// uses exactly the agreed size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/extension_offer.hpp"

namespace wscore {

/// The extension's name in Sec-WebSocket-Extensions (RFC 7692 §7).
inline constexpr std::string_view permessage_deflate_name = "permessage-deflate";

/// RFC 7692 §7.1.2: LZ77 windows of 2^8 to 2^15 bytes.
inline constexpr std::uint8_t min_window_bits = 8;
/// The largest window, 2^15 bytes; also what an absent *_max_window_bits means.
inline constexpr std::uint8_t max_window_bits = 15;

/// The wire limit for the compressed bytes of a message whose inflated size is limited to
/// `limit`. Deflate keeps what it cannot shrink in stored blocks of up to 65,535 bytes behind a
/// 5-byte header (RFC 1951 §3.2.4) and codes a block with Huffman codes only when that is
/// shorter, so an incompressible message of exactly the limit fits with room to spare in an
/// eighth more; the inflated size is what max_message_size bounds, byte for byte.
[[nodiscard]] constexpr std::uint64_t with_deflate_expansion(std::uint64_t limit) noexcept {
  const std::uint64_t allowance = limit / 8 + 1024;
  return limit > UINT64_MAX - allowance ? UINT64_MAX : limit + allowance;
}

/// How an endpoint wants permessage-deflate. The fields serve both roles: "ours" is the server's
/// compressor in the server role (the server_* parameters) and the client's in the client role
/// (client_*); "the peer's" is the other one.
///
/// @verbatim
/// Server role (ConnectionOptions::deflate, applied by Connection::accept()): accepts the first
/// offer it can honour and answers with
///   server_no_context_takeover  if offered, or if no_context_takeover
///   client_no_context_takeover  if offered, or if peer_no_context_takeover
///   server_max_window_bits=N    N = min(offered value, window_bits), if offered or N < 15
///   client_max_window_bits=N    if the client offered the parameter: N = min(its value or 15,
///                               peer_max_window_bits or 15), when N < 15
/// Client role (Connection::client()): offers
///   server_no_context_takeover  if peer_no_context_takeover
///   client_no_context_takeover  if no_context_takeover
///   server_max_window_bits=N    N = peer_max_window_bits, if set and under 15
///   client_max_window_bits      always, without a value; we compress with min(answer, window_bits)
/// @endverbatim
struct DeflateOptions {
  bool enabled = false;  ///< off by default in the core
  // Our compressor. Memory (zlib): 2^(window_bits+2) + 2^(memory_level+9) bytes plus ~6 KiB.
  std::uint8_t window_bits = 12;            ///< 8-15: the LZ77 window we compress with
  std::uint8_t memory_level = 5;            ///< 1-9: zlib memLevel (hash table size)
  std::uint8_t compression_level = 6;       ///< 0-9: zlib level (1 fastest, 9 smallest)
  bool no_context_takeover = false;         ///< start every message with an empty window
  std::size_t compression_threshold = 128;  ///< whole messages shorter than this go uncompressed
  // The peer's compressor; our decompressor needs 2^bits bytes plus ~7 KiB.
  std::optional<std::uint8_t> peer_max_window_bits = 12;  ///< 8-15; nullopt: no limit asked
  bool peer_no_context_takeover = false;  ///< ask the peer to start every message afresh
};

/// Empty if `options` are usable, else what is wrong with them.
/// @lifetime A string literal: valid for the life of the program.
[[nodiscard]] std::string_view validate_deflate_options(const DeflateOptions& options) noexcept;

/// The parameters of one permessage-deflate element of Sec-WebSocket-Extensions (RFC 7692 §7.1).
struct DeflateParameters {
  /// client_max_window_bits may come without a value in an offer (§7.1.2.2).
  static constexpr std::uint8_t no_value = 0;
  /// The server starts every message with an empty window (§7.1.1.1).
  bool server_no_context_takeover = false;
  /// The client starts every message with an empty window (§7.1.1.2).
  bool client_no_context_takeover = false;
  std::optional<std::uint8_t> server_max_window_bits;  ///< 8-15
  std::optional<std::uint8_t> client_max_window_bits;  ///< 8-15, or no_value (offers only)
  /// Equal parameters.
  friend bool operator==(const DeflateParameters&, const DeflateParameters&) = default;
};

/// Whether an element is a client's offer or a server's response: they allow different things
/// (RFC 7692 §7.1.2.2).
enum class DeflateElementKind : std::uint8_t { offer, response };

/// What read_deflate_parameters() found.
struct DeflateParametersRead {
  std::optional<DeflateParameters> parameters;  ///< nullopt: invalid, see `what`
  /// Why the element is invalid; empty when it is valid.
  /// @lifetime A string literal: valid for the life of the program.
  std::string_view what;
};

/// Reads the parameters of a permessage-deflate element. Invalid (RFC 7692 §7.1): a parameter
/// that is unknown or repeated; *_no_context_takeover with a value; a window size that is not a
/// decimal 8-15 without leading zeros; server_max_window_bits without a value; and, in a
/// response, client_max_window_bits without a value. The element's name is not checked.
[[nodiscard]] DeflateParametersRead read_deflate_parameters(const ExtensionOffer& element,
                                                            DeflateElementKind kind);

/// "permessage-deflate; server_no_context_takeover; ..." with the parameters in §7.1's order.
[[nodiscard]] std::string format_deflate_parameters(const DeflateParameters& parameters);

/// What is in force once negotiated, with absent window sizes filled in as 15.
struct DeflateAgreement {
  /// The server resets its compressor after every message.
  bool server_no_context_takeover = false;
  /// The client resets its compressor after every message.
  bool client_no_context_takeover = false;
  /// The window the server compresses with (8-15).
  std::uint8_t server_max_window_bits = max_window_bits;
  /// The window the client compresses with (8-15).
  std::uint8_t client_max_window_bits = max_window_bits;
  /// Equal agreements.
  friend bool operator==(const DeflateAgreement&, const DeflateAgreement&) = default;
};

/// The agreement written as a Sec-WebSocket-Extensions element (format_deflate_parameters()),
/// a window size only when it is not 15 (its default, RFC 7692 §7.1.2), for logs.
[[nodiscard]] std::string format_deflate_agreement(const DeflateAgreement& agreement);

/// A server's acceptance of one offer (accept_deflate_offer()).
struct DeflateAcceptance {
  std::size_t offer_index;     ///< which of the offers was accepted
  DeflateParameters response;  ///< to send back (format_deflate_parameters)
  /// What is then in force, both ways.
  DeflateAgreement agreement;
};

/// Server role (RFC 7692 §5, §7.1): walks `offers` in order and accepts the first
/// permessage-deflate offer it can honour under `options` (see DeflateOptions). Invalid offers
/// (read_deflate_parameters) are declined, not fatal: the next offer is tried. nullopt: no offer
/// accepted; answer without the extension. `options` must be valid.
[[nodiscard]] std::optional<DeflateAcceptance> accept_deflate_offer(
    std::span<const ExtensionOffer> offers, const DeflateOptions& options);

/// Client role: the offer for `options` (see DeflateOptions). `options` must be valid.
[[nodiscard]] DeflateParameters make_deflate_offer(const DeflateOptions& options);

/// What check_deflate_response() found.
struct DeflateResponseCheck {
  std::optional<DeflateAgreement> agreement;  ///< nullopt: not negotiated (or failed)
  std::string_view what;                      ///< empty, or why the handshake fails
                                              ///< @lifetime A string literal.
};

/// Client role: checks the server's extensions (RFC 6455 §9.1) against the offer we sent. The
/// handshake fails on: permessage-deflate accepted twice; an invalid element; no
/// server_no_context_takeover or server_max_window_bits when we asked for it; a window size larger
/// than we offered; client_max_window_bits when we did not offer it (§7.1.1, §7.1.2).
[[nodiscard]] DeflateResponseCheck check_deflate_response(
    std::span<const ExtensionOffer> extensions, const DeflateParameters& offer);

// --- the codec (RFC 7692 §7.2) ---

/// How a MessageCompressor compresses.
struct CompressorSettings {
  std::uint8_t window_bits = max_window_bits;  ///< 8-15 (8 compresses with zlib's 9, see the top)
  std::uint8_t memory_level = 8;               ///< 1-9
  std::uint8_t compression_level = 6;          ///< 0-9
  bool no_context_takeover = false;            ///< reset after every message (§7.1.1)
};

/// Compresses messages (RFC 7692 §7.2.1). zlib's memory is taken at the first compress() and
/// counted in memory_usage().
class MessageCompressor {
 public:
  /// A compressor with `settings`; it takes no memory until the first compress().
  explicit MessageCompressor(const CompressorSettings& settings = {}) noexcept;
  /// Takes over `other`'s stream and window.
  MessageCompressor(MessageCompressor&&) noexcept;
  /// Takes over `other`'s stream and window, freeing this one's.
  MessageCompressor& operator=(MessageCompressor&&) noexcept;
  /// Frees zlib's memory.
  ~MessageCompressor();

  /// Compresses `data`, the next part of a message, and appends it to `out`, flushed (so that a
  /// fragment can go out at once). `message_finished` ends the message: the 00 00 ff ff that the
  /// flush ends with is removed (§7.2.1), and without context takeover the window is emptied.
  /// Returns false, leaving `out` as it was, if zlib cannot get memory.
  [[nodiscard]] bool compress(ByteView data, bool message_finished, std::vector<std::byte>& out);
  /// Frees zlib's memory when that loses nothing: without context takeover, between messages.
  void release_if_idle() noexcept;
  /// Bytes zlib holds for this compressor.
  [[nodiscard]] std::size_t memory_usage() const noexcept;

 private:
  struct Stream;
  CompressorSettings settings_;
  std::unique_ptr<Stream> stream_;
  bool in_message_ = false;
};

/// How a MessageDecompressor inflates: what the peer's compressor agreed to.
struct DecompressorSettings {
  std::uint8_t window_bits = max_window_bits;  ///< 8-15: the peer's window
  bool no_context_takeover = false;            ///< the peer resets after every message
};

/// Decompresses messages (RFC 7692 §7.2.2) into buffers the caller bounds, so a small input that
/// inflates to a huge output (a decompression bomb) never costs more than the caller's buffer.
class MessageDecompressor {
 public:
  /// A decompressor with `settings`; it takes no memory until the first decompress().
  explicit MessageDecompressor(const DecompressorSettings& settings = {}) noexcept;
  /// Takes over `other`'s stream and window.
  MessageDecompressor(MessageDecompressor&&) noexcept;
  /// Takes over `other`'s stream and window, freeing this one's.
  MessageDecompressor& operator=(MessageDecompressor&&) noexcept;
  /// Frees zlib's memory.
  ~MessageDecompressor();

  /// How a decompress() call ended.
  enum class Status : std::uint8_t {
    need_input,        ///< every input byte taken, `output` not full: pass the message's next bytes
    output_full,       ///< `output` is full: call again with the rest of the input and more room
    message_finished,  ///< (with message_ends) the whole message is out; the next call starts anew
    invalid_data,      ///< not DEFLATE data (RFC 1951): fail the connection
    out_of_memory,     ///< zlib could not get memory
  };
  /// What one decompress() call did.
  struct Result {
    /// How it ended.
    Status status;
    std::size_t bytes_consumed;  ///< of `input`
    std::size_t bytes_written;   ///< into `output`
  };

  /// Decompresses `input`, the next compressed bytes of the current message, into `output`.
  /// `message_ends`: `input` runs to the end of the message, after which the decompressor appends
  /// 00 00 ff ff itself (§7.2.2). A DEFLATE block with BFINAL set (§7.2.3.4) ends zlib's stream; it
  /// goes on with the bytes after it, keeping the window under context takeover. A message with no
  /// compressed bytes at all is taken as empty. After invalid_data the decompressor is unusable.
  /// Input not consumed is not kept: pass it again (with the rest) on the next call.
  [[nodiscard]] Result decompress(ByteView input, bool message_ends, MutableByteView output);
  /// Frees zlib's memory when that loses nothing: without context takeover, between messages.
  void release_if_idle() noexcept;
  /// Bytes zlib holds for this decompressor.
  [[nodiscard]] std::size_t memory_usage() const noexcept;

 private:
  struct Stream;
  bool restart_stream() noexcept;
  void finish_message() noexcept;

  DecompressorSettings settings_;
  std::unique_ptr<Stream> stream_;
  std::uint8_t tail_consumed_ = 0;  // bytes of 00 00 ff ff fed for the current message
  bool in_message_ = false;
  bool message_has_input_ = false;  // the current message had compressed bytes
};

}  // namespace wscore
